"""Microsoft Graph JSON <-> mailbot's domain values, for the Graph backend. Pure: no I/O, no clock."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailbot.domain import (
    CalendarEvent,
    ExternalAudience,
    ItemKind,
    MailItem,
    OofSettings,
    OofState,
    OutgoingMessage,
    ShowAs,
)

# Well-known folder names in Graph for the port's folders.
FOLDERS = {"inbox": "inbox", "sent": "sentitems"}
CALENDAR_SELECT = "subject,start,end,isAllDay,showAs,categories,type,isCancelled"
# MAPI properties Graph has no first-class field for: message class, In-Reply-To, References, and
# PidTagAutoResponseSuppress (X-Auto-Response-Suppress as Exchange keeps it, on internal mail too).
MESSAGE_CLASS, IN_REPLY_TO, REFERENCES, AUTO_RESPONSE_SUPPRESS = "0x001a", "0x1042", "0x1039", "0x3fdf"
# bodyPreview: the body's first 255 characters as text, enough for complaint words near its start.
_MESSAGE_SELECT = ("id,subject,from,sender,toRecipients,ccRecipients,receivedDateTime,sentDateTime,conversationId,"
                   "internetMessageId,categories,isDraft,internetMessageHeaders,bodyPreview,webLink")  # fmt: skip
_EXPAND = "singleValueExtendedProperties($filter=" + " or ".join(
    [*(f"id eq 'String {tag}'" for tag in ("0x001A", "0x1042", "0x1039")), "id eq 'Integer 0x3FDF'"]
) + ")"  # fmt: skip
_SHOW_AS = {"free": ShowAs.FREE, "tentative": ShowAs.TENTATIVE, "busy": ShowAs.BUSY, "oof": ShowAs.OOF,
            "workingelsewhere": ShowAs.WORKING_ELSEWHERE, "unknown": ShowAs.NO_DATA}  # fmt: skip
# Graph types meeting messages and sharing invitations (eventMessage and its Request/Response, calendarSharingMessage);
# every other item of a mail folder, posts and class-less items too, comes as a plain message, its class telling.
_DERIVED = {"#microsoft.graph.eventmessage": ItemKind.MEETING, "#microsoft.graph.eventmessagerequest": ItemKind.MEETING,
            "#microsoft.graph.eventmessageresponse": ItemKind.MEETING,
            "#microsoft.graph.calendarsharingmessage": ItemKind.SHARING}  # fmt: skip
_CLASS_KINDS = (("ipm.note", ItemKind.MESSAGE), ("report", ItemKind.MESSAGE), ("ipm.post", ItemKind.POST),
                ("ipm.schedule.meeting", ItemKind.MEETING), ("ipm.sharing", ItemKind.SHARING))  # fmt: skip
_STATUS = {OofState.DISABLED: "disabled", OofState.ENABLED: "alwaysEnabled", OofState.SCHEDULED: "scheduled"}
_AUDIENCE = {ExternalAudience.NONE: "none", ExternalAudience.KNOWN: "contactsOnly", ExternalAudience.ALL: "all"}


def user_path(mailbox: str) -> str:
    return f"/users/{quote(mailbox, safe='')}"


def message_path(mailbox: str, item_id: str) -> str:
    """The relative URL (to the API version root) of one message with every detail a MailItem needs."""
    query = f"$select={_MESSAGE_SELECT}&$expand={quote(_EXPAND, safe='$(),=')}"
    return f"{user_path(mailbox)}/messages/{quote(item_id, safe='')}?{query}"


def zone_name(zone: tzinfo | None) -> str:
    """The IANA name for `Prefer: outlook.timezone`; fixed offsets and unnamed zones become UTC."""
    key = getattr(zone, "key", None)
    return key if isinstance(key, str) else "UTC"


def utc_stamp(at: datetime) -> str:
    """An instant for a query string: UTC with Z, so no '+' needs escaping."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_graph_time(at: datetime, zone: tzinfo = UTC) -> dict[str, str]:
    """A dateTimeTimeZone: local wall time in `zone`, with the zone's name."""
    local = at.astimezone(zone)
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": zone_name(zone)}


def from_graph_time(value: dict[str, Any], fallback: tzinfo = UTC) -> datetime:
    """A dateTimeTimeZone as an aware datetime; a zone name Python does not know falls back to `fallback`."""
    stamp = datetime.fromisoformat(str(value["dateTime"]).rstrip("Z"))
    name = str(value.get("timeZone") or "UTC")
    zone: tzinfo
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        zone = UTC
    else:
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):  # e.g. a Windows name echoed back: it is the zone we asked in
            zone = fallback
    return stamp.replace(tzinfo=zone)


def instant(text: str | None) -> datetime | None:
    """An ISO 8601 instant such as 2026-11-21T15:15:00Z as an aware datetime in UTC."""
    if not text:
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def event(data: dict[str, Any], asked: tzinfo) -> CalendarEvent:
    return CalendarEvent(
        item_id=str(data["id"]), subject=data.get("subject") or "",
        start=from_graph_time(data["start"], asked), end=from_graph_time(data["end"], asked),
        all_day=bool(data.get("isAllDay")), show_as=_SHOW_AS.get(str(data.get("showAs", "")).lower(), ShowAs.BUSY),
        categories=tuple(data.get("categories") or ()), recurring=data.get("type") in ("occurrence", "exception"),
        cancelled=bool(data.get("isCancelled")),
    )  # fmt: skip


def oof_settings(data: dict[str, Any]) -> OofSettings:
    state = {v: k for k, v in _STATUS.items()}.get(str(data.get("status")), OofState.DISABLED)
    audience = {v: k for k, v in _AUDIENCE.items()}.get(str(data.get("externalAudience")), ExternalAudience.ALL)
    start, end = data.get("scheduledStartDateTime"), data.get("scheduledEndDateTime")
    return OofSettings(
        state=state,
        internal_reply=data.get("internalReplyMessage") or "",
        external_reply=data.get("externalReplyMessage") or "",
        external_audience=audience,
        start=from_graph_time(start).astimezone(UTC) if start and start.get("dateTime") else None,
        end=from_graph_time(end).astimezone(UTC) if end and end.get("dateTime") else None,
    )


def oof_patch(settings: OofSettings) -> dict[str, Any]:
    """The PATCH body for mailboxSettings; scheduled times travel in UTC."""
    reply: dict[str, Any] = {
        "status": _STATUS[settings.state],
        "externalAudience": _AUDIENCE[settings.external_audience],
        "internalReplyMessage": settings.internal_reply,
        "externalReplyMessage": settings.external_reply,
    }
    if settings.state is OofState.SCHEDULED and settings.start and settings.end:
        reply["scheduledStartDateTime"] = to_graph_time(settings.start)
        reply["scheduledEndDateTime"] = to_graph_time(settings.end)
    return {"automaticRepliesSetting": reply}


def _address(value: dict[str, Any] | None) -> tuple[str, str]:
    """(address in lower case, display name) of a Graph recipient."""
    email = (value or {}).get("emailAddress") or {}
    return str(email.get("address") or "").lower(), str(email.get("name") or "")


def _properties(data: dict[str, Any]) -> dict[str, str]:
    """Extended properties by tag in lower-case hex with four digits ('String 0x1a' -> '0x001a')."""
    found: dict[str, str] = {}
    for prop in data.get("singleValueExtendedProperties") or ():
        tag = str(prop.get("id", "")).split()[-1].lower()
        if tag.startswith("0x"):
            found[f"0x{int(tag, 16):04x}"] = str(prop.get("value") or "")
    return found


def _integer(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def item_kind(data: dict[str, Any], message_class: str) -> ItemKind:
    """What sort of item a message resource is: by its derived type, else by its class (unknown classes are not
    mail, as EWS shows them as generic items)."""
    derived = _DERIVED.get(str(data.get("@odata.type") or "").lower())
    if derived is not None:
        return derived
    lowered = message_class.lower()
    return next((kind for prefix, kind in _CLASS_KINDS if lowered == prefix or lowered.startswith(prefix + ".")),
                ItemKind.OTHER)  # fmt: skip


def mail_item(mailbox: str, folder: str, data: dict[str, Any]) -> MailItem:
    sender, sender_name = _address(data.get("from") or data.get("sender"))
    recipients = [*(data.get("toRecipients") or ()), *(data.get("ccRecipients") or ())]
    headers = tuple((str(h.get("name", "")), str(h.get("value", ""))) for h in data.get("internetMessageHeaders") or ())
    by_name = {name.lower(): value for name, value in headers}
    props = _properties(data)
    received = instant(data.get("receivedDateTime")) or instant(data.get("sentDateTime"))
    message_class = props.get(MESSAGE_CLASS) or "IPM.Note"
    suppress = props.get(AUTO_RESPONSE_SUPPRESS, "")
    return MailItem(
        mailbox=mailbox.lower(), item_id=str(data["id"]), message_id=data.get("internetMessageId") or "",
        conversation_id=data.get("conversationId") or "", sender=sender, sender_name=sender_name,
        recipients=tuple(_address(r)[0] for r in recipients), subject=data.get("subject") or "",
        received_at=received or datetime(1970, 1, 1, tzinfo=UTC), sent_at=instant(data.get("sentDateTime")),
        in_reply_to=props.get(IN_REPLY_TO) or by_name.get("in-reply-to") or None,
        references=tuple((props.get(REFERENCES) or by_name.get("references") or "").split()),
        headers=headers, categories=tuple(data.get("categories") or ()),
        message_class=message_class, folder=folder, kind=item_kind(data, message_class),
        preview=data.get("bodyPreview") or "", auto_response_suppress=int(suppress) if _integer(suppress) else None,
        web_link=data.get("webLink") or "",
    )  # fmt: skip


def message(outgoing: OutgoingMessage) -> dict[str, Any]:
    """A message resource for sendMail or a draft; In-Reply-To travels as its MAPI property, as Graph wants."""
    data: dict[str, Any] = {
        "subject": outgoing.subject,
        "body": {"contentType": "HTML", "content": outgoing.html},
        "toRecipients": [{"emailAddress": {"address": a}} for a in outgoing.to],
        "ccRecipients": [{"emailAddress": {"address": a}} for a in outgoing.cc],
    }
    if outgoing.in_reply_to:
        data["singleValueExtendedProperties"] = [{"id": f"String {IN_REPLY_TO}", "value": outgoing.in_reply_to}]
    if outgoing.inline:  # within sendMail's own limits: under 3 MB each, 4 MB for the whole request
        data["attachments"] = [
            {"@odata.type": "#microsoft.graph.fileAttachment", "name": image.name, "contentType": image.content_type,
             "contentBytes": base64.b64encode(image.content).decode("ascii"), "contentId": image.content_id,
             "isInline": True}
            for image in outgoing.inline
        ]  # fmt: skip
    return data


def status_message(text: str, expires: datetime) -> dict[str, Any]:
    """The body of presence/setStatusMessage: plain text until `expires`, in the zone it was given in."""
    zone = expires.tzinfo if zone_name(expires.tzinfo) != "UTC" and expires.tzinfo is not None else UTC
    return {"statusMessage": {"message": {"content": text, "contentType": "text"},
                              "expiryDateTime": to_graph_time(expires, zone)}}  # fmt: skip
