"""Mail no person wrote: automatic replies and delivery reports by subject in Outlook's languages, headers as
policy.yaml lists them, and the MAPI property Exchange keeps of X-Auto-Response-Suppress."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from mailbot.config.automated import AutomatedMail
from mailbot.config.loader import load_settings
from mailbot.domain import MailItem, MessageKind
from mailbot.policy.automated import AutomatedRules, HeaderRule, automated_reason, suppressed_responses
from mailbot.policy.classify import Classification, SlaRules, automated_exclusion, classify

ROOT = Path(__file__).resolve().parents[2]
HELP, MEMBER = "help@example.org", "ann.member@gmail.com"
RULES = SlaRules(org_domains=frozenset({"example.org"}), shared_addresses=frozenset({HELP}))
EMAIL = MessageKind.EMAIL


def mail(subject: str = "Question about my membership", **changes: object) -> MailItem:
    """A member's e-mail in the help desk inbox with no header of automated mail, changed as asked."""
    item = MailItem(
        mailbox=HELP, item_id="item-1", message_id="<q1@gmail.com>", conversation_id="conv-1", sender=MEMBER,
        recipients=(HELP,), subject=subject, received_at=datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("UTC")),
    )  # fmt: skip
    return replace(item, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("subject", "prefix"),
    [
        ("Automatic reply: Dues question", "Automatic reply:"),
        ("AUTOMATIC REPLY: Dues question", "Automatic reply:"),
        ("Out of Office AutoReply: Dues question", "Out of Office AutoReply:"),
        ("Abwesenheitsnotiz: Beitragsfrage", "Abwesenheitsnotiz:"),
        ("Automatische Antwort: Beitragsfrage", "Automatische Antwort:"),
        ("Réponse automatique\u00a0: Cotisation", "Réponse automatique :"),
        ("Réponse automatique: Cotisation", "Réponse automatique :"),
        ("Respuesta automática: Cuota", "Respuesta automática:"),
        ("Risposta automatica: Quota", "Risposta automatica:"),
        ("Automatisch antwoord: Contributie", "Automatisch antwoord:"),
        ("自動応答: 会費について", "自動応答:"),
        ("[EXTERNAL] Automatic reply: Dues question", "Automatic reply:"),
    ],
)
def test_an_automatic_reply_is_known_by_its_subject_alone(subject: str, prefix: str) -> None:
    """An automatic reply without any header of automated mail does not count, in Outlook's languages, whatever
    the case or the space French puts before its colon, and behind a gateway's [EXTERNAL] tag."""
    expected = Classification(False, EMAIL, f'auto-reply (subject starts "{prefix}")')
    assert expected == classify(mail(subject), RULES)


@pytest.mark.parametrize(
    ("subject", "prefix"),
    [("Undeliverable: Dues question", "Undeliverable:"), ("Unzustellbar: Beitragsfrage", "Unzustellbar:"),
     ("Non remis : Cotisation", "Non remis :"), ("Delivery delayed: Dues question", "Delivery delayed:")],
)  # fmt: skip
def test_a_delivery_report_is_known_by_its_subject_alone(subject: str, prefix: str) -> None:
    """A non-delivery or delay report that arrives as plain mail does not count, in Exchange's languages."""
    expected = Classification(False, EMAIL, f'delivery report (subject starts "{prefix}")')
    assert expected == classify(mail(subject), RULES)


@pytest.mark.parametrize(
    "subject",
    ["RE: Automatic reply: Dues question", "Automatic reply not working in my account", "Undeliverable parcel",
     "Out of office hours support?"],
)  # fmt: skip
def test_a_person_writing_about_automatic_replies_still_counts(subject: str) -> None:
    """A member answering an automatic reply, or writing about one, wrote the message and is answered."""
    assert Classification(True, EMAIL) == classify(mail(subject), RULES)


@pytest.mark.parametrize(
    ("value", "reason"),
    [(-1, "automated sender (PidTagAutoResponseSuppress: All)"),
     (0x10, "automated sender (PidTagAutoResponseSuppress: OOF)"),
     (0x3F, "automated sender (PidTagAutoResponseSuppress: DR, NDR, RN, NRN, OOF, AutoReply)")],
)  # fmt: skip
def test_exchanges_property_marks_an_automated_sender_without_the_header(value: int, reason: str) -> None:
    """PidTagAutoResponseSuppress asking for no out-of-office replies marks automated mail as the header would."""
    assert Classification(False, EMAIL, reason) == classify(mail(auto_response_suppress=value), RULES)


def test_a_property_asking_only_for_no_receipts_still_counts() -> None:
    """Suppressing delivery and read receipts (DR, RN) is what ordinary clients do: the member's mail counts."""
    assert Classification(True, EMAIL) == classify(mail(auto_response_suppress=0x05), RULES)


def test_the_property_reads_as_the_headers_words() -> None:
    """Every bit is All; the others are named as X-Auto-Response-Suppress names them."""
    assert (["All"], ["All"], ["NDR", "AutoReply"], []) == (
        suppressed_responses(-1), suppressed_responses(0xFFFFFFFF), suppressed_responses(0x22), suppressed_responses(0)
    )  # fmt: skip


def test_subject_starts_and_header_rules_come_from_the_policy() -> None:
    """An organisation's own subject start and header rule are used, and a list given replaces the built-in one."""
    rules = AutomatedRules(("Odpowiedź:",), (), (HeaderRule("X-Ticket-Robot", "helpdesk robot"),))
    ticket = mail(headers=(("X-Ticket-Robot", "yes"),))
    listed = mail(headers=(("List-Id", "<news.club.org>"),))
    assert ('auto-reply (subject starts "Odpowiedź:")', "helpdesk robot (X-Ticket-Robot)", None, None) == (
        automated_reason(mail("Odpowiedź: Składka"), rules), automated_reason(ticket, rules),
        automated_reason(mail("Automatic reply: Dues"), rules), automated_reason(listed, rules),
    )  # fmt: skip


def test_a_header_rule_with_words_holds_only_for_them() -> None:
    """A rule with any_of holds when one of its words is in the value, in any case; unless names first words
    that undo it."""
    rule = HeaderRule("Auto-Submitted", "auto-reply", unless=frozenset({"No"}))
    words = HeaderRule("Precedence", "bulk mail", any_of=frozenset({"BULK"}))
    assert (True, False, True, False) == (
        rule.holds("auto-replied; owner=x"), rule.holds("no"), words.holds("Bulk"), words.holds("first-class")
    )  # fmt: skip


def test_the_shipped_policy_lists_the_built_in_rules() -> None:
    """config/policy.yaml writes out exactly the lists mailbot uses when the section is left out."""
    shipped = load_settings(ROOT / "service.yaml").policy.automated_mail
    assert AutomatedRules() == AutomatedRules.from_config(shipped) == AutomatedRules.from_config(AutomatedMail())


def test_a_blank_subject_start_is_refused() -> None:
    """A blank subject start would make every message automated, so policy.yaml may not have one."""
    with pytest.raises(ValidationError, match="must not be blank"):
        AutomatedMail(auto_reply_subjects=["Automatic reply:", " : "])


def test_only_mail_left_out_because_a_machine_sent_it_is_named() -> None:
    """An auto-reply in the help desk is named with its reason; a member's mail, a colleague's and an
    auto-reply outside the watched inboxes are not."""
    auto = mail("Automatic reply: Dues")
    colleague = mail(sender="li.chen@example.org")
    elsewhere = mail("Automatic reply: Dues", mailbox="someone@example.org")
    assert ['auto-reply (subject starts "Automatic reply:")', None, None, None] == [
        automated_exclusion(m, RULES) for m in (auto, mail(), colleague, elsewhere)
    ]
