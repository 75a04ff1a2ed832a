"""The member survey's policy: who is asked and when, signed links that carry nothing about the member."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mailbot.config import load_settings
from mailbot.config.organisation import Policy
from mailbot.domain import MessageKind, Tracked
from mailbot.errors import ConfigError
from mailbot.policy.classify import SlaRules
from mailbot.policy.satisfaction import SurveyKeys, SurveyRules, due_for_message, may_survey, request_key, survey_line

ROOT = Path(__file__).resolve().parents[2]
NY = ZoneInfo("America/New_York")
ANSWERED = datetime(2026, 11, 23, 11, 0, tzinfo=NY)
SLA = SlaRules(org_domains=frozenset({"example.org"}), staff_addresses=frozenset({"li.chen@example.org"}))
DANA = Tracked(
    "li.chen@example.org", "<addr-1@outlook.example>", "conv-1", "lchen", "dana.w@outlook.example",
    "Change of address", MessageKind.EMAIL, ANSWERED - timedelta(hours=2), ANSWERED + timedelta(days=1),
    answered_at=ANSWERED, sender_name="Dana Whitfield", resolution="reply",
)  # fmt: skip


def test_off_by_default_and_on_in_the_shipped_example() -> None:
    """A policy.yaml without `satisfaction` asks nobody; the shipped example switches the survey on for the demo."""
    office = {"timezone": "UTC", "hours": {"mon-fri": "09:00-17:00"}}
    bare = Policy.model_validate({"organisation": {"name": "X", "domains": ["x.org"]}, "offices": {"main": office}})
    shipped = load_settings(ROOT / "service.yaml").policy
    assert (False, True) == (bare.satisfaction.enabled, shipped.satisfaction.enabled)


def test_a_link_carries_only_the_signed_survey_id_and_the_score() -> None:
    """The five links hold the survey id signed with the key and the score: no address, name or subject."""
    keys = SurveyKeys("key one", "https://members.example.org/survey/")
    line = survey_line(keys, "s-123", ANSWERED + timedelta(days=14), NY, "How did we do?")
    urls = [link["url"] for link in line.links]
    token = keys.token("s-123")
    assert [f"https://members.example.org/survey/{token}/{score}" for score in range(1, 6)] == urls
    assert not any(word in url.lower() for url in urls for word in ("dana", "outlook", "address", "@"))
    assert ("s-123", "Monday, December 7") == (keys.survey_id(token), line.expires_text)


def test_a_token_signed_with_another_key_or_changed_is_refused() -> None:
    """Forged and mangled tokens read as no survey at all."""
    keys, other = SurveyKeys("key one", ""), SurveyKeys("key two", "")
    token = keys.token("s-123")
    assert [None, None, None] == [keys.survey_id(other.token("s-123")), keys.survey_id(token[:-2] + "xx"),
                                  keys.survey_id("s-123")]  # fmt: skip


def test_only_members_email_answered_by_a_person_is_surveyed() -> None:
    """A reply or Done counts; a phone message, staff, a no-reply sender and "No reply needed" are never asked."""
    cases = {
        "reply": DANA,
        "done": replace(DANA, resolution="done"),
        "voicemail": replace(DANA, kind=MessageKind.VOICEMAIL),
        "staff": replace(DANA, sender="james.okafor@example.org"),
        "no-reply": replace(DANA, sender="noreply@bank.example"),
        "no reply needed": replace(DANA, resolution="no_reply_needed"),
        "open": replace(DANA, answered_at=None, resolution=""),
    }
    assert ["reply", "done"] == [name for name, tracked in cases.items() if may_survey(tracked, SLA)]


def test_the_message_waits_for_the_delay_and_for_done() -> None:
    """An hour after the answer the survey may go, unless the request is in progress (then it waits for Done)."""
    rules = SurveyRules(enabled=True, delay=timedelta(hours=1))
    soon, later = ANSWERED + timedelta(minutes=59), ANSWERED + timedelta(hours=1)
    asked = [due_for_message(DANA, False, soon, rules), due_for_message(DANA, False, later, rules),
             due_for_message(DANA, True, later, rules)]  # fmt: skip
    assert [False, True, False] == asked


def test_one_request_is_one_thread_in_one_mailbox() -> None:
    """Messages of one conversation share a request key; the same thread in another mailbox is another request."""
    again = replace(DANA, message_id="<addr-2@outlook.example>")
    elsewhere = replace(DANA, mailbox="help@example.org")
    assert (True, False) == (request_key(again) == request_key(DANA), request_key(elsewhere) == request_key(DANA))


def test_a_survey_without_its_service_section_is_one_sentence(example_config: Path) -> None:
    """With the survey on, a service.yaml without `survey:` is one problem naming what the section must give."""
    text = example_config.read_text()
    example_config.write_text(text[: text.index("survey:")] + text[text.index("dry_run:") :])
    with pytest.raises(ConfigError) as error:
        load_settings(example_config, resolve_secrets=True)
    [problem] = error.value.problems
    assert problem.endswith("survey: policy.yaml switches the member survey on (satisfaction.enabled), so "
                            "service.yaml needs a `survey:` section with the public_url its links start with and the "
                            "secret that signs them.")  # fmt: skip
