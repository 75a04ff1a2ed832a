"""Requests in progress in the digest: overdue updates first, each with its member, mailbox and next update."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.domain import Touchpoint
from mailbot.policy.digest import build_digest, render_digest
from mailbot.policy.message_samples import HOSTILE_SUBJECT, JAMES, LI, MARIA
from mailbot.policy.progress import InProgress, ProgressView, progress_views, with_progress
from mailbot.policy.templates import TemplateRenderer

SHIPPED = Path(__file__).resolve().parents[2] / "message_templates"
NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 24, 17, 15, tzinfo=NY)  # Tuesday's digest


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NY)


def request(subject: str, due: datetime, *, shared: bool = False, name: str = "Pat Member") -> InProgress:
    mailbox = "help@example.org" if shared else LI.email
    touched = due.replace(day=due.day - 1)
    tp = Touchpoint(mailbox, f"<{subject}@x>", subject, LI.id, "pat@gmail.example", subject, at(20, 9), touched,
                    touched, sender_name=name)  # fmt: skip
    return InProgress(tp, due, (JAMES, LI) if shared else (LI,), "Member Help Desk" if shared else "")


def test_overdue_updates_come_first_then_by_due_time() -> None:
    """An update overdue since this morning heads the list, before two that are due later, earliest first."""
    views = progress_views([request("Later", at(25, 11)), request("Sooner", at(25, 9)),
                            request("Late", at(24, 10, 5))], NOW, NY)  # fmt: skip
    assert [("Late", "overdue"), ("Sooner", "on_track"), ("Later", "on_track")] == [(v.subject, v.state) for v in views]


def test_each_request_says_whose_it_is_and_when_the_next_update_is_due() -> None:
    """Li's request reads as her mailbox's with its times; a help desk one names the desk and both owners."""
    own, shared = progress_views([request("Pension", at(24, 10, 5)), request("Card", at(25, 9), shared=True)], NOW, NY)
    expected = ProgressView("overdue", "overdue", "Pension", "Pat Member <pat@gmail.example>", "Pat Member",
                            "pat@gmail.example", "Li's mailbox", "Li Chen", "10:05 am yesterday",
                            "update overdue since 10:05 am today")  # fmt: skip
    assert expected == own
    assert ("Member Help Desk", "James Okafor and Li Chen", "next update due by 9:00 am tomorrow") == (
        shared.mailbox, shared.owner, shared.due)  # fmt: skip


def test_the_digest_lists_and_counts_them() -> None:
    """The summary counts the requests and the overdue updates; the text lists them in their own section."""
    model = build_digest(MARIA, [], date(2026, 11, 24), NY, "Riverside Members' Association")
    views = progress_views([request("Pension", at(24, 10, 5)), request("Card", at(25, 9), shared=True)], NOW, NY)
    text = render_digest(with_progress(model, views), TemplateRenderer(SHIPPED)).text
    assert "No member messages open. 2 requests in progress, 1 overdue for a status update." in text
    assert ("  OVERDUE   Pension\n            for Pat Member <pat@gmail.example>, in Li's mailbox (Li Chen)\n"
            "            last update 10:05 am yesterday; update overdue since 10:05 am today\n") in text  # fmt: skip


def test_a_digest_without_requests_in_progress_is_unchanged() -> None:
    """No requests: no section, no sentence."""
    model = build_digest(MARIA, [], date(2026, 11, 24), NY, "Riverside Members' Association")
    assert model == with_progress(model, [])


def test_member_markup_in_a_request_stays_text() -> None:
    """A subject with markup and no member name is escaped in the HTML digest."""
    model = build_digest(MARIA, [], date(2026, 11, 24), NY, "Riverside Members' Association")
    views = progress_views([request(HOSTILE_SUBJECT, at(25, 9), name="")], NOW, NY)
    html = render_digest(with_progress(model, views), TemplateRenderer(SHIPPED)).html
    assert (False, True) == ("<script>" in html, "&lt;/td&gt;&lt;script&gt;" in html)
