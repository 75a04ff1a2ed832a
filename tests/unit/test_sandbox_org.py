"""The sandbox organisation model on its own: sync states, delivery, threads, calendars, OOF, scenarios."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.clock import FixedClock
from mailbot.errors import ConfigError
from mailbot.sandbox import Organisation, load_scenario
from mailbot.sandbox.records import (
    EXCHANGE_RESOURCE,
    GRAPH_RESOURCE,
    InvalidOofDuration,
    InvalidSyncState,
    ItemNotFound,
    OofConfig,
    StoredMessage,
    UnknownMailbox,
)

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=NY)
LI, JAMES, HELP = "li.chen@example.org", "james.okafor@example.org", "help@example.org"
MEMBER = "Pat Member <pat.member@gmail.example>"
SCENARIO = Path(__file__).resolve().parents[2] / "config" / "sandbox.yaml"


def organisation(impersonation: set[str] | None = None) -> Organisation:
    org = Organisation(FixedClock(MONDAY), ["example.org"], "mailbot@example.org", "secret", impersonation)
    org.add_mailbox(LI, "Li Chen", timezone="America/New_York")
    org.add_mailbox(JAMES, "James Okafor", timezone="America/New_York")
    org.add_mailbox(HELP, "Member Help Desk", kind="shared", timezone="America/New_York")
    return org


def member_mail(org: Organisation, subject: str, to: str = LI, **options: object) -> StoredMessage:
    return org.deliver_external([to], MEMBER, subject, "Hello", **options)[0]  # type: ignore[arg-type]


def tampered(state: str, **changes: object) -> str:
    payload = json.loads(base64.b64decode(state)) | changes
    return base64.b64encode(json.dumps(payload).encode()).decode()


# -- mailboxes and access --------------------------------------------------------------------------------


def test_mailboxes_are_found_whatever_the_case() -> None:
    """Mailbox addresses are case-insensitive, and an unknown one is a KeyError."""
    org = organisation()
    assert "Li Chen" == org.mailbox("Li.Chen@Example.org").name
    with pytest.raises(KeyError):
        org.mailbox("nobody@example.org")


def test_impersonation_grant_limits_the_service_account() -> None:
    """With a grant list the service account may act only for the listed mailboxes; without one, for all."""
    assert (True, False) == (organisation({LI}).may_impersonate(LI), organisation({LI}).may_impersonate(JAMES))
    assert True is organisation().may_impersonate(JAMES)


def test_tokens_expire_on_the_organisation_clock() -> None:
    """A bearer token names its principal until its lifetime has passed on the sandbox clock."""
    org = organisation()
    token = org.issue_token(lifetime=timedelta(minutes=30))
    assert "mailbot@example.org" == org.principal_for_token(token)
    org.clock.advance(minutes=31)  # type: ignore[attr-defined]
    assert (None, None) == (org.principal_for_token(token), org.principal_for_token("made-up"))


def test_a_token_remembers_the_resource_it_was_issued_for() -> None:
    """A token issued for Graph is accepted by Graph only; one issued for no resource by either."""
    org = organisation()
    graph, anything = org.bearer_token(org.issue_token(audience=GRAPH_RESOURCE)), org.bearer_token(org.issue_token())
    assert graph is not None and anything is not None
    accepted = [(t.accepted_by(GRAPH_RESOURCE), t.accepted_by(EXCHANGE_RESOURCE)) for t in (graph, anything)]
    assert [(True, False), (True, True)] == accepted


def test_ending_tokens_early_keeps_them_known_but_invalid() -> None:
    """expire_tokens ends live tokens now; the organisation still knows them, expired on its clock."""
    org = organisation()
    token = org.issue_token()
    assert 1 == org.expire_tokens()
    issued = org.bearer_token(token)
    assert (False, None) == (issued is not None and issued.valid_at(org.clock.now()), org.principal_for_token(token))


def test_a_status_message_shows_until_it_expires_on_the_clock() -> None:
    """A status message with an expiry is shown until that moment on the sandbox clock, then not at all."""
    org = organisation()
    org.set_status_message(LI, "On vacation", MONDAY + timedelta(hours=2))
    assert ("On vacation", MONDAY + timedelta(hours=2)) == org.status_message(LI)
    org.clock.advance(hours=2)  # type: ignore[attr-defined]
    assert None is org.status_message(LI)


def test_a_status_message_without_expiry_stays_and_empty_text_clears_it() -> None:
    """A status message without expiry stays (published at the clock's time); setting empty text clears it."""
    org = organisation()
    org.set_status_message(LI, "Working from home")
    record = org.status_message_record(LI)
    assert record is not None
    assert ("Working from home", MONDAY, None) == (record.text, record.published, record.expires)
    org.set_status_message(LI, "")
    assert None is org.status_message(LI)


# -- delivery and threads --------------------------------------------------------------------------------


def test_external_mail_arrives_with_realistic_headers() -> None:
    """Member mail lands unread in the Inbox with Message-ID, Date, From, To, Subject and any extra headers."""
    message = member_mail(organisation(), "Question", headers={"Auto-Submitted": "auto-replied"})
    names = [name for name, _ in message.headers]
    assert {"Message-ID", "Date", "From", "To", "Subject", "Auto-Submitted"} <= set(names)
    assert (message.message_id, "Pat Member", False) == (message.header("message-id"), message.author.name,
                                                         message.is_read)  # fmt: skip


def test_sending_delivers_internally_and_records_outside_recipients() -> None:
    """A send leaves a copy in Sent Items, the same message in a colleague's Inbox and the outsider in the outbox."""
    org = organisation()
    sent = org.send(JAMES, [LI, "pat.member@gmail.example"], "Cover", None, "Please take over.")
    received = org.messages(LI, "inbox")[0]
    assert [sent] == org.messages(JAMES, "sentitems")
    assert (sent.message_id, sent.conversation_id, False) == (received.message_id, received.conversation_id,
                                                              received.is_read)  # fmt: skip
    assert [("pat.member@gmail.example",)] == [e.recipients for e in org.outbox()]


def test_send_only_keeps_no_copy() -> None:
    """Sending without saving leaves Sent Items empty."""
    org = organisation()
    org.send(JAMES, [LI], "Quick note", None, "FYI", save_copy=False)
    assert ([], 1) == (org.messages(JAMES, "sentitems"), len(org.messages(LI, "inbox")))


def test_mail_to_an_internal_address_without_mailbox_bounces() -> None:
    """Mail to an internal address that has no mailbox comes back to the sender as a non-delivery report."""
    org = organisation()
    org.send(JAMES, ["petr.novak@example.org"], "Handover", None, "Your files?")
    ndr = org.messages(JAMES, "inbox")[0]
    assert ("REPORT.IPM.Note.NDR", "Undeliverable: Handover", []) == (ndr.item_class, ndr.subject, org.outbox())


def test_a_reply_joins_the_thread_it_answers() -> None:
    """Mail naming a known message in In-Reply-To or References joins its conversation; other mail starts one."""
    org = organisation()
    first = member_mail(org, "Renewal")
    reply = org.send(LI, ["pat.member@gmail.example"], "Re: Renewal", None, "Answer", in_reply_to=first.message_id)
    follow_up = member_mail(org, "Re: Renewal", references=[first.message_id, reply.message_id])
    unrelated = member_mail(org, "Renewal")
    assert {first.conversation_id} == {reply.conversation_id, follow_up.conversation_id}
    assert first.conversation_id != unrelated.conversation_id


def test_drafts_wait_in_drafts() -> None:
    """A saved draft is in Drafts, marked as a draft, and goes nowhere."""
    org = organisation()
    draft = org.save_draft(LI, ["pat.member@gmail.example"], "Reply", "<p>Hi Pat</p>")
    assert ([draft], True, "Hi Pat", []) == (org.messages(LI, "drafts"), draft.is_draft, draft.body_text, org.outbox())


def test_soft_delete_moves_to_deleted_items() -> None:
    """Deleting a message moves it to Deleted Items under a new id; a hard delete removes it."""
    org = organisation()
    first, second = member_mail(org, "One"), member_mail(org, "Two")
    org.delete_item(LI, first.item_id)
    org.delete_item(LI, second.item_id, hard=True)
    assert ([], ["One"]) == (org.messages(LI, "inbox"), [m.subject for m in org.messages(LI, "deleteditems")])
    with pytest.raises(ItemNotFound):
        org.get_item(LI, first.item_id)


def test_oof_auto_reply_goes_once_per_outside_sender() -> None:
    """With OOF on, an outside sender gets the external reply once; automated mail gets none."""
    org = organisation()
    org.set_oof(LI, OofConfig("enabled", "all", external_reply="<p>Away</p>"))
    member_mail(org, "First")
    member_mail(org, "Second")
    org.deliver_external(
        [LI], "Bot <noreply@shop.example>", "Receipt", "x", headers={"Auto-Submitted": "auto-generated"}
    )
    replies = org.outbox()
    assert [("pat.member@gmail.example",)] == [e.recipients for e in replies]
    assert ("Automatic reply: First", "Away") == (replies[0].message.subject, replies[0].message.body_text)


# -- sync --------------------------------------------------------------------------------------------------


def test_full_sync_lists_current_items_as_creates() -> None:
    """A sync from no state returns each current item once as a create; a deleted one is not mentioned."""
    org = organisation()
    kept, gone = member_mail(org, "Kept"), member_mail(org, "Gone")
    org.delete_item(LI, gone.item_id)
    result = org.sync(LI, "inbox", None, 100)
    assert ([kept.item_id], [], [], True) == ([i.item_id for i in result.creates], result.updates, result.deletes,
                                              result.includes_last)  # fmt: skip


def test_incremental_sync_reports_each_kind_of_change() -> None:
    """After a sync, a new message, a category change, a read flag and a deletion come back in log order."""
    org = organisation()
    tagged, read, deleted = member_mail(org, "Tagged"), member_mail(org, "Read"), member_mail(org, "Deleted")
    state = org.sync(LI, "inbox", None, 100).new_state
    new = member_mail(org, "New")
    org.set_categories(LI, tagged.item_id, ["Done"])
    org.mark_read(LI, read.item_id)
    org.delete_item(LI, deleted.item_id)
    changes = org.sync(LI, "inbox", state, 100).changes
    expected = [("create", new.item_id), ("update", tagged.item_id), ("read_flag", read.item_id),
                ("delete", deleted.item_id)]  # fmt: skip
    assert expected == [(c.kind, c.item_id) for c in changes]
    assert (("Done",), True) == (changes[1].item.categories, changes[2].is_read)  # type: ignore[union-attr]


def test_changes_to_an_item_are_reported_once_and_new_change_keys_issued() -> None:
    """Several changes to one item since the last sync are one update, carrying a new change key."""
    org = organisation()
    message = member_mail(org, "Busy")
    state = org.sync(LI, "inbox", None, 100).new_state
    org.set_categories(LI, message.item_id, ["In progress"])
    org.set_categories(LI, message.item_id, ["Done"])
    [change] = org.sync(LI, "inbox", state, 100).changes
    assert isinstance(change.item, StoredMessage)
    assert ("update", ("Done",), True) == (change.kind, change.item.categories,
                                           change.item.change_key != message.change_key)  # fmt: skip


def test_an_item_created_and_deleted_between_syncs_is_not_mentioned() -> None:
    """A message that came and went between two syncs is not reported at all."""
    org = organisation()
    state = org.sync(LI, "inbox", None, 100).new_state
    org.delete_item(LI, member_mail(org, "Fleeting").item_id, hard=True)
    assert () == org.sync(LI, "inbox", state, 100).changes


def test_sync_pages_until_the_last_change() -> None:
    """Five messages synced two at a time take three pages, only the last including the end of the range."""
    org = organisation()
    ids = [member_mail(org, f"Message {n}").item_id for n in range(5)]
    pages, state = [], None
    while True:
        result = org.sync(LI, "inbox", state, 2)
        pages.append(([c.item_id for c in result.changes], result.includes_last))
        state = result.new_state
        if result.includes_last:
            break
    assert [(ids[0:2], False), (ids[2:4], False), (ids[4:5], True)] == pages


def test_a_page_stopped_early_still_reports_a_later_delete() -> None:
    """An item deleted after a page boundary is created in one page and deleted in the next."""
    org = organisation()
    first, second = member_mail(org, "First"), member_mail(org, "Second")
    org.delete_item(LI, first.item_id, hard=True)
    page = org.sync(LI, "inbox", None, 1)
    rest = org.sync(LI, "inbox", page.new_state, 10)
    assert [("create", first.item_id)] == [(c.kind, c.item_id) for c in page.changes]
    assert [("create", second.item_id), ("delete", first.item_id)] == [(c.kind, c.item_id) for c in rest.changes]


def test_sync_states_are_bound_to_folder_mailbox_and_history() -> None:
    """Garbage, or a state issued for another folder or mailbox, or for another history of the folder (the same mail
    delivered anew in another organisation is another item), or moved to another place in it, is refused."""
    org, other = organisation(), organisation()
    member_mail(org, "One")
    member_mail(other, "One")
    state = org.sync(LI, "inbox", None, 100).new_state
    for bad in ("garbage!", org.sync(LI, "sentitems", None, 10).new_state, org.sync(JAMES, "inbox", None, 10).new_state,
                other.sync(LI, "inbox", None, 10).new_state, tampered(state, s=99), tampered(state, s=0)):  # fmt: skip
        with pytest.raises(InvalidSyncState):
            org.sync(LI, "inbox", bad, 100)


# -- calendar ----------------------------------------------------------------------------------------------


def test_weekly_series_keeps_wall_clock_time_across_dst() -> None:
    """A Monday 09:00 series stays at 09:00 New York time before and after 1 November."""
    org = organisation()
    org.add_event(LI, "Team", datetime(2026, 10, 19, 9), datetime(2026, 10, 19, 10), rrule="FREQ=WEEKLY;BYDAY=MO")
    view = org.calendar_view(LI, datetime(2026, 10, 26, tzinfo=NY), datetime(2026, 11, 10, tzinfo=NY))
    assert [13, 14, 14] == [o.start.astimezone(UTC).hour for o in view]
    assert {(9, 10)} == {(o.start.astimezone(NY).hour, o.end.astimezone(NY).hour) for o in view}


def test_excluded_dates_and_until_limit_a_series() -> None:
    """An excluded date is skipped and a UTC UNTIL ends the series."""
    org = organisation()
    org.add_event(LI, "Standup", datetime(2026, 11, 23, 9), datetime(2026, 11, 23, 9, 15),
                  rrule="FREQ=DAILY;UNTIL=20261127T140000Z", exdates=[date(2026, 11, 25)])  # fmt: skip
    view = org.calendar_view(LI, datetime(2026, 11, 20, tzinfo=NY), datetime(2026, 12, 5, tzinfo=NY))
    assert [23, 24, 26, 27] == [o.start.day for o in view]


def test_calendar_view_uses_half_open_overlap() -> None:
    """An event ending exactly at the view's start is out; one starting exactly at its end is out too."""
    org = organisation()
    org.add_event(LI, "Before", datetime(2026, 11, 23, 9), datetime(2026, 11, 23, 10))
    org.add_event(LI, "Inside", datetime(2026, 11, 23, 10), datetime(2026, 11, 23, 11))
    org.add_event(LI, "After", datetime(2026, 11, 23, 11), datetime(2026, 11, 23, 12))
    view = org.calendar_view(LI, datetime(2026, 11, 23, 10, tzinfo=NY), datetime(2026, 11, 23, 11, tzinfo=NY))
    assert ["Inside"] == [o.entry.subject for o in view]


def test_all_day_event_spans_local_midnights() -> None:
    """Dates make an all-day event from local midnight to local midnight of the exclusive end date."""
    org = organisation()
    event = org.add_event(LI, "Vacation", date(2026, 11, 27), date(2026, 12, 1), show_as="oof")
    expected = (True, datetime(2026, 11, 27, tzinfo=NY), datetime(2026, 12, 1, tzinfo=NY))
    assert expected == (event.all_day, event.start, event.end)
    saturday = org.calendar_view(LI, datetime(2026, 11, 28, 12, tzinfo=NY), datetime(2026, 11, 28, 13, tzinfo=NY))
    assert [("Vacation", "single")] == [(o.entry.subject, o.kind) for o in saturday]


def test_moving_and_removing_events() -> None:
    """An event can be moved (new change key, same id) and removed."""
    org = organisation()
    event = org.add_event(LI, "Training", date(2026, 12, 7), date(2026, 12, 8))
    moved = org.update_event(LI, event.item_id, start=date(2026, 12, 14), end=date(2026, 12, 15))
    assert (event.item_id, True, datetime(2026, 12, 14, tzinfo=NY)) == (moved.item_id,
                                                                       moved.change_key != event.change_key,
                                                                       moved.start)  # fmt: skip
    org.remove_event(LI, event.item_id)
    assert [] == org.events(LI)


def test_an_occurrence_is_fetched_by_its_own_id() -> None:
    """The id of one occurrence in a view names that occurrence."""
    org = organisation()
    org.add_event(LI, "Team", datetime(2026, 11, 2, 9), datetime(2026, 11, 2, 10), rrule="FREQ=WEEKLY")
    occurrence = org.calendar_view(LI, datetime(2026, 11, 23, tzinfo=NY), datetime(2026, 11, 24, tzinfo=NY))[0]
    assert occurrence == org.get_item(LI, occurrence.item_id)


def test_events_refuse_nonsense() -> None:
    """An event ending before it starts, an unknown show-as or a broken rule is refused."""
    org = organisation()
    bad = [{"start": date(2026, 12, 2), "end": date(2026, 12, 1)}, {"show_as": "maybe"}, {"rrule": "FREQ=SOMETIMES"}]
    for options in bad:
        arguments = {"start": date(2026, 12, 1), "end": date(2026, 12, 2)} | options
        with pytest.raises(ValueError):
            org.add_event(LI, "Bad", **arguments)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=60))
def test_every_occurrence_in_a_view_overlaps_it(offset_days: int, length_days: int) -> None:
    """Whatever the window, a daily series yields exactly the occurrences overlapping it, at 09:00 local."""
    org = organisation()
    org.add_event(LI, "Daily", datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10), rrule="FREQ=DAILY")
    start = datetime(2026, 1, 1, tzinfo=NY) + timedelta(days=offset_days)
    end = start + timedelta(days=length_days)
    view = org.calendar_view(LI, start, end)
    assert length_days == len(view)
    assert all(start < o.end and o.start < end and o.start.astimezone(NY).hour == 9 for o in view)


# -- automatic replies -------------------------------------------------------------------------------------


def test_scheduled_oof_is_stored_in_utc() -> None:
    """A scheduled reply's window is kept in UTC."""
    org = organisation()
    stored = org.set_oof(LI, OofConfig("scheduled", start=datetime(2026, 11, 27, tzinfo=NY),
                                       end=datetime(2026, 12, 1, tzinfo=NY), internal_reply="Away"))  # fmt: skip
    assert (datetime(2026, 11, 27, 5, tzinfo=UTC), UTC) == (stored.start, stored.start.tzinfo)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("start", "end"),
    [(None, datetime(2026, 12, 1, tzinfo=NY)), (datetime(2026, 12, 1, tzinfo=NY), datetime(2026, 11, 30, tzinfo=NY)),
     (datetime(2026, 11, 20, tzinfo=NY), datetime(2026, 11, 23, 7, tzinfo=NY))],
    ids=["no-start", "end-before-start", "already-over"],
)  # fmt: skip
def test_invalid_scheduled_oof_is_refused(start: datetime | None, end: datetime) -> None:
    """A scheduled reply without both times, ending before it starts, or already over is refused."""
    org = organisation()
    with pytest.raises(InvalidOofDuration):
        org.set_oof(LI, OofConfig("scheduled", start=start, end=end))
    assert "disabled" == org.get_oof(LI).state


# -- scenarios ---------------------------------------------------------------------------------------------


def test_example_scenario_seeds_the_week() -> None:
    """The example scenario, given a week, starts on its Monday morning with the roster's mailboxes and mailbot's
    own, mail and OOF."""
    org = load_scenario(SCENARIO, week=MONDAY.date())
    assert MONDAY == org.clock.now()
    assert 7 == len(org.mailboxes())
    assert "shared" == org.mailbox(HELP).kind
    assert "scheduled" == org.get_oof("anna.brandt@example.org").state
    assert False is org.may_impersonate("petr.novak@example.org")
    assert [] == org.outbox()


def test_scenario_problems_name_file_line_and_key(tmp_path: Path) -> None:
    """Every problem in a scenario is reported at once, with the file, line and key."""
    path = tmp_path / "broken.yaml"
    path.write_text(
        "clock: 2026-11-23T08:00:00-05:00\ndomains: [example.org]\n"
        "service_account: {email: bot@example.org, password: x}\nmailboxes:\n"
        "  - {email: a@example.org, name: A, timezone: Mars/Olympus}\n"
        "  - email: b@example.org\n    name: B\n    calendar:\n"
        "      - {subject: Bad, start: 2026-12-02, end: 2026-12-01}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_scenario(path)
    problems = raised.value.problems
    assert 2 == len(problems)
    assert problems[0].startswith(f"{path}:5: mailboxes[0].timezone: 'Mars/Olympus' is not an IANA timezone")
    assert problems[1].startswith(f"{path}:9: mailboxes[1].calendar[0]: The event 'Bad' ends")


def test_scenario_unknown_keys_are_reported(tmp_path: Path) -> None:
    """A misspelt key is reported with its location and a suggestion."""
    path = tmp_path / "typo.yaml"
    text = "clock: 2026-11-23T08:00:00Z\ndomains: [example.org]\nservice_account: {email: b@example.org, password: x}\n"
    path.write_text(text + "mailbox: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"typo\.yaml:4: mailbox: unknown key; did you mean 'mailboxes'"):
        load_scenario(path)


def test_unknown_mailbox_errors_are_key_errors() -> None:
    """Asking for an unknown mailbox raises UnknownMailbox, a KeyError with a readable message."""
    with pytest.raises(UnknownMailbox, match=r"No mailbox 'x@example\.org'"):
        organisation().get_oof("x@example.org")
