"""The Graph front end's parts on their own: zone names, REST ids, dateTimeTimeZone text, concurrency slots, and
attachments sent with a message."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailbot.sandbox.graph_send import ATTACHMENT_LIMIT
from mailbot.sandbox.graph_send import file_attachments as attachments
from mailbot.sandbox.graph_throttle import MailboxSlots
from mailbot.sandbox.graph_time import date_time_zone, parse_date_time_zone, windows_name, zone
from mailbot.sandbox.graph_wire import GraphError, rest_id, store_id


def test_zones_are_named_the_windows_or_the_iana_way() -> None:
    """Windows names (any case) and IANA names both resolve; Windows names come back for IANA zones."""
    names = ["Eastern Standard Time", "pacific standard time", "Europe/Prague", "UTC"]
    expected = ["America/New_York", "America/Los_Angeles", "Europe/Prague", "Etc/UTC"]
    assert expected == [zone(n).key for n in names]
    assert ("Eastern Standard Time", "W. Europe Standard Time") == (windows_name("America/New_York"),
                                                                    windows_name("Europe/Berlin"))  # fmt: skip


def test_an_unknown_zone_is_refused_as_graph_refuses_it() -> None:
    """A zone name neither map knows is a 400 TimeZoneNotSupportedException naming it."""
    with pytest.raises(GraphError) as refused:
        zone("Mars Standard Time")
    assert (400, "TimeZoneNotSupportedException", True) == (
        refused.value.status, refused.value.code, "'Mars Standard Time'" in refused.value.message)  # fmt: skip


def test_date_time_zone_objects_are_written_and_read_back() -> None:
    """An instant is written in the named zone with seven fractional digits, and reads back as the same instant."""
    moment = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)
    written = date_time_zone(moment, "Eastern Standard Time")
    assert {"dateTime": "2026-11-30T07:30:00.0000000", "timeZone": "Eastern Standard Time"} == written
    assert moment == parse_date_time_zone(written, "expiry")


def test_a_date_time_zone_without_zone_is_utc() -> None:
    """A dateTimeTimeZone without timeZone means UTC; one with an offset keeps it."""
    assert [datetime(2026, 1, 2, 3, tzinfo=UTC), datetime(2026, 1, 2, 3, tzinfo=ZoneInfo("Etc/GMT-1"))] == [
        parse_date_time_zone({"dateTime": "2026-01-02T03:00:00"}, "x"),
        parse_date_time_zone({"dateTime": "2026-01-02T03:00:00+01:00", "timeZone": "Pacific Standard Time"}, "x"),
    ]  # fmt: skip


@given(st.binary(min_size=1, max_size=48))
def test_rest_ids_round_trip_and_are_url_safe(raw: bytes) -> None:
    """Any EWS (standard base64) id becomes a URL-safe Graph id and back again."""
    ews_id = base64.b64encode(raw).decode()
    graph_id = rest_id(ews_id)
    assert (ews_id, False) == (store_id(graph_id), any(c in graph_id for c in "/+"))


def test_mailbox_slots_refuse_the_fifth_and_count_it_in_the_peak() -> None:
    """Four requests hold a mailbox's slots; a fifth is refused with 429 and Retry-After: 1 yet shows in the
    peak; other mailboxes and later requests are unaffected."""
    slots = MailboxSlots()
    with slots.hold("li@x"), slots.hold("LI@x"), slots.hold("li@x"), slots.hold("li@x"):
        with pytest.raises(GraphError) as refused, slots.hold("li@x"):
            pass
        with slots.hold("anna@x"):
            pass
    with slots.hold("li@x"):
        pass
    assert (429, {"Retry-After": "1"}, 5, 1) == (refused.value.status, refused.value.headers, slots.peak("li@x"),
                                                 slots.peak("anna@x"))  # fmt: skip


def _file(content: bytes, **more: object) -> dict[str, object]:
    return {"@odata.type": "#microsoft.graph.fileAttachment", "name": "chart.png", "contentType": "image/png",
            "contentBytes": base64.b64encode(content).decode(), **more}  # fmt: skip


def test_attachments_sent_with_a_message_are_read_as_graph_reads_them() -> None:
    """An inline image keeps its content id and flag; a file without isInline is a file attachment."""
    read = attachments([_file(b"png", contentId="chart@mailbot", isInline=True), _file(b"csv")])
    assert [("chart@mailbot", True, b"png"), (None, False, b"csv")] == [
        (a.content_id, a.is_inline, a.content) for a in read
    ]


@pytest.mark.parametrize(
    ("entry", "status", "code"),
    [
        (_file(bytes(ATTACHMENT_LIMIT)), 413, "RequestEntityTooLarge"),
        ({"@odata.type": "#microsoft.graph.itemAttachment", "name": "x"}, 400, "RequestBodyRead"),
        ({**_file(b""), "contentBytes": "not base64!"}, 400, "RequestBodyRead"),
        ({**_file(b""), "name": ""}, 400, "ErrorInvalidParameter"),
    ],
)
def test_an_attachment_graph_would_refuse_is_refused(entry: dict[str, object], status: int, code: str) -> None:
    """3 MB or more (Graph wants an upload session then), another kind of attachment, content that is not base64,
    and a file without a name are each refused with Graph's status and code."""
    with pytest.raises(GraphError) as refused:
        attachments([entry])
    assert (status, code) == (refused.value.status, refused.value.code)
