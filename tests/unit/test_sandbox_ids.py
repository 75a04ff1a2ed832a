"""A sandbox started again from the same scenario is the same Exchange: the same items under the same ids.

Seeded ids derive from what each entry says (ids.py), mail arriving while the sandbox runs gets ids of its own,
and a sync state issued before a restart holds exactly while it describes the same history.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mailbot.clock import FixedClock
from mailbot.sandbox import Organisation, load_scenario
from mailbot.sandbox.graph_wire import rest_id
from mailbot.sandbox.records import MAIL_FOLDERS, InvalidSyncState

NY = ZoneInfo("America/New_York")
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "sandbox.yaml"
MONDAY = datetime(2026, 11, 30, 7, 0, tzinfo=NY)
LI, ANNA, HELP = "li.chen@example.org", "anna.brandt@example.org", "help@example.org"
Identity = tuple[str, ...]


def example(at: datetime) -> Organisation:
    return load_scenario(EXAMPLE, FixedClock(at))


def identities(org: Organisation) -> set[Identity]:
    """Every folder, message and calendar entry with the ids a client sees: EWS item id and change key, Graph id,
    Message-ID and conversation for mail, the iCalendar UID for events."""
    found: set[Identity] = set()
    for box in org.mailboxes():
        found |= {(box.email, f, org.folder_id(box.email, f)) for f in (*MAIL_FOLDERS, "calendar")}
        for folder in MAIL_FOLDERS:
            found |= {(box.email, folder, m.item_id, m.change_key, rest_id(m.item_id), m.message_id,
                       m.conversation_id) for m in org.messages(box.email, folder)}  # fmt: skip
        found |= {(box.email, "calendar", e.item_id, e.change_key, rest_id(e.item_id), e.uid)
                  for e in org.events(box.email)}  # fmt: skip
    return found


def without_change_keys(found: set[Identity]) -> set[Identity]:
    return {(*i[:3], *i[4:]) if len(i) > 3 else i for i in found}


def subjects(org: Organisation) -> set[tuple[str, str, str]]:
    return {(b.email, f, m.subject) for b in org.mailboxes() for f in MAIL_FOLDERS for m in org.messages(b.email, f)}


def change_keys(org: Organisation) -> set[str]:
    return {i[3] for i in identities(org) if len(i) > 3}


def item_ids(org: Organisation) -> list[str]:
    mail = [m.item_id for box in org.mailboxes() for f in MAIL_FOLDERS for m in org.messages(box.email, f)]
    return mail + [e.item_id for box in org.mailboxes() for e in org.events(box.email)]


def scenario(li: list[dict[str, Any]], help_desk: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"domains": ["example.org"], "timezone": "America/New_York",
            "service_account": {"email": "bot@example.org", "password": "x"},
            "mailboxes": [{"email": LI, "name": "Li Chen", "inbox": li},
                          {"email": HELP, "name": "Help", "kind": "shared", "inbox": help_desk or []}]}  # fmt: skip


def mail(subject: str, sender: str = "Pat <pat@gmail.example>", **more: Any) -> dict[str, Any]:
    return {"from": sender, "subject": subject, "received": "monday -1 week 09:00", "body": "Hello"} | more


# -- the same scenario, loaded again ---------------------------------------------------------------------------


def test_the_same_scenario_loaded_twice_holds_the_same_items_under_the_same_ids() -> None:
    """Two loads at the same moment give every folder, message and event the same ids, change keys and UIDs."""
    first, again = identities(example(MONDAY + timedelta(days=2))), identities(example(MONDAY + timedelta(days=2)))
    assert first == again
    assert 40 < len(first)


def test_a_later_start_in_the_same_week_keeps_every_item_and_adds_what_arrived_since() -> None:
    """Loaded on Tuesday, the sandbox holds Monday morning's items unchanged, plus the mail that came after."""
    monday, tuesday = example(MONDAY), example(MONDAY + timedelta(days=1, hours=3))
    assert set() == identities(monday) - identities(tuesday)
    assert {(ANNA, "inbox", "Benefits claim form"), (HELP, "inbox", "Voice Mail from +1 555 0199 (42 seconds)")} == (
        subjects(tuesday) - subjects(monday)
    )


def test_in_another_week_each_entry_keeps_its_ids_while_its_mail_moves() -> None:
    """A week later the scenario's mail is a week later, under the same ids; only the change keys differ."""
    this_week, next_week = example(MONDAY), example(MONDAY + timedelta(weeks=1))
    assert without_change_keys(identities(this_week)) == without_change_keys(identities(next_week))
    moved = {m.item_id: m.received_at for m in next_week.messages(HELP, "inbox")}
    assert {timedelta(weeks=1)} == {moved[m.item_id] - m.received_at for m in this_week.messages(HELP, "inbox")}
    assert set() == change_keys(this_week) & change_keys(next_week)


# -- no two alike ----------------------------------------------------------------------------------------------


def test_identical_entries_stay_two_messages_and_one_message_to_two_mailboxes_is_one_item_in_each() -> None:
    """Two entries alike in every word are two messages; mail to Li and the help desk is one message, two items."""
    both = mail("Card", to=[LI, HELP])
    org = load_scenario(scenario([mail("Hello"), mail("Hello"), both]), FixedClock(MONDAY))
    li, help_desk = org.messages(LI, "inbox"), org.messages(HELP, "inbox")
    assert (3, 4) == (len({m.message_id for m in li}), len({m.item_id for m in [*li, *help_desk]}))
    assert [li[2].message_id] == [m.message_id for m in help_desk]


def test_marking_an_entry_done_or_adding_another_keeps_each_entrys_identity() -> None:
    """Categories and the read flag change a message, not which one it is; a new entry leaves the others alone."""
    before = load_scenario(scenario([mail("One"), mail("Two")]), FixedClock(MONDAY))
    edited = scenario([mail("New"), mail("One", categories=["Done"], read=True), mail("Two")])
    after = load_scenario(edited, FixedClock(MONDAY))
    ids = {m.subject: (m.item_id, m.message_id) for m in after.messages(LI, "inbox")}
    assert {m.subject: (m.item_id, m.message_id) for m in before.messages(LI, "inbox")} == {
        s: ids[s] for s in ("One", "Two")
    }
    assert ids["New"] not in {ids["One"], ids["Two"]}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["Card", "Dues", "Re: Dues"]), st.sampled_from(["pat@x.example", LI]),
                  st.sampled_from([[LI], [HELP], [LI, HELP]]), st.sampled_from(["monday -1 week", "friday -1 week"])),
        max_size=8,
    )
)  # fmt: skip
def test_different_entries_never_share_an_id(entries: list[tuple[str, str, list[str], str]]) -> None:
    """However alike the entries (same subject, sender, recipients, time), no two items share an id and each entry
    is its own Message-ID and thread; what Li sends to the help desk is also in her Sent Items."""
    inbox = [mail(s, sender, to=to, received=f"{day} 09:00") for s, sender, to, day in entries]
    org = load_scenario(scenario(inbox), FixedClock(MONDAY + timedelta(weeks=1)))
    everything = item_ids(org)
    messages = [m for box in (LI, HELP) for f in ("inbox", "sentitems") for m in org.messages(box, f)]
    assert len(everything) == len(set(everything))
    assert len(entries) == len({m.message_id for m in messages}) == len({m.conversation_id for m in messages})


def test_mail_arriving_while_the_sandbox_runs_gets_ids_no_seeded_item_has() -> None:
    """The very message an entry seeds, delivered again through the organisation, is a new item and message."""
    org = load_scenario(scenario([mail("Card")]), FixedClock(MONDAY))
    seeded = org.messages(LI, "inbox")[0]
    again = org.deliver_external([LI], "Pat <pat@gmail.example>", "Card", "Hello", received_at=seeded.received_at)[0]
    assert (False, False) == (again.item_id == seeded.item_id, again.message_id == seeded.message_id)
    assert len(again.message_id) != len(seeded.message_id)  # random ones are shorter: the two never meet


# -- sync states across a restart ------------------------------------------------------------------------------


def test_a_state_from_before_the_restart_goes_on_where_it_left_off() -> None:
    """A state the Monday sandbox issued is valid on Tuesday's: the sync reports exactly the mail that came since."""
    state = example(MONDAY).sync(HELP, "inbox", None).new_state
    later = example(MONDAY + timedelta(days=1, hours=3)).sync(HELP, "inbox", state)
    assert (["Voice Mail from +1 555 0199 (42 seconds)"], []) == ([i.subject for i in later.creates], later.updates)


def test_a_state_describing_another_history_is_refused() -> None:
    """A state that saw mail the restarted sandbox never had, or the scenario in another week, is refused, so
    the client reads the folder again instead of skipping anything."""
    running = example(MONDAY)
    running.deliver_external([HELP], "Pat <pat@gmail.example>", "While running", "Hello")
    saw_more = running.sync(HELP, "inbox", None).new_state
    last_week = example(MONDAY - timedelta(weeks=1)).sync(HELP, "inbox", None).new_state
    for state in (saw_more, last_week):
        with pytest.raises(InvalidSyncState):
            example(MONDAY + timedelta(hours=1)).sync(HELP, "inbox", state)
