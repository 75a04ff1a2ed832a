"""The response promise: what counts, when it is due, when it is answered, and who owns it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.config.loader import Settings, load_settings
from mailbot.domain import Deadline, ItemKind, MailItem, MessageKind, Person, Tracked, TrackState
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.sla import (
    Classification,
    SlaRules,
    age,
    classify,
    deadline_for,
    find_answer,
    first_answer,
    owner_of,
    state_of,
    thread_state,
    tracked_deadline,
)

ROOT = Path(__file__).resolve().parents[2]
NEW_YORK = ZoneInfo("America/New_York")
MEMBER = "ann.member@gmail.com"
HELP = "help@example.org"
JAMES = "james.okafor@example.org"
LI = "li.chen@example.org"
RULES = SlaRules(
    org_domains=frozenset({"example.org"}),
    staff_addresses=frozenset({JAMES, LI}),
    shared_addresses=frozenset({HELP}),
    voicemail_senders=frozenset({"voicemail@pbx.example.net"}),
)
EMAIL, VOICEMAIL = MessageKind.EMAIL, MessageKind.VOICEMAIL


def ny(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NEW_YORK)


def mail(**changes: object) -> MailItem:
    """A member's question in the help desk inbox, Tuesday 2026-12-01 10:00 New York, changed as asked."""
    item = MailItem(
        mailbox=HELP, item_id="item-1", message_id="<q1@gmail.com>", conversation_id="conv-1", sender=MEMBER,
        recipients=(HELP,), subject="Question about my membership", received_at=ny(12, 1, 10),
    )  # fmt: skip
    return replace(item, **changes)  # type: ignore[arg-type]


def reply(at: datetime, sender: str = LI, **changes: object) -> MailItem:
    """A staff reply to the member, from the sender's Sent Items."""
    item = mail(
        mailbox=sender, item_id=f"reply-{at:%d%H%M}", message_id=f"<r{at:%d%H%M}@example.org>", sender=sender,
        recipients=(MEMBER,), subject="RE: Question about my membership", received_at=at, sent_at=at,
        folder="sentitems", in_reply_to="<q1@gmail.com>",
    )  # fmt: skip
    return replace(item, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def org() -> Settings:
    return load_settings(ROOT / "service.yaml")


@pytest.fixture(scope="module")
def org_rules(org: Settings) -> SlaRules:
    return SlaRules.from_settings(org)


@pytest.fixture(scope="module")
def calendar(org: Settings) -> BusinessCalendar:
    return org.calendars["main"]


# --- Deadlines in the example organisation ----------------------------------------------------------


def test_friday_afternoon_mail_is_due_monday_afternoon(calendar: BusinessCalendar, org_rules: SlaRules) -> None:
    """Mail at 16:00 on Friday 2026-12-04 is due one business day later, Monday 16:00."""
    assert ny(12, 7, 16) == deadline_for(EMAIL, ny(12, 4, 16), calendar, org_rules).due_at


def test_mail_before_thanksgiving_is_due_after_the_long_weekend(
    calendar: BusinessCalendar, org_rules: SlaRules
) -> None:
    """Mail at 16:00 on Wednesday 2026-11-25 skips Thanksgiving and the closed Friday: due Monday 16:00."""
    assert ny(11, 30, 16) == deadline_for(EMAIL, ny(11, 25, 16), calendar, org_rules).due_at


def test_voicemail_after_close_is_due_at_the_end_of_the_next_workday(
    calendar: BusinessCalendar, org_rules: SlaRules
) -> None:
    """A voicemail at 17:30 on Tuesday must be returned by 17:00 on Wednesday."""
    assert ny(12, 2, 17) == deadline_for(VOICEMAIL, ny(12, 1, 17, 30), calendar, org_rules).due_at


@pytest.mark.parametrize(
    ("kind", "received", "due_soon"),
    [
        (EMAIL, ny(12, 1, 10), ny(12, 1, 16, 45)),  # 9 h window, 6 h 45 in
        (EMAIL, ny(12, 4, 16), ny(12, 7, 13, 45)),  # 1 h on Friday, 5 h 45 on Monday
        (VOICEMAIL, ny(12, 1, 17, 30), ny(12, 2, 14, 45)),  # clock starts Wednesday 08:00
    ],
)
def test_due_soon_is_three_quarters_through_the_business_window(
    calendar: BusinessCalendar, org_rules: SlaRules, kind: MessageKind, received: datetime, due_soon: datetime
) -> None:
    """A message becomes due soon once 75 % of its window of business time has passed."""
    assert due_soon == deadline_for(kind, received, calendar, org_rules).due_soon_at


@pytest.mark.parametrize(
    ("now", "answered_at", "expected"),
    [
        (ny(12, 1, 12), None, TrackState.ON_TRACK),
        (ny(12, 1, 16, 45), None, TrackState.DUE_SOON),
        (ny(12, 2, 9), None, TrackState.DUE_SOON),
        (ny(12, 2, 10), None, TrackState.OVERDUE),
        (ny(12, 2, 12), ny(12, 1, 11), TrackState.ANSWERED),
        (ny(12, 1, 12), ny(12, 1, 15), TrackState.ON_TRACK),
    ],
)
def test_state_follows_the_clock(
    calendar: BusinessCalendar,
    org_rules: SlaRules,
    now: datetime,
    answered_at: datetime | None,
    expected: TrackState,
) -> None:
    """Tuesday 10:00 mail is on track, due soon from 16:45, overdue from Wednesday 10:00, answered once replied."""
    deadline = deadline_for(EMAIL, ny(12, 1, 10), calendar, org_rules)
    assert expected == state_of(deadline, now, answered_at)


def test_tracked_deadline_keeps_the_stored_due_time(calendar: BusinessCalendar, org_rules: SlaRules) -> None:
    """A tracked message keeps the due time it was given, and due soon is 75 % of that window."""
    tracked = Tracked(
        mailbox=HELP, message_id="<q1@gmail.com>", conversation_id="conv-1", owner_id="jokafor", sender=MEMBER,
        subject="Question", kind=EMAIL, received_at=ny(12, 1, 10), due_at=ny(12, 1, 14),
    )  # fmt: skip
    assert Deadline(ny(12, 1, 14), ny(12, 1, 13)) == tracked_deadline(tracked, calendar, org_rules)


def test_age_counts_business_hours_only(calendar: BusinessCalendar) -> None:
    """Mail from Tuesday 14:00, looked at Wednesday 10:30, has been open 5.5 business hours."""
    assert timedelta(hours=5.5) == age(ny(12, 1, 14), ny(12, 2, 10, 30), calendar)


# --- What counts --------------------------------------------------------------------------------------


def test_member_mail_to_the_help_desk_counts() -> None:
    """A member's e-mail in a shared inbox counts as e-mail."""
    assert Classification(True, EMAIL) == classify(mail(), RULES)


def test_member_mail_to_a_staff_inbox_counts() -> None:
    """A member's e-mail in a staff member's own inbox counts, whatever the case of the address."""
    assert Classification(True, EMAIL) == classify(mail(mailbox="James.Okafor@Example.org"), RULES)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ((("Auto-Submitted", "auto-replied"),), "auto-reply (Auto-Submitted: auto-replied)"),
        ((("auto-submitted", "auto-generated"),), "auto-reply (Auto-Submitted: auto-generated)"),
        ((("X-Autoreply", "yes"),), "auto-reply (X-Autoreply)"),
        ((("X-Autorespond", "yes"),), "auto-reply (X-Autorespond)"),
        ((("X-Auto-Response-Suppress", "All"),), "automated sender (X-Auto-Response-Suppress: All)"),
        ((("X-Auto-Response-Suppress", "DR, OOF, AutoReply"),),
         "automated sender (X-Auto-Response-Suppress: DR, OOF, AutoReply)"),
        ((("Precedence", "bulk"),), "bulk mail (Precedence: bulk)"),
        ((("Precedence", "junk"),), "bulk mail (Precedence: junk)"),
        ((("Precedence", "list"),), "mailing list (Precedence: list)"),
        ((("List-Id", "<news.club.org>"),), "mailing list (List-Id)"),
        ((("List-Unsubscribe", "<mailto:leave@club.org>"),), "mailing list (List-Unsubscribe)"),
    ],
)  # fmt: skip
def test_automated_mail_does_not_count(headers: tuple[tuple[str, str], ...], reason: str) -> None:
    """Auto-replies, automated senders and list mail are not counted, and the reason names the header."""
    assert Classification(False, EMAIL, reason) == classify(mail(headers=headers), RULES)


@pytest.mark.parametrize(
    "headers",
    [(("Auto-Submitted", "no"),), (("X-Auto-Response-Suppress", "DR, RN, NRN"),), (("Precedence", "normal"),)],
)
def test_harmless_headers_still_count(headers: tuple[tuple[str, str], ...]) -> None:
    """Auto-Submitted: no, receipt-only suppression and ordinary precedence come from people and count."""
    assert Classification(True, EMAIL) == classify(mail(headers=headers), RULES)


@pytest.mark.parametrize(
    ("message_class", "reason"),
    [
        ("REPORT.IPM.Note.NDR", "bounce (REPORT.IPM.Note.NDR)"),
        ("REPORT.IPM.Note.IPNRN", "delivery receipt (REPORT.IPM.Note.IPNRN)"),
        ("IPM.Note.Rules.OofTemplate.Microsoft", "auto-reply (IPM.Note.Rules.OofTemplate.Microsoft)"),
        ("IPM.Note.Rules.ReplyTemplate.Microsoft", "auto-reply (IPM.Note.Rules.ReplyTemplate.Microsoft)"),
        ("IPM.Schedule.Meeting.Resp.Pos", "meeting response (IPM.Schedule.Meeting.Resp.Pos)"),
    ],
)
def test_reports_and_auto_reply_classes_do_not_count(message_class: str, reason: str) -> None:
    """Bounces, receipts, Outlook auto-reply templates and meeting responses are not counted."""
    assert Classification(False, EMAIL, reason) == classify(mail(message_class=message_class), RULES)


@pytest.mark.parametrize(
    ("message_class", "kind", "reason"),
    [
        ("IPM.Schedule.Meeting.Request", ItemKind.MEETING, "meeting request (IPM.Schedule.Meeting.Request)"),
        ("IPM.Schedule.Meeting.Canceled", ItemKind.MEETING, "meeting cancellation (IPM.Schedule.Meeting.Canceled)"),
        ("IPM.Schedule.Meeting.Notification.Forward", ItemKind.MEETING,
         "meeting forward notification (IPM.Schedule.Meeting.Notification.Forward)"),
        ("IPM.Sharing", ItemKind.SHARING, "sharing invitation (IPM.Sharing)"),
        ("IPM.Post", ItemKind.POST, "post (IPM.Post)"),
        ("IPM.Note.Custom", ItemKind.MEETING, "meeting message (IPM.Note.Custom)"),
        ("IPM.InfoPathForm.Leave", ItemKind.OTHER, "not an e-mail (IPM.InfoPathForm.Leave)"),
    ],
)  # fmt: skip
def test_a_member_item_that_asks_no_written_answer_does_not_count(
    message_class: str, kind: ItemKind, reason: str
) -> None:
    """A member's meeting request, cancellation, sharing invitation or post, or an item that is no mail at all,
    is answered some other way or not at all, so it is not counted."""
    assert Classification(False, EMAIL, reason) == classify(mail(message_class=message_class, kind=kind), RULES)


def test_a_message_of_an_unknown_class_still_counts() -> None:
    """A member's e-mail whose class Exchange does not know (a plug-in's own) is still mail that counts."""
    assert Classification(True, EMAIL) == classify(mail(message_class="IPM.Note.SomePlugin"), RULES)


@pytest.mark.parametrize(
    "sender",
    ["no-reply@shop.com", "NoReply@shop.com", "donotreply@bank.com", "do-not-reply@bank.com",
     "mailer-daemon@mx.gmail.com", "postmaster@gmail.com", "noreply+billing@shop.com"],
)  # fmt: skip
def test_no_reply_senders_do_not_count(sender: str) -> None:
    """Mail from an address nobody reads is not counted."""
    expected = Classification(False, EMAIL, f"no-reply sender ({sender.lower()})")
    assert expected == classify(mail(sender=sender), RULES)


def test_a_member_called_noreen_still_counts() -> None:
    """Only whole no-reply local parts are caught, so noreen@ is a member."""
    assert Classification(True, EMAIL) == classify(mail(sender="noreen@gmail.com"), RULES)


def test_a_colleague_mail_does_not_count() -> None:
    """Mail from an organisation address is internal, not member mail."""
    assert Classification(False, EMAIL, "internal sender") == classify(mail(sender=JAMES), RULES)


def test_a_subdomain_of_the_organisation_is_internal() -> None:
    """Mail from a subdomain such as lists.example.org is internal too."""
    assert Classification(False, EMAIL, "internal sender") == classify(mail(sender="ops@it.example.org"), RULES)


def test_a_member_domain_inside_the_organisation_counts() -> None:
    """A member domain counts as member mail even under an organisation domain."""
    rules = replace(RULES, member_domains=frozenset({"members.example.org"}))
    assert Classification(True, EMAIL) == classify(mail(sender="bob@members.example.org"), rules)


def test_marked_no_reply_needed_does_not_count() -> None:
    """The owner's category "No reply needed" (in any case) takes the message out of the count."""
    expected = Classification(False, EMAIL, "marked No reply needed")
    assert expected == classify(mail(categories=("Blue", "no reply NEEDED")), RULES)


@pytest.mark.parametrize(
    "changes", [{"folder": "sentitems"}, {"folder": "deleteditems"}, {"mailbox": "board@example.org"}]
)
def test_only_staff_and_shared_inboxes_count(changes: dict[str, str]) -> None:
    """Mail in another folder or in a mailbox that is not on the roster is not counted."""
    assert Classification(False, EMAIL, "not in a staff or shared inbox") == classify(mail(**changes), RULES)


def test_a_message_without_a_sender_does_not_count() -> None:
    """A message without a sender address cannot be answered and is not counted."""
    assert Classification(False, EMAIL, "no sender address") == classify(mail(sender=""), RULES)


@pytest.mark.parametrize(
    "changes",
    [
        {"message_class": "IPM.Note.Microsoft.Voicemail.UM.CA", "sender": "um@example.org"},
        {"sender": "Voicemail@PBX.example.net", "headers": (("Auto-Submitted", "auto-generated"),)},
        {"subject": "Voice Mail from +1 555 0199 (32 seconds)", "sender": "no-reply@example.org"},
    ],
)
def test_voicemail_is_recognised_and_counts_even_from_internal_systems(
    org_rules: SlaRules, changes: dict[str, object]
) -> None:
    """A phone message counts by message class, gateway sender or subject, though the system sent it."""
    rules = replace(org_rules, voicemail_senders=frozenset({"voicemail@pbx.example.net"}))
    assert Classification(True, VOICEMAIL) == classify(mail(**changes), rules)


def test_voicemail_marked_no_reply_needed_does_not_count(org_rules: SlaRules) -> None:
    """A robocall voicemail the owner marks "No reply needed" is not counted."""
    item = mail(message_class="IPM.Note.Microsoft.Voicemail.UM", categories=("No reply needed",))
    assert Classification(False, VOICEMAIL, "marked No reply needed") == classify(item, org_rules)


def test_a_voicemail_class_with_a_star_matches_by_prefix() -> None:
    """A configured class ending in * matches every class that starts with it."""
    rules = replace(RULES, voicemail_classes=("IPM.Note.Microsoft.Voice*",))
    assert VOICEMAIL == classify(mail(message_class="IPM.Note.Microsoft.Voicemail.UM"), rules).kind


def test_rules_from_the_example_organisation(org_rules: SlaRules) -> None:
    """The example organisation watches every person's mailbox, departed Petr's too, and the help desk."""
    expected = (frozenset({"example.org"}), frozenset({HELP}), True, 1, (r"^Voice Mail from ",))
    actual = (
        org_rules.org_domains,
        org_rules.shared_addresses,
        org_rules.is_watched("petr.novak@example.org"),
        org_rules.email_business_days,
        org_rules.voicemail_subjects,
    )
    assert expected == actual


# --- Answers ----------------------------------------------------------------------------------------


def test_a_colleague_reply_answers() -> None:
    """A reply from another staff member in the same conversation answers the help desk message."""
    answer = reply(ny(12, 1, 11), sender=LI, in_reply_to=None)
    assert ny(12, 1, 11) == find_answer(mail(), [answer], RULES, ny(12, 1, 12))


def test_a_reply_sent_as_the_shared_mailbox_answers() -> None:
    """A reply sent as help@ itself answers."""
    assert ny(12, 1, 11) == find_answer(mail(), [reply(ny(12, 1, 11), sender=HELP)], RULES, ny(12, 1, 12))


def test_the_first_answer_names_whose_sent_items_held_it() -> None:
    """Li sent as help@ from her own Outlook: her Sent Items and help@'s both hold the reply; the answer is hers.
    A later reply from James does not change it, and a message marked Done names nobody."""
    mine = reply(ny(12, 1, 11), sender=HELP, mailbox=LI)
    copy = reply(ny(12, 1, 11), sender=HELP, mailbox=HELP)
    later = reply(ny(12, 1, 12), sender=JAMES)
    assert (ny(12, 1, 11), LI) == first_answer(mail(), [later, copy, mine], RULES, ny(12, 1, 13))
    assert (ny(12, 1, 13), "") == first_answer(mail(categories=("Done",)), [], RULES, ny(12, 1, 13))


def test_a_reply_before_the_member_message_does_not_answer() -> None:
    """An earlier staff message in the conversation does not answer a member message that came later."""
    assert None is find_answer(mail(), [reply(ny(12, 1, 9))], RULES, ny(12, 1, 12))


def test_a_staff_out_of_office_reply_does_not_answer() -> None:
    """A staff member's out-of-office auto-reply is not an answer."""
    oof = reply(ny(12, 1, 10, 1), message_class="IPM.Note.Rules.OofTemplate.Microsoft")
    assert None is find_answer(mail(), [oof], RULES, ny(12, 1, 12))


def test_an_internal_forward_does_not_answer() -> None:
    """Forwarding the message to a colleague shares the conversation but answers nobody."""
    forward = reply(ny(12, 1, 11), sender=JAMES, recipients=(LI,))
    assert None is find_answer(mail(), [forward], RULES, ny(12, 1, 12))


def test_in_reply_to_links_a_reply_without_a_conversation_id() -> None:
    """A reply naming the message in In-Reply-To answers even when its conversation id differs."""
    answer = reply(ny(12, 1, 11), conversation_id="", in_reply_to="q1@gmail.com")
    assert ny(12, 1, 11) == find_answer(mail(), [answer], RULES, ny(12, 1, 12))


def test_references_link_a_reply_in_another_conversation() -> None:
    """A reply naming the message in References answers."""
    answer = reply(ny(12, 1, 11), conversation_id="conv-9", in_reply_to="<other@x>", references=("<q1@gmail.com>",))
    assert ny(12, 1, 11) == find_answer(mail(), [answer], RULES, ny(12, 1, 12))


def test_an_unrelated_staff_mail_does_not_answer() -> None:
    """Mail to the member in another conversation, not naming the message, does not answer."""
    other = reply(ny(12, 1, 11), conversation_id="conv-9", in_reply_to=None)
    assert None is find_answer(mail(), [other], RULES, ny(12, 1, 12))


def test_the_earliest_reply_is_the_answer() -> None:
    """With two replies, the message was answered at the first one."""
    replies = [reply(ny(12, 1, 15)), reply(ny(12, 1, 11), sender=JAMES)]
    assert ny(12, 1, 11) == find_answer(mail(), replies, RULES, ny(12, 1, 16))


def test_done_category_answers_when_seen() -> None:
    """A message the owner marks Done counts as answered at the time mailbot sees the change."""
    assert ny(12, 1, 12) == find_answer(mail(categories=("done",)), [], RULES, ny(12, 1, 12))


def test_done_category_on_a_fresh_copy_answers_a_tracked_message() -> None:
    """A tracked message is answered when the latest copy of it carries the Done category."""
    tracked = Tracked(
        mailbox=HELP, message_id="<q1@gmail.com>", conversation_id="conv-1", owner_id="jokafor", sender=MEMBER,
        subject="Question", kind=EMAIL, received_at=ny(12, 1, 10), due_at=ny(12, 2, 10),
    )  # fmt: skip
    assert ny(12, 1, 12) == find_answer(tracked, [mail(categories=("Done",))], RULES, ny(12, 1, 12))


def test_done_on_a_colleague_copy_does_not_answer() -> None:
    """A colleague on Cc marking their own copy Done has not answered the help desk message."""
    copy = mail(mailbox=JAMES, item_id="copy", categories=("Done",))
    assert None is find_answer(mail(), [copy], RULES, ny(12, 1, 12))


# --- Threads ------------------------------------------------------------------------------------------


def member(at: datetime, n: int) -> MailItem:
    return mail(item_id=f"q{n}", message_id=f"<q{n}@gmail.com>", received_at=at)


def test_a_later_member_message_reopens_the_clock() -> None:
    """After a reply, a new member message is unanswered and the clock runs from it."""
    later = member(ny(12, 1, 14), 2)
    expected = (later, (later,), ny(12, 1, 11))
    state = thread_state([member(ny(12, 1, 10), 1), reply(ny(12, 1, 11)), later], RULES)
    assert expected == (state.open_since, state.unanswered, state.last_answer_at)


def test_one_reply_answers_two_member_messages() -> None:
    """Two member messages followed by one reply leave nothing open."""
    state = thread_state([member(ny(12, 1, 10), 1), member(ny(12, 1, 10, 30), 2), reply(ny(12, 1, 11))], RULES)
    assert (None, (), ny(12, 1, 11)) == (state.open_since, state.unanswered, state.last_answer_at)


def test_the_clock_runs_from_the_oldest_unanswered_message() -> None:
    """Member, reply, member, member: the thread is open since the first of the last two."""
    third, fourth = member(ny(12, 1, 13), 3), member(ny(12, 1, 14), 4)
    state = thread_state([fourth, reply(ny(12, 1, 11)), member(ny(12, 1, 10), 1), third], RULES)
    assert (third, (third, fourth)) == (state.open_since, state.unanswered)


def test_the_same_message_in_two_inboxes_is_one_message() -> None:
    """A member message to help@ with a colleague on Cc is tracked once."""
    first = member(ny(12, 1, 10), 1)
    state = thread_state([first, replace(first, mailbox=JAMES, item_id="copy")], RULES)
    assert (first,) == state.unanswered


def test_an_out_of_office_reply_does_not_close_the_thread() -> None:
    """A staff auto-reply leaves the member message open."""
    first = member(ny(12, 1, 10), 1)
    oof = reply(ny(12, 1, 10, 1), headers=(("Auto-Submitted", "auto-replied"),))
    state = thread_state([first, oof], RULES)
    assert (first, None) == (state.open_since, state.last_answer_at)


def test_a_member_message_marked_done_no_longer_holds_the_clock() -> None:
    """Member, member: with the first marked Done (answered by phone), the thread is open since the second."""
    second = member(ny(12, 1, 11), 2)
    state = thread_state([replace(member(ny(12, 1, 10), 1), categories=("Done",)), second], RULES)
    assert (second, (second,)) == (state.open_since, state.unanswered)


# --- Ownership ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mailbox", "owners"),
    [
        (JAMES, ["jokafor"]),
        (HELP, ["jokafor", "lchen"]),
        ("Petr.Novak@example.org", ["pnovak"]),
        ("board@example.org", []),
    ],
)
def test_owner_of_a_mailbox(org: Settings, mailbox: str, owners: list[str]) -> None:
    """A staff mailbox belongs to its person, departed or not; the help desk to its listed owners."""
    people: list[Person] = org.people()
    assert owners == owner_of(mail(mailbox=mailbox), people, org.roster.shared_mailboxes)


# --- Properties ---------------------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)  # fmt: skip
kinds = st.sampled_from([EMAIL, VOICEMAIL])
ORDER = [TrackState.ON_TRACK, TrackState.DUE_SOON, TrackState.OVERDUE]


@settings(max_examples=150, deadline=None)
@given(received=instants, kind=kinds)
def test_due_soon_never_comes_after_due(
    calendar: BusinessCalendar, org_rules: SlaRules, received: datetime, kind: MessageKind
) -> None:
    """For any arrival, the clock starts no later than due soon, and due soon is no later than due."""
    deadline = deadline_for(kind, received, calendar, org_rules)
    start = calendar.next_opening(received)
    assert (True, True) == (start <= deadline.due_soon_at, deadline.due_soon_at <= deadline.due_at)


@settings(max_examples=150, deadline=None)
@given(received=instants, kind=kinds, offsets=st.lists(st.timedeltas(timedelta(0), timedelta(days=8)), max_size=8))
def test_state_never_goes_backwards_as_time_passes(
    calendar: BusinessCalendar, org_rules: SlaRules, received: datetime, kind: MessageKind, offsets: list[timedelta]
) -> None:
    """As `now` increases, an unanswered message only moves on track -> due soon -> overdue."""
    deadline = deadline_for(kind, received, calendar, org_rules)
    ranks = [ORDER.index(state_of(deadline, received + offset)) for offset in sorted(offsets)]
    assert sorted(ranks) == ranks


def test_state_compares_instants_not_wall_clocks_when_the_clocks_go_back() -> None:
    """At 01:15 after New York falls back, a deadline at the first 01:30 has already passed."""
    first_half_past_one = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)
    second_quarter_past_one = datetime(2026, 11, 1, 1, 15, fold=1, tzinfo=NEW_YORK)
    deadline = Deadline(first_half_past_one, first_half_past_one - timedelta(hours=1))
    assert TrackState.OVERDUE == state_of(deadline, second_quarter_past_one)
