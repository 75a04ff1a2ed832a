"""The digest's chart of this week's on-time rate, end to end through each backend: the HTML shows it by cid: and
the message the supervisor receives carries that image as an inline PNG attachment."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import html as lxml_html
from sandbox_fixtures import quiet_scenario

from mailbot.jobs.digest import digest
from mailbot.jobs.sync_mail import sync_mail

NY = ZoneInfo("America/New_York")
LI, MARIA, PAT = "li.chen@example.org", "maria.reyes@example.org", "Pat Member <pat.member@gmail.example>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def test_the_digest_shows_the_weeks_on_time_chart_as_an_inline_image(make_sandbox: Any, deps_for: Any) -> None:
    """Li answered a member on Monday: Maria's digest that evening shows the chart by cid:, with alt text naming Li's
    rate, and carries the matching greyscale PNG inline, small enough for any mailbox."""
    sandbox = make_sandbox(quiet_scenario())
    deps = deps_for(sandbox)
    sandbox.org.clock.set(at("2026-11-23T09:00"))
    [asked] = sandbox.org.deliver_external([LI], PAT, "Refund", "Where is my refund?")
    sync_mail(deps, at("2026-11-23T09:00"))
    sandbox.org.clock.set(at("2026-11-23T10:00"))
    sandbox.org.send(LI, ["pat.member@gmail.example"], "RE: Refund", None, "It is on its way.",
                     in_reply_to=asked.message_id, references=[asked.message_id])  # fmt: skip
    sync_mail(deps, at("2026-11-23T10:00"))
    sandbox.org.clock.set(at("2026-11-23T17:30"))
    digest(deps, at("2026-11-23T17:30"))
    [received] = [m for m in sandbox.org.messages(MARIA, "inbox") if m.subject.startswith("Service level digest")]
    [image] = lxml_html.fromstring(received.body_html or "").xpath("//img")
    [attachment] = received.attachments
    assert (
        f"cid:{attachment.content_id}", True, "image/png", b"\x89PNG", True, True
    ) == (
        image.get("src"), attachment.is_inline, attachment.content_type, attachment.content[:4],
        attachment.size < 40_000, bool(re.search(r"Li Chen 100% \(1 of 1\)", image.get("alt", ""))),
    )  # fmt: skip
