"""GET /users/{u}/calendarView: a mailbox's events in a time window, series expanded, as Graph event objects.

Times come in the zone `Prefer: outlook.timezone` names (default UTC), labelled as the client named it; all-day
events keep their own midnights, as Graph shows them. Pages follow with `$skip` in @odata.nextLink.
"""

from __future__ import annotations

import html
from typing import Any

from mailbot.sandbox.graph_time import date_time_zone, floating, parse_instant, timestamp, windows_name, zone
from mailbot.sandbox.graph_wire import Call, GraphError, Reply, applied, pick, rest_id, select_suffix
from mailbot.sandbox.records import Address, Occurrence

_SHOW_AS = {"free": "free", "tentative": "tentative", "busy": "busy", "oof": "oof",
            "working_elsewhere": "workingElsewhere"}  # fmt: skip
# Every property of Graph's event resource, for $select; the sandbox fills those it models.
EVENT_PROPERTIES = frozenset({
    "allowNewTimeProposals", "attendees", "body", "bodyPreview", "categories", "changeKey", "createdDateTime", "end",
    "hasAttachments", "hideAttendees", "iCalUId", "id", "importance", "isAllDay", "isCancelled", "isDraft",
    "isOnlineMeeting", "isOrganizer", "isReminderOn", "lastModifiedDateTime", "location", "locations",
    "onlineMeeting", "onlineMeetingProvider", "onlineMeetingUrl", "organizer", "originalEndTimeZone",
    "originalStart", "originalStartTimeZone", "recurrence", "reminderMinutesBeforeStart", "responseRequested",
    "responseStatus", "sensitivity", "seriesMasterId", "showAs", "start", "subject", "transactionId", "type",
    "webLink", "attachments", "calendar", "extensions", "instances", "multiValueExtendedProperties",
    "singleValueExtendedProperties",
})  # fmt: skip
_WINDOW = ("This request requires a time window specified by the query string parameters StartDateTime and "
           "EndDateTime.")  # fmt: skip


def calendar_view(call: Call) -> Reply:
    start_text, end_text = call.arg("startDateTime"), call.arg("endDateTime")
    if not start_text or not end_text:
        raise GraphError(400, "ErrorInvalidParameter", _WINDOW)
    start, end = parse_instant(start_text, "startDateTime"), parse_instant(end_text, "endDateTime")
    label = call.prefer("outlook.timezone")
    if label:
        zone(label)  # an unknown zone is refused even when the window holds no events
    size, paging = call.page_size()
    skip_text = call.arg("$skip") or "0"
    if not skip_text.isdigit():
        raise GraphError(400, "ErrorInvalidParameter", f"The value '{skip_text}' of $skip must be a whole number.")
    skip = int(skip_text)
    names = call.selected(EVENT_PROPERTIES, "event")
    found = call.org.calendar_view(call.user, start, end)
    owner = call.org.mailbox(call.user).address
    events = [pick(event(o, owner, label or "UTC"), names) for o in found[skip : skip + size]]
    body: dict[str, Any] = {"@odata.context": call.context("calendarView" + select_suffix(names)), "value": events}
    if skip + size < len(found):
        body["@odata.nextLink"] = call.link({"$skip": str(skip + size)})
    return Reply(200, body, applied(f'outlook.timezone="{label}"' if label else None, paging))


def event(occurrence: Occurrence, owner: Address, label: str) -> dict[str, Any]:
    """One event (an occurrence of a series, or a single event) as Graph's event resource shows it."""
    entry = occurrence.entry
    if entry.all_day:
        start, end = floating(occurrence.start, label), floating(occurrence.end, label)
    else:
        start, end = date_time_zone(occurrence.start, label), date_time_zone(occurrence.end, label)
    is_occurrence = occurrence.kind == "occurrence"
    original_zone = windows_name(entry.timezone)
    place = {"displayName": entry.location, "locationType": "default", "uniqueIdType": "unknown", "address": {},
             "coordinates": {}}  # fmt: skip
    return {
        "@odata.etag": f'W/"{entry.change_key}"',
        "id": rest_id(occurrence.item_id),
        "createdDateTime": timestamp(entry.created_at),
        "lastModifiedDateTime": timestamp(entry.modified_at),
        "changeKey": entry.change_key,
        "categories": list(entry.categories),
        "transactionId": None,
        "originalStartTimeZone": original_zone,
        "originalEndTimeZone": original_zone,
        "iCalUId": entry.uid + (f"-{occurrence.start:%Y%m%d}" if is_occurrence else ""),
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": False,
        "hasAttachments": False,
        "subject": entry.subject,
        "bodyPreview": entry.body_text[:255],
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": entry.all_day,
        "isCancelled": entry.cancelled,
        "isOrganizer": True,
        "responseRequested": True,
        "seriesMasterId": rest_id(entry.item_id) if is_occurrence else None,
        "showAs": _SHOW_AS[entry.show_as],
        "type": "occurrence" if is_occurrence else "singleInstance",
        "webLink": f"https://outlook.office365.com/calendar/item/{rest_id(occurrence.item_id)}",
        "onlineMeetingUrl": None,
        "isOnlineMeeting": False,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": True,
        "isDraft": False,
        "hideAttendees": False,
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "body": {"contentType": "html", "content": _html(entry.body_text)},
        "start": start,
        "end": end,
        "location": place,
        "locations": [place] if entry.location else [],
        "recurrence": None,
        "attendees": [],
        "organizer": {"emailAddress": {"name": owner.name, "address": owner.email}},
        "onlineMeeting": None,
    }


def _html(text: str) -> str:
    return f"<html><body>{html.escape(text).replace(chr(10), '<br>')}</body></html>" if text else ""
