"""The member survey end to end on the sandbox Exchange, through each real backend: asked once per answered request
(reruns and restarts included), never about a phone message, and the member's click counted by the report's feed."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sandbox_fixtures import quiet_scenario
from werkzeug.test import Client

from mailbot.assessment.satisfaction import satisfaction
from mailbot.clock import FixedClock
from mailbot.jobs.digest import digest
from mailbot.jobs.sync_mail import sync_mail
from mailbot.service.survey import SurveyApp

NY = ZoneInfo("America/New_York")
VOICEMAIL = "IPM.Note.Microsoft.Voicemail.UM.CA"
LI, HELP, DANA = "li.chen@example.org", "help@example.org", "Dana Whitfield <dana.w@outlook.example>"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


def test_an_answered_request_is_asked_once_and_the_click_counts(make_sandbox: Any, deps_for: Any) -> None:
    """Dana's two messages in one thread are answered at 10:00: at 11:05 (an hour later) she gets one survey, which
    a rerun and a restart do not repeat; the voicemail marked Done gets none; her click is the feed's one score."""
    server = make_sandbox(quiet_scenario())
    deps = deps_for(server)
    server.org.clock.set(at("2026-11-23T09:00"))
    [first] = server.org.deliver_external([LI], DANA, "Change of address", "I moved.", message_id="<addr-1@x>")
    server.org.deliver_external([LI], DANA, "Re: Change of address", "To 5 Elm St.", message_id="<addr-2@x>",
                                in_reply_to="<addr-1@x>", references=("<addr-1@x>",))  # fmt: skip
    [voicemail] = server.org.deliver_external(
        [HELP],
        "Unified Messaging <um@example.org>",
        "Voice Mail from +1 555",
        "Please call back.",
        message_class=VOICEMAIL,
    )
    sync_mail(deps, at("2026-11-23T09:05"))
    server.org.clock.set(at("2026-11-23T10:00"))
    server.org.send(LI, [DANA], "Re: Change of address", "<p>Updated.</p>", in_reply_to="<addr-2@x>",
                    references=("<addr-1@x>", "<addr-2@x>"))  # fmt: skip
    server.org.set_categories(HELP, voicemail.item_id, ["Done"])
    for now in ("10:05", "10:55", "11:05", "11:05", "11:10"):  # the last run after a restart
        server.org.clock.set(at(f"2026-11-23T{now}"))
        result = sync_mail(deps if now != "11:10" else deps_for(server), at(f"2026-11-23T{now}"))
        assert [] == [p for p in result.problems if "survey" in p]  # (Petr's mailbox is refused in the scenario)
    surveys = [e for e in server.org.outbox() if e.message.subject.startswith("How did we do?")]
    assert [(("dana.w@outlook.example",), "How did we do? Change of address")] == [
        (e.recipients, e.message.subject) for e in surveys]  # fmt: skip
    link = re.search(r'https://members\.example\.org/survey/([^/"]+)/4\b', surveys[0].message.body_html or "")
    assert link is not None and first.subject == "Change of address"
    app = SurveyApp(deps.survey, deps.store, FixedClock(at("2026-11-23T12:00")), "Riverside", 1000)
    assert 200 == Client(app).get(f"/survey/{link[1]}/4").status_code
    figures = satisfaction(deps.store.engine, at("2026-11-23T00:00"), at("2026-11-24T00:00"), ["lchen", HELP])
    assert (1, 1, (0, 0, 0, 1, 0)) == (figures.sent, figures.answered, figures.scores)
    built = digest(deps, at("2026-11-23T17:15"), send=False).details["mreyes"]
    assert 'Li Chen: 4 of 5 (very good) for "Change of address", today at 12:00 pm' in built.message.text
