"""Items as EWS returns them: the shape of a request, the pieces every item type shares, and t:CalendarItem,
holding the properties a shape asks for in the order the schema's xs:sequence demands (a validating client rejects
any other order). Messages and the other items of mail folders are in ews_messages."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.sandbox.ews_xml import Element, child_text, el, q, sub
from mailbot.sandbox.records import Address, CalendarEntry, Occurrence, StoredMessage

# IANA -> Windows ids for StartTimeZone/EndTimeZone and TimeZoneContext; unknown zones travel as UTC.
WINDOWS_ZONES = {
    "America/New_York": "Eastern Standard Time", "America/Toronto": "Eastern Standard Time",
    "America/Chicago": "Central Standard Time", "America/Denver": "Mountain Standard Time",
    "America/Los_Angeles": "Pacific Standard Time", "Europe/London": "GMT Standard Time",
    "Europe/Dublin": "GMT Standard Time", "Europe/Berlin": "W. Europe Standard Time",
    "Europe/Paris": "Romance Standard Time", "Europe/Prague": "Central Europe Standard Time",
    "Asia/Tokyo": "Tokyo Standard Time", "Australia/Sydney": "AUS Eastern Standard Time", "UTC": "UTC",
    "Etc/UTC": "UTC",
}  # fmt: skip
IANA_ZONES = {windows: iana for iana, windows in reversed(WINDOWS_ZONES.items())}
_FREE_BUSY = {"free": "Free", "tentative": "Tentative", "busy": "Busy", "oof": "OOF",
              "working_elsewhere": "WorkingElsewhere"}  # fmt: skip
_RIGHTS = ("CreateAssociated", "CreateContents", "CreateHierarchy", "Delete", "Modify", "Read", "ViewPrivateItems")


@dataclass(frozen=True)
class Shape:
    """What an ItemShape asks for: a base shape, a body type, extra properties (by element name) and MAPI properties
    by tag and type (ExtendedFieldURI PropertyTag and PropertyType; named properties are none the sandbox has)."""

    base: str = "IdOnly"
    body_type: str = "Best"
    fields: frozenset[str] = frozenset()
    extended: tuple[tuple[int, str], ...] = ()

    @classmethod
    def parse(cls, node: Element | None) -> Shape:
        if node is None:
            return cls()
        names = {uri.get("FieldURI", "").partition(":")[2] for uri in node.iter(q("t:FieldURI"))}
        tagged = [(uri.get("PropertyTag") or "", uri.get("PropertyType") or "")
                  for uri in node.iter(q("t:ExtendedFieldURI"))]  # fmt: skip
        extended = tuple(dict.fromkeys((number, kind) for tag, kind in tagged if (number := _tag(tag)) is not None))
        return cls(child_text(node, "t:BaseShape") or "IdOnly", child_text(node, "t:BodyType") or "Best",
                   frozenset(names), extended)  # fmt: skip

    def wants(self, name: str, defaults: frozenset[str]) -> bool:
        if name == "ExtendedProperty":  # only ever the properties asked for by tag, whatever the base shape
            return bool(self.extended)
        if name == "ItemId" or self.base == "AllProperties":
            return True
        return name in self.fields or (self.base == "Default" and name in defaults)


def _tag(text: str) -> int | None:
    """A PropertyTag as EWS takes it: hexadecimal with 0x, or decimal."""
    try:
        return int(text.strip(), 0)
    except ValueError:
        return None


def extended(values: dict[tuple[int, str], str | None], shape: Shape) -> list[Element] | None:
    """t:ExtendedProperty elements for the properties `shape` asks for that the item has, in the order asked, the
    tag as Exchange writes it back (0x3fdf); a property asked for with another type is not the item's."""
    found = []
    for tag, kind in shape.extended:
        value = values.get((tag, kind))
        if value is not None:
            node = el("t:ExtendedProperty")
            sub(node, "t:ExtendedFieldURI", PropertyTag=f"0x{tag:x}", PropertyType=kind)
            sub(node, "t:Value", value)
            found.append(node)
    return found or None


@dataclass(frozen=True)
class Where:
    """Where an item lives, which some properties need."""

    folder_id: str
    owner: Address
    owa: str = ""  # Outlook on the web on the server the request reached (https://host/owa/), for item links


Value = str | int | bool | datetime | Element | list[Element] | None
Writer = Callable[[StoredMessage, Where, Shape], Value]
CalWriter = Callable[[Occurrence, Where, Shape], Value]


def calendar_item(occurrence: Occurrence, where: Where, shape: Shape) -> Element:
    node = el("t:CalendarItem")
    for name, write in _CALENDAR_FIELDS:
        if shape.wants(name, _CALENDAR_DEFAULTS):
            put(node, name, write(occurrence, where, shape))
    return node


def master(entry: CalendarEntry) -> Occurrence:
    """A series (or single event) as an item of its own, not one of its occurrences."""
    return Occurrence(entry, entry.item_id, entry.start, entry.end, "single")


def put(node: Element, name: str, value: Value) -> None:
    if value is None:
        return
    if isinstance(value, str | int | bool | datetime):
        sub(node, f"t:{name}", value)
    elif isinstance(value, list):
        node.extend(value)
    else:
        node.append(value)


def item_id(name: str, id_: str, change_key: str | None) -> Element:
    return el(f"t:{name}", Id=id_, ChangeKey=change_key)


def mailbox(address: Address, internal: bool = True) -> Element:
    node = el("t:Mailbox")
    sub(node, "t:Name", address.name or address.email)
    sub(node, "t:EmailAddress", address.email)
    sub(node, "t:RoutingType", "SMTP")
    sub(node, "t:MailboxType", "Mailbox" if internal else "OneOff")
    return node


def single(name: str, address: Address) -> Element:
    node = el(f"t:{name}")
    node.append(mailbox(address, internal=False))
    return node


def recipients(name: str, addresses: tuple[Address, ...]) -> Element | None:
    if not addresses:
        return None
    node = el(f"t:{name}")
    for address in addresses:
        node.append(mailbox(address))
    return node


def strings(name: str, values: tuple[str, ...]) -> Element | None:
    if not values:
        return None  # Exchange omits empty categories rather than sending an empty list
    node = el(f"t:{name}")
    for value in values:
        sub(node, "t:String", value)
    return node


def body(name: str, text: str, markup: str | None, wanted: str) -> Element:
    as_html = wanted == "HTML" or (wanted == "Best" and markup is not None)
    if not as_html:
        content = text
    elif markup is not None:
        content = markup
    else:  # Exchange converts a plain-text body when HTML is asked for
        content = "<html><body>" + html.escape(text).replace("\n", "<br>") + "</body></html>"
    return el(f"t:{name}", content, BodyType="HTML" if as_html else "Text", IsTruncated=False)


def rights() -> Element:
    node = el("t:EffectiveRights")
    for right in _RIGHTS:
        sub(node, f"t:{right}", right != "CreateHierarchy")
    return node


def timezone_definition(name: str, zone: str) -> Element:
    """A TimeZoneDefinition with its standard (and daylight) period; clients read the Id."""
    windows = WINDOWS_ZONES.get(zone, "UTC")
    node = el(f"t:{name}", Id=windows, Name=windows)
    periods = sub(node, "t:Periods")
    tz = ZoneInfo(IANA_ZONES.get(windows, "UTC"))
    offsets = {"Standard": datetime(2026, 1, 15, tzinfo=tz), "Daylight": datetime(2026, 7, 15, tzinfo=tz)}
    seen: set[timedelta] = set()
    for label, moment in offsets.items():
        offset = moment.utcoffset() or timedelta(0)
        if offset not in seen:
            seen.add(offset)
            sub(periods, "t:Period", Bias=_duration(-offset), Name=label, Id=f"trule:Microsoft/{windows}/{label}")
    return node


def _duration(delta: timedelta) -> str:
    """xs:duration for a whole number of minutes, e.g. PT1H30M or -PT5H."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 1440)
    text = "P" + (f"{days}D" if days else "") + "T" + f"{rest // 60}H" + (f"{rest % 60}M" if rest % 60 else "")
    return ("-" if delta < timedelta(0) else "") + text


_CALENDAR_DEFAULTS = frozenset({
    "ItemId", "ParentFolderId", "ItemClass", "Subject", "Sensitivity", "DateTimeReceived", "Size", "Importance",
    "HasAttachments", "Culture", "UID", "Start", "End", "IsAllDayEvent", "LegacyFreeBusyStatus", "Location",
    "IsMeeting", "IsCancelled", "IsRecurring", "CalendarItemType", "MyResponseType", "Organizer",
})  # fmt: skip


def _kind(o: Occurrence) -> str:
    if o.kind == "occurrence":
        return "Occurrence"
    return "RecurringMaster" if o.entry.is_recurring else "Single"


_CALENDAR_FIELDS: list[tuple[str, CalWriter]] = [
    ("ItemId", lambda o, w, s: item_id("ItemId", o.item_id, o.entry.change_key)),
    ("ParentFolderId", lambda o, w, s: item_id("ParentFolderId", w.folder_id, "AQAAAA==")),
    ("ItemClass", lambda o, w, s: "IPM.Appointment"),
    ("Subject", lambda o, w, s: o.entry.subject),
    ("Sensitivity", lambda o, w, s: "Normal"),
    ("Body", lambda o, w, s: body("Body", o.entry.body_text, None, s.body_type)),
    ("DateTimeReceived", lambda o, w, s: o.entry.created_at),
    ("Size", lambda o, w, s: 1024 + len(o.entry.body_text)),
    ("Categories", lambda o, w, s: strings("Categories", o.entry.categories)),
    ("Importance", lambda o, w, s: "Normal"),
    ("IsSubmitted", lambda o, w, s: False),
    ("IsDraft", lambda o, w, s: False),
    ("IsFromMe", lambda o, w, s: False),
    ("IsResend", lambda o, w, s: False),
    ("IsUnmodified", lambda o, w, s: o.entry.modified_at == o.entry.created_at),
    ("DateTimeSent", lambda o, w, s: o.entry.created_at),
    ("DateTimeCreated", lambda o, w, s: o.entry.created_at),
    ("ReminderIsSet", lambda o, w, s: False),
    ("ReminderMinutesBeforeStart", lambda o, w, s: 15),
    ("DisplayCc", lambda o, w, s: ""),
    ("DisplayTo", lambda o, w, s: ""),
    ("HasAttachments", lambda o, w, s: False),
    ("Culture", lambda o, w, s: "en-US"),
    ("EffectiveRights", lambda o, w, s: rights()),
    ("LastModifiedName", lambda o, w, s: w.owner.name),
    ("LastModifiedTime", lambda o, w, s: o.entry.modified_at),
    ("IsAssociated", lambda o, w, s: False),
    ("TextBody", lambda o, w, s: body("TextBody", o.entry.body_text, None, "Text")),
    ("UID", lambda o, w, s: o.entry.uid),
    ("RecurrenceId", lambda o, w, s: o.original_start if o.kind == "occurrence" else None),
    ("DateTimeStamp", lambda o, w, s: o.entry.modified_at),
    ("Start", lambda o, w, s: o.start.astimezone(UTC)),
    ("End", lambda o, w, s: o.end.astimezone(UTC)),
    ("OriginalStart", lambda o, w, s: o.original_start if o.kind == "occurrence" else None),
    ("IsAllDayEvent", lambda o, w, s: o.entry.all_day),
    ("LegacyFreeBusyStatus", lambda o, w, s: _FREE_BUSY[o.entry.show_as]),
    ("Location", lambda o, w, s: o.entry.location or None),
    ("IsMeeting", lambda o, w, s: False),
    ("IsCancelled", lambda o, w, s: o.entry.cancelled),
    ("IsRecurring", lambda o, w, s: o.kind == "occurrence"),  # Exchange says false on the series master
    ("MeetingRequestWasSent", lambda o, w, s: False),
    ("IsResponseRequested", lambda o, w, s: False),
    ("CalendarItemType", lambda o, w, s: _kind(o)),
    ("MyResponseType", lambda o, w, s: "Organizer"),
    ("Organizer", lambda o, w, s: single("Organizer", w.owner)),
    ("Duration", lambda o, w, s: _duration(o.end - o.start)),
    ("AppointmentSequenceNumber", lambda o, w, s: 0),
    ("AppointmentState", lambda o, w, s: 0),
    ("StartTimeZone", lambda o, w, s: timezone_definition("StartTimeZone", o.entry.timezone)),
    ("EndTimeZone", lambda o, w, s: timezone_definition("EndTimeZone", o.entry.timezone)),
]  # fmt: skip
