"""The StateStore contract, run against every supported database (SQLite file and PostgreSQL)."""

from __future__ import annotations

import contextlib
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mailbot.domain import MessageKind, Touchpoint, Tracked, TrackingStart
from mailbot.errors import StoreError
from mailbot.store import (
    AuditEntry,
    ComplaintRecord,
    JobRun,
    LeftOutRecord,
    OofRecord,
    SqlStore,
    StateStore,
    WeeklyStatusRecord,
    open_store,
)
from mailbot.store.engine import database_url, downgrade, head_revision, upgrade
from mailbot.store.models import Base

CET = timezone(timedelta(hours=1))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=CET)


def tracked(message_id: str, *, due_in_hours: float = 24, owner_id: str = "anna", **changes: object) -> Tracked:
    item = Tracked(
        mailbox="office@example.org",
        message_id=message_id,
        conversation_id=f"conv-{message_id}",
        owner_id=owner_id,
        sender="member@example.com",
        subject=f"Question {message_id}",
        kind=MessageKind.EMAIL,
        received_at=T0,
        due_at=T0 + timedelta(hours=due_in_hours),
        categories=("member", "urgent"),
    )
    return replace(item, **changes)  # type: ignore[arg-type]


def touchpoint(message_id: str, **changes: object) -> Touchpoint:
    """A request in the office mailbox, marked in progress at T0 + 1 h and last touched then."""
    tp = Touchpoint(
        "office@example.org", message_id, f"conv-{message_id}", "anna", "member@example.com", f"Question {message_id}",
        T0, started_at=T0 + timedelta(hours=1), last_touch_at=T0 + timedelta(hours=1), sender_name="Pat Member",
    )  # fmt: skip
    return replace(tp, **changes)  # type: ignore[arg-type]


def fetch(store: StateStore, message_id: str) -> Tracked:
    """The tracked message `message_id` of the office mailbox, which the test expects to exist."""
    item = store.get_tracked("office@example.org", message_id)
    assert item is not None, f"{message_id} is not tracked"
    return item


class TestStateStoreContract:
    """Every StateStore implementation, on every database, behaves like this."""

    # Opening and migrations

    def test_sql_store_satisfies_the_state_store_protocol(self, store: SqlStore) -> None:
        """SqlStore can be used wherever the StateStore port is expected."""
        port: StateStore = store
        assert store is port

    def test_opening_migrates_to_the_newest_schema(self, store: SqlStore) -> None:
        """A fresh database is migrated to the head revision on open."""
        assert head_revision() == store.schema_version()

    def test_opening_again_is_harmless_and_keeps_data(self, store: SqlStore, store_url: str) -> None:
        """Migrating an up-to-date database again changes nothing and loses nothing."""
        store.put_sync_state("office@example.org", "Inbox", "cursor-1", T0)
        with open_store(store_url) as again:
            assert head_revision() == again.schema_version()
            assert "cursor-1" == again.get_sync_state("office@example.org", "Inbox")

    def test_models_match_the_migrations(self, store: SqlStore) -> None:
        """Autogenerate finds no difference between the migrated database and the models."""
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert [] == compare_metadata(context, Base.metadata)

    def test_migrations_downgrade_and_upgrade_cleanly(self, store: SqlStore) -> None:
        """The initial migration can be undone and redone."""
        downgrade(store.engine, "base")
        assert None is store.schema_version()
        upgrade(store.engine, "head")
        assert head_revision() == store.schema_version()

    def test_opening_without_migrating_leaves_the_schema_alone(self, store_url: str) -> None:
        """migrate=False connects but creates no tables."""
        with open_store(store_url, migrate=False) as store:
            assert None is store.schema_version()

    # Sync states

    def test_sync_state_is_none_until_stored(self, store: SqlStore) -> None:
        """A folder never synced has no sync state."""
        assert None is store.get_sync_state("office@example.org", "Inbox")

    def test_sync_state_round_trips_and_is_replaced(self, store: SqlStore) -> None:
        """The latest stored sync state of a folder is the one returned."""
        store.put_sync_state("office@example.org", "Inbox", "cursor-1", T0)
        store.put_sync_state("office@example.org", "Inbox", "cursor-2", T0 + timedelta(minutes=5))
        store.put_sync_state("office@example.org", "Sent Items", "sent-1", T0)
        assert "cursor-2" == store.get_sync_state("office@example.org", "Inbox")
        assert "sent-1" == store.get_sync_state("office@example.org", "Sent Items")

    def test_sync_batch_stores_items_and_state(self, store: SqlStore) -> None:
        """A sync batch keeps its tracked messages and the new sync state together."""
        store.save_sync_batch("office@example.org", "Inbox", [tracked("m1"), tracked("m2")], "cursor-1", T0)
        assert ["m1", "m2"] == [t.message_id for t in store.open_tracked()]
        assert "cursor-1" == store.get_sync_state("office@example.org", "Inbox")

    def test_sync_batch_failing_midway_keeps_neither_items_nor_state(self, store: SqlStore) -> None:
        """When one item of a batch fails, the earlier items and the new sync state are not kept either."""
        store.put_sync_state("office@example.org", "Inbox", "cursor-1", T0)
        broken = tracked("m2", received_at=datetime(2026, 3, 2, 9, 0))
        with pytest.raises(ValueError, match="no timezone"):
            store.save_sync_batch("office@example.org", "Inbox", [tracked("m1"), broken], "cursor-2", T0)
        assert None is store.get_tracked("office@example.org", "m1")
        assert "cursor-1" == store.get_sync_state("office@example.org", "Inbox")

    def test_transaction_rolls_back_everything_on_error(self, store: SqlStore) -> None:
        """An exception inside transaction() discards every change made in the block."""
        with pytest.raises(RuntimeError), store.transaction():
            store.upsert_tracked(tracked("m1"))
            store.put_sync_state("office@example.org", "Inbox", "cursor-1", T0)
            assert store.claim("nudge:m1", T0)
            raise RuntimeError("Exchange went away")
        assert None is store.get_tracked("office@example.org", "m1")
        assert None is store.get_sync_state("office@example.org", "Inbox")
        assert store.claim("nudge:m1", T0)

    def test_transaction_commits_everything_together(self, store: SqlStore) -> None:
        """Changes made inside a transaction() that ends normally are all kept."""
        with store.transaction():
            store.upsert_tracked(tracked("m1"))
            store.audit(T0, "sync", "track", "m1", None, "open", "new member mail")
        assert "m1" == fetch(store, "m1").message_id
        assert 1 == len(store.audit_entries())

    # Tracked messages

    def test_tracked_message_round_trips(self, store: SqlStore) -> None:
        """A tracked message reads back equal to what was stored."""
        item = tracked("m1", kind=MessageKind.VOICEMAIL)
        store.upsert_tracked(item)
        assert item == store.get_tracked("office@example.org", "m1")

    def test_unknown_tracked_message_is_none(self, store: SqlStore) -> None:
        """Asking for a message never tracked gives None."""
        assert None is store.get_tracked("office@example.org", "nope")

    def test_upsert_replaces_a_tracked_message(self, store: SqlStore) -> None:
        """Upserting the same (mailbox, message_id) replaces the stored fields."""
        store.upsert_tracked(tracked("m1"))
        changed = tracked("m1", owner_id="ben", subject="Re-assigned", categories=())
        store.upsert_tracked(changed)
        assert changed == store.get_tracked("office@example.org", "m1")

    def test_upsert_keeps_a_recorded_answer(self, store: SqlStore) -> None:
        """Re-syncing an answered message without an answer time does not reopen it."""
        store.upsert_tracked(tracked("m1"))
        store.mark_answered("office@example.org", "m1", T0 + timedelta(hours=2))
        store.upsert_tracked(tracked("m1"))
        assert T0 + timedelta(hours=2) == fetch(store, "m1").answered_at

    def test_open_tracked_lists_unanswered_soonest_due_first(self, store: SqlStore) -> None:
        """Open messages come soonest due first, answered ones are left out."""
        for message_id, hours in [("late", 48), ("soon", 2), ("middle", 24), ("done", 1)]:
            store.upsert_tracked(tracked(message_id, due_in_hours=hours))
        store.mark_answered("office@example.org", "done", T0)
        assert ["soon", "middle", "late"] == [t.message_id for t in store.open_tracked()]

    def test_open_tracked_filters_by_owner(self, store: SqlStore) -> None:
        """Given an owner, only that owner's open messages are listed."""
        store.upsert_tracked(tracked("a1", owner_id="anna"))
        store.upsert_tracked(tracked("b1", owner_id="ben"))
        assert ["b1"] == [t.message_id for t in store.open_tracked("ben")]

    def test_mark_answered_records_the_first_answer_only(self, store: SqlStore) -> None:
        """The first answer is recorded; later answers and unknown messages report False."""
        store.upsert_tracked(tracked("m1"))
        first = store.mark_answered("office@example.org", "m1", T0 + timedelta(hours=1))
        again = store.mark_answered("office@example.org", "m1", T0 + timedelta(hours=3))
        unknown = store.mark_answered("office@example.org", "nope", T0)
        assert (True, False, False) == (first, again, unknown)
        assert T0 + timedelta(hours=1) == fetch(store, "m1").answered_at

    def test_tracked_received_lists_a_window_answered_or_not(self, store: SqlStore) -> None:
        """Messages received in the window come oldest first, answered ones included."""
        for message_id, hours in [("before", -1), ("first", 0), ("second", 2), ("after", 5)]:
            store.upsert_tracked(tracked(message_id, received_at=T0 + timedelta(hours=hours)))
        store.mark_answered("office@example.org", "second", T0 + timedelta(hours=3))
        window = store.tracked_received(T0, T0 + timedelta(hours=5))
        assert ["first", "second"] == [t.message_id for t in window]

    def test_item_details_and_resolution_round_trip(self, store: SqlStore) -> None:
        """The Exchange item id, the sender's name and how the message was resolved are kept."""
        store.upsert_tracked(tracked("m1", item_id="AAMk=1", sender_name="Pat Member"))
        store.mark_answered("office@example.org", "m1", T0, resolution="done")
        item = fetch(store, "m1")
        assert ("AAMk=1", "Pat Member", "done") == (item.item_id, item.sender_name, item.resolution)

    def test_resync_keeps_the_resolution(self, store: SqlStore) -> None:
        """Re-syncing a resolved message without a resolution keeps the one recorded."""
        store.upsert_tracked(tracked("m1"))
        store.mark_answered("office@example.org", "m1", T0, resolution="no_reply_needed")
        store.upsert_tracked(tracked("m1"))
        assert "no_reply_needed" == fetch(store, "m1").resolution

    # Time handling

    def test_times_come_back_aware_utc_and_equal(self, store: SqlStore) -> None:
        """A time stored with any offset reads back as the same instant in UTC."""
        store.upsert_tracked(tracked("m1"))
        received = fetch(store, "m1").received_at
        assert (T0, UTC, datetime(2026, 3, 2, 8, 0)) == (
            received,
            received.tzinfo,
            received.replace(tzinfo=None),
        )

    def test_microseconds_survive(self, store: SqlStore) -> None:
        """Stored times keep microsecond precision."""
        at = datetime(2026, 3, 2, 9, 0, 1, 123456, tzinfo=UTC)
        store.record_job_run("sync", at, at, ok=True)
        run = store.last_job_run("sync")
        assert at == (run.finished_at if run else None)

    def test_naive_times_are_refused(self, store: SqlStore) -> None:
        """A time without a timezone is rejected with ValueError instead of being guessed."""
        with pytest.raises(ValueError, match="no timezone"):
            store.put_sync_state("office@example.org", "Inbox", "cursor-1", datetime(2026, 3, 2, 9, 0))

    # Side-effect keys

    def test_claim_succeeds_once(self, store: SqlStore) -> None:
        """A key can be claimed the first time only."""
        assert [True, False, False] == [store.claim("nudge:m1:2026-03-02", T0) for _ in range(3)]

    def test_claim_survives_a_restart(self, store: SqlStore, store_url: str) -> None:
        """A key claimed before a restart cannot be claimed after it."""
        store.claim("digest:anna:2026-03-02", T0, detail="sent 3 items")
        store.close()
        with open_store(store_url) as restarted:
            assert (True, False) == (
                restarted.was_claimed("digest:anna:2026-03-02"),
                restarted.claim("digest:anna:2026-03-02", T0),
            )

    @pytest.mark.parametrize("sent", [True, False])
    def test_a_claim_another_process_holds_is_decided_when_its_transaction_ends(
        self, store: SqlStore, store_url: str, sent: bool
    ) -> None:
        """A second process claiming a key the first holds in an open transaction gets an answer, not an error, once
        that ends: taken if it was kept (the message went), free if it was rolled back (the send failed)."""
        answers: list[bool] = []
        with open_store(store_url) as other, contextlib.suppress(RuntimeError), store.transaction():
            assert store.claim("nudge:anna:m1", T0)
            waiting = threading.Thread(target=lambda: answers.append(other.claim("nudge:anna:m1", T0)))
            waiting.start()
            if not sent:
                raise RuntimeError("Exchange refused the message")
        waiting.join()
        assert [not sent] == answers

    def test_unclaimed_key_was_not_claimed(self, store: SqlStore) -> None:
        """was_claimed is False for a key nobody claimed."""
        store.claim("other", T0)
        assert False is store.was_claimed("nudge:m1")

    # OOF records

    def test_oof_record_round_trips_and_is_replaced(self, store: SqlStore) -> None:
        """The latest OOF record of a person is returned, with its times."""
        store.put_oof_record(OofRecord("anna", "fp-1", "scheduled", T0, T0 + timedelta(days=5), T0))
        latest = OofRecord("anna", "fp-2", "enabled", None, None, T0 + timedelta(hours=1))
        store.put_oof_record(latest)
        assert latest == store.get_oof_record("anna")

    def test_oof_record_can_be_deleted(self, store: SqlStore) -> None:
        """A deleted OOF record is gone, and deleting a missing one is harmless."""
        store.put_oof_record(OofRecord("anna", "fp-1", "scheduled", T0, T0 + timedelta(days=5), T0))
        store.delete_oof_record("anna")
        store.delete_oof_record("anna")
        assert None is store.get_oof_record("anna")

    def test_an_oof_record_is_replaced_only_while_it_is_the_one_expected(self, store: SqlStore) -> None:
        """Two runs deciding on the same record: the first replaces it, the second finds it changed and changes
        nothing; creating and deleting are conditional in the same way."""
        first = OofRecord("anna", "fp-1", "scheduled", T0, T0 + timedelta(days=5), T0)
        second = replace(first, fingerprint="fp-2", set_at=T0 + timedelta(hours=1))
        created = [store.replace_oof_record("anna", None, first), store.replace_oof_record("anna", None, second)]
        replaced = [store.replace_oof_record("anna", first, second), store.replace_oof_record("anna", first, first)]
        kept = store.get_oof_record("anna")
        deleted = [store.replace_oof_record("anna", first, None), store.replace_oof_record("anna", second, None)]
        assert ([True, False], [True, False], second, [False, True]) == (created, replaced, kept, deleted)
        assert None is store.get_oof_record("anna")

    # Weekly statuses

    def test_weekly_status_round_trips_and_is_replaced(self, store: SqlStore) -> None:
        """The record of a person's week comes back as stored, and a later put replaces it."""
        first = WeeklyStatusRecord("anna", date(2026, 3, 2), "fp-1", '[{"day": "2026-03-02"}]', T0, T0, 1, "off")
        store.put_weekly_status(first)
        later = replace(first, fingerprint="fp-2", last_sent_at=T0 + timedelta(days=1), sends=2,
                        status_message="set", changes=("Tuesday, March 3: away (was: in the office)",))  # fmt: skip
        store.put_weekly_status(later)
        assert later == store.get_weekly_status("anna", date(2026, 3, 2))

    def test_weekly_status_is_kept_per_week(self, store: SqlStore) -> None:
        """Another week of the same person is a separate record, and an unknown week has none."""
        week = WeeklyStatusRecord("anna", date(2026, 3, 2), "fp-1", "[]", T0, T0, 1, "not_supported")
        store.put_weekly_status(week)
        store.put_weekly_status(replace(week, week_start=date(2026, 3, 9)))
        assert (week, None) == (store.get_weekly_status("anna", date(2026, 3, 2)),
                                store.get_weekly_status("anna", date(2026, 3, 16)))  # fmt: skip

    def test_weekly_statuses_lists_one_week_by_person(self, store: SqlStore) -> None:
        """weekly_statuses gives every person's record of that week only, ordered by person id."""
        for person, start in (("li", date(2026, 3, 2)), ("anna", date(2026, 3, 2)), ("anna", date(2026, 3, 9))):
            store.put_weekly_status(WeeklyStatusRecord(person, start, "fp", "[]", T0, T0, 1, "off"))
        assert ["anna", "li"] == [r.person_id for r in store.weekly_statuses(date(2026, 3, 2))]

    # Touchpoints

    def test_touchpoint_round_trips_in_utc(self, store: SqlStore) -> None:
        """A started touchpoint comes back as given, its times in UTC."""
        assert True is store.start_touchpoint(touchpoint("m1"))
        assert [touchpoint("m1")] == store.touchpoints()
        assert UTC == store.touchpoints()[0].last_touch_at.tzinfo

    def test_starting_a_followed_touchpoint_again_changes_nothing(self, store: SqlStore) -> None:
        """A rerun seeing the mark again keeps the original start and last touch."""
        store.start_touchpoint(touchpoint("m1"))
        later = T0 + timedelta(days=2)
        assert False is store.start_touchpoint(touchpoint("m1", started_at=later, last_touch_at=later))
        assert touchpoint("m1") == store.get_touchpoint("office@example.org", "m1")

    def test_a_touch_moves_the_clock_forward_only(self, store: SqlStore) -> None:
        """A reply after the last touch moves it; an older one does not."""
        store.start_touchpoint(touchpoint("m1"))
        moved = store.touch("office@example.org", "m1", T0 + timedelta(hours=5))
        older = store.touch("office@example.org", "m1", T0 + timedelta(hours=2))
        assert (True, False, T0 + timedelta(hours=5)) == (moved, older, store.touchpoints()[0].last_touch_at)

    def test_an_ended_touchpoint_is_no_longer_followed_and_can_restart(self, store: SqlStore) -> None:
        """Done ends it (once); marking it in progress again starts it afresh from the new mark."""
        store.start_touchpoint(touchpoint("m1"))
        ended = [store.end_touchpoint("office@example.org", "m1", T0 + timedelta(days=1), "done") for _ in range(2)]
        assert ([True, False], []) == (ended, store.touchpoints())
        gone = store.get_touchpoint("office@example.org", "m1")
        assert gone is not None and ("done", T0 + timedelta(days=1)) == (gone.end_reason, gone.ended_at)
        again = touchpoint("m1", started_at=T0 + timedelta(days=3), last_touch_at=T0 + timedelta(days=3))
        assert (True, [again]) == (store.start_touchpoint(again), store.touchpoints())

    def test_touchpoints_list_the_longest_untouched_first(self, store: SqlStore) -> None:
        """The request whose member heard from us longest ago comes first."""
        store.start_touchpoint(touchpoint("recent", last_touch_at=T0 + timedelta(hours=9)))
        store.start_touchpoint(touchpoint("stale", last_touch_at=T0 + timedelta(hours=2)))
        assert ["stale", "recent"] == [tp.message_id for tp in store.touchpoints()]

    def test_a_conversation_lists_its_tracked_messages_oldest_first(self, store: SqlStore) -> None:
        """Answered or not, every member message of the thread in that mailbox, by arrival."""
        store.upsert_tracked(tracked("later", conversation_id="c", received_at=T0 + timedelta(hours=3)))
        store.upsert_tracked(tracked("first", conversation_id="c"))
        store.upsert_tracked(tracked("other", conversation_id="d"))
        store.mark_answered("office@example.org", "first", T0 + timedelta(hours=1))
        assert ["first", "later"] == [t.message_id for t in store.conversation_tracked("office@example.org", "c")]

    # Complaints

    def test_a_complaint_is_noted_once_and_keeps_its_first_reason(self, store: SqlStore) -> None:
        """Seeing the complaint again on a rerun neither duplicates it nor changes why it counts."""
        first = store.note_complaint("office@example.org", "m1", T0, "it is marked Complaint")
        again = store.note_complaint("office@example.org", "m1", T0 + timedelta(hours=1), "keyword")
        expected = [ComplaintRecord("office@example.org", "m1", T0, "it is marked Complaint")]
        assert (True, False, expected) == (first, again, store.unsettled_complaints())

    def test_a_settled_complaint_is_not_escalated_again(self, store: SqlStore) -> None:
        """Once its escalation is recorded, a complaint leaves the unsettled list."""
        store.note_complaint("office@example.org", "m1", T0, "why")
        store.settle_complaint("office@example.org", "m1", T0 + timedelta(minutes=1), "sent to Maria Reyes")
        assert [] == store.unsettled_complaints()

    def test_open_complaints_are_those_not_answered_yet(self, store: SqlStore) -> None:
        """A complaint leaves the digest's list when its message is answered."""
        for message_id in ("m1", "m2"):
            store.upsert_tracked(tracked(message_id))
            store.note_complaint("office@example.org", message_id, T0, "why")
        store.mark_answered("office@example.org", "m1", T0 + timedelta(hours=1))
        assert ["m2"] == [c.message_id for c in store.open_complaints()]

    def test_a_claim_remembers_its_detail(self, store: SqlStore) -> None:
        """The detail given with a claim can be read back; an unclaimed key has none."""
        store.claim("draft:m1", T0, "li.chen@example.org")
        assert ("li.chen@example.org", None) == (store.claim_detail("draft:m1"), store.claim_detail("draft:m2"))

    # Audit log

    def test_audit_entries_come_oldest_first(self, store: SqlStore) -> None:
        """Audit entries are listed in the order they happened."""
        later = AuditEntry(T0 + timedelta(hours=1), "oof", "clear", "anna", "scheduled", None, "back at work")
        earlier = AuditEntry(T0, "oof", "set", "anna", None, "scheduled", "holiday in calendar")
        for entry in (later, earlier):
            store.audit(entry.at, entry.actor, entry.action, entry.subject, entry.before, entry.after, entry.why)
        assert [earlier, later] == store.audit_entries()

    def test_audit_entries_since_and_limit(self, store: SqlStore) -> None:
        """`since` drops older entries and `limit` keeps the newest ones, still oldest first."""
        for hour in range(5):
            store.audit(T0 + timedelta(hours=hour), "nudge", "send", f"m{hour}", None, None, "overdue")
        since = [e.subject for e in store.audit_entries(since=T0 + timedelta(hours=3))]
        newest = [e.subject for e in store.audit_entries(limit=2)]
        assert (["m3", "m4"], ["m3", "m4"]) == (since, newest)

    # Go-live horizon

    def test_tracking_has_no_start_before_the_first_sync(self, store: SqlStore) -> None:
        """A new database has not started tracking yet."""
        assert None is store.tracking_start()

    def test_tracking_begins_once_and_the_first_start_stays(self, store: SqlStore) -> None:
        """A second first run (another process, a restart) gets the start recorded by the first."""
        first = store.begin_tracking(TrackingStart(T0), T0)
        second = store.begin_tracking(TrackingStart(T0 + timedelta(hours=1), date(2026, 1, 5)), T0)
        assert (TrackingStart(T0), TrackingStart(T0), TrackingStart(T0)) == (first, second, store.tracking_start())

    def test_a_changed_tracking_date_replaces_the_start(self, store: SqlStore) -> None:
        """A new `tracking.since` date is recorded over the old start, keeping the first run's moment."""
        store.begin_tracking(TrackingStart(T0), T0)
        store.put_tracking_start(TrackingStart(T0, date(2026, 2, 1)), T0 + timedelta(days=3))
        assert TrackingStart(T0, date(2026, 2, 1)) == store.tracking_start()

    def test_what_a_first_read_left_out_is_noted_once_per_mailbox(self, store: SqlStore) -> None:
        """The first count of a mailbox is kept; a second read from the start (an expired state) is not noted."""
        noted = [store.note_left_out("office@example.org", T0, 30, T0),
                 store.note_left_out("office@example.org", T0, 2, T0 + timedelta(days=1)),
                 store.note_left_out("anna@example.org", T0 - timedelta(hours=6), 0, T0)]  # fmt: skip
        expected = [LeftOutRecord("anna@example.org", T0 - timedelta(hours=6), 0, T0),
                    LeftOutRecord("office@example.org", T0, 30, T0)]  # fmt: skip
        assert ([True, False, True], expected) == (noted, store.left_out())

    def test_forgetting_sync_states_drops_every_folder_of_one_mailbox(self, store: SqlStore) -> None:
        """A mailbox whose horizon moved back is read again from the start; the others keep their place."""
        for mailbox, folder in (
            ("office@example.org", "inbox"),
            ("office@example.org", "sent"),
            ("anna@x.org", "inbox"),
        ):
            store.put_sync_state(mailbox, folder, "cursor", T0)
        store.forget_sync_states("office@example.org")
        got = [store.get_sync_state(m, f) for m, f in (("office@example.org", "inbox"), ("office@example.org", "sent"),
                                                        ("anna@x.org", "inbox"))]  # fmt: skip
        assert [None, None, "cursor"] == got

    def test_reopening_clears_only_an_answer_of_that_resolution(self, store: SqlStore) -> None:
        """What the horizon closed opens again; a real reply is never taken back."""
        for message_id, resolution in (("m1", "before_horizon"), ("m2", "reply")):
            store.upsert_tracked(tracked(message_id))
            store.mark_answered("office@example.org", message_id, T0 + timedelta(hours=2), resolution)
        reopened = [store.reopen("office@example.org", m, "before_horizon") for m in ("m1", "m2", "m1")]
        assert ([True, False, False], ["m1"]) == (reopened, [t.message_id for t in store.open_tracked()])

    def test_an_upgraded_database_keeps_tracking_its_whole_history(self, store: SqlStore) -> None:
        """A database from before horizons starts tracking at its own oldest record, and counts as read already."""
        store.upsert_tracked(tracked("m1"))  # before the downgrade: today's rows have columns 0004 lacks
        store.upsert_tracked(tracked("m0", received_at=T0 - timedelta(days=300)))
        downgrade(store.engine, "0004")
        store.put_sync_state("office@example.org", "inbox", "cursor", T0 + timedelta(days=1))
        store.put_sync_state("office@example.org", "sent", "cursor", T0 + timedelta(days=1))
        store.record_job_run("sync_mail", T0 - timedelta(days=10), T0 - timedelta(days=10), True)
        upgrade(store.engine, "head")
        oldest = T0 - timedelta(days=300)
        expected = (TrackingStart(oldest), [LeftOutRecord("office@example.org", oldest, 0, oldest)])
        assert expected == (store.tracking_start(), store.left_out())

    # Job runs

    def test_last_job_run_is_none_before_any_run(self, store: SqlStore) -> None:
        """A job that never ran has no last run."""
        assert None is store.last_job_run("digest")

    def test_last_job_run_prefers_successful_runs(self, store: SqlStore) -> None:
        """The last successful run is returned unless failures are asked for too."""
        good = JobRun("digest", T0, T0 + timedelta(minutes=1), True)
        bad = JobRun("digest", T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=1), False, "SMTP down")
        for run in (good, bad):
            store.record_job_run(run.job, run.started_at, run.finished_at, run.ok, run.error)
        store.record_job_run("sync", T0 + timedelta(days=2), T0 + timedelta(days=2), True)
        assert (good, bad) == (store.last_job_run("digest"), store.last_job_run("digest", ok_only=False))


class TestOpening:
    """Opening a state database: URLs, files, and readable errors."""

    def test_unreachable_postgres_raises_a_readable_store_error_without_the_password(self) -> None:
        """A database that refuses connections gives a StoreError naming it, with the password masked."""
        with pytest.raises(StoreError) as caught:
            open_store("postgresql+psycopg://postgres:secret@127.0.0.1:1/none")
        message = str(caught.value)
        assert (False, True, True) == (
            "secret" in message,
            message.startswith("Cannot open the state database at postgresql+psycopg://postgres:***@127.0.0.1:1/none"),
            message.endswith("check `state.url` in service.yaml."),
        )

    def test_plain_postgresql_urls_use_psycopg(self) -> None:
        """postgresql:// and postgres:// URLs are mapped to the psycopg 3 driver."""
        assert ["postgresql+psycopg", "postgresql+psycopg"] == [
            database_url(url).drivername for url in ("postgresql://u@h/db", "postgres://u@h/db")
        ]

    def test_unsupported_database_is_refused(self) -> None:
        """A database other than SQLite or PostgreSQL is refused with a StoreError."""
        with pytest.raises(StoreError, match="does not support"):
            open_store("mysql://root:secret@localhost/mailbot")

    def test_sqlite_creates_missing_directories_and_uses_wal(self, tmp_path: Path) -> None:
        """A SQLite file in a missing directory is created, in WAL mode with foreign keys on."""
        path = tmp_path / "deep" / "state" / "mailbot.sqlite3"
        with open_store(f"sqlite:///{path}") as store, store.engine.connect() as connection:
            modes = (
                connection.execute(text("PRAGMA journal_mode")).scalar(),
                connection.execute(text("PRAGMA foreign_keys")).scalar(),
            )
        assert (True, ("wal", 1)) == (path.exists(), modes)

    def test_sqlite_in_an_impossible_place_raises_store_error(self, tmp_path: Path) -> None:
        """A SQLite path below a regular file gives a StoreError instead of a traceback."""
        (tmp_path / "file").write_text("not a directory")
        with pytest.raises(StoreError, match="Cannot create the directory"):
            open_store(f"sqlite:///{tmp_path / 'file' / 'state' / 'mailbot.sqlite3'}")

    def test_in_memory_sqlite_works(self) -> None:
        """An in-memory SQLite store keeps its data across calls (handy for unit tests)."""
        with open_store("sqlite://") as store:
            store.claim("k", T0)
            assert False is store.claim("k", T0)


def test_a_sqlite_database_locked_past_the_wait_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SQLite file another process keeps locked for longer than mailbot waits ends in a StoreError naming the
    database, not in a traceback (here the wait is made zero instead of ten minutes)."""
    url = f"sqlite:///{tmp_path / 'state.sqlite3'}"
    with open_store(url) as holder, holder.transaction():
        holder.claim("nudge:anna:m1", T0)
        monkeypatch.setattr("mailbot.store.engine.SQLITE_BUSY_SECONDS", 0)
        with open_store(url) as waiting, pytest.raises(StoreError) as caught:
            waiting.claim("nudge:anna:m1", T0)
    assert f"The state database {url} stayed locked by another mailbot process for 10 minutes" in str(caught.value)


def test_a_database_error_never_shows_the_member_data_it_was_given(store: SqlStore) -> None:
    """A statement the database refuses (here: a table that does not exist) names itself, not its parameters:
    they hold senders, subjects and message ids, and an error may reach the terminal or a log."""
    member = "ana.novak@member.example <Question about my card>"
    with pytest.raises(SQLAlchemyError) as raised, store.engine.begin() as connection:
        connection.execute(text("INSERT INTO no_such_table (sender) VALUES (:sender)"), {"sender": member})
    assert "no_such_table" in str(raised.value)
    assert "ana.novak" not in str(raised.value)


def test_a_nul_in_member_text_is_stored_as_a_replacement_character(store: SqlStore) -> None:
    """PostgreSQL refuses NUL in text: a subject, sender or Message-ID holding one is stored (on every database)
    with U+FFFD in its place, and found again by the id as it arrived."""
    item = tracked("<odd\x00id@member.example>", subject="Card\x00lost", sender="a\x00b@member.example")
    store.upsert_tracked(item)
    found = store.get_tracked("office@example.org", "<odd\x00id@member.example>")
    assert found is not None
    assert (found.message_id, found.subject, found.sender) == (
        "<odd\ufffdid@member.example>",
        "Card\ufffdlost",
        "a\ufffdb@member.example",
    )


def test_a_claim_whose_key_holds_a_long_message_id_is_made_once(store: SqlStore) -> None:
    """A nudge's key names the Message-ID, which a sender may make 600 (or 990) characters long: the claim is made,
    made once, found again with its detail, and not confused with a key that differs only at its end."""
    for length in (600, 990):
        key = f"nudge:anna:office@example.org:<{'x' * length}@member.example>"
        assert store.claim(key, T0, "told anna")
        assert not store.claim(key, T0)
        assert store.was_claimed(key) and "told anna" == store.claim_detail(key)
        assert not store.was_claimed(key.replace("@member.example>", "@member.example.>"))
