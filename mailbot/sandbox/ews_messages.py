"""Items of mail folders as EWS returns them: t:Message and the other element types Exchange makes of the other
message classes (t:Item, t:PostItem, t:MeetingRequest, t:MeetingResponse, t:MeetingCancellation, t:MeetingMessage,
t:SharingMessage), each with the properties its schema type has, in the order of its xs:sequence.

A property a request asks for that the item's type lacks is left out, as Exchange does: a t:PostItem has a From
and a Sender but no recipients, a generic t:Item none of a message's properties.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import quote

from mailbot.sandbox.ews_items import (
    Shape,
    Where,
    Writer,
    body,
    extended,
    item_id,
    put,
    recipients,
    rights,
    single,
    strings,
)
from mailbot.sandbox.ews_xml import Element, el, sub
from mailbot.sandbox.ids import attachment_id
from mailbot.sandbox.item_types import ItemType, response_type
from mailbot.sandbox.records import StoredMessage

Fields = list[tuple[str, Writer]]
_UID_PREFIX = "040000008200E00074C5B7101A82E00800000000"  # how Outlook's global object ids begin


def message(item: StoredMessage, where: Where, shape: Shape) -> Element:
    """The item as the element of its type, e.g. <t:Message> or <t:MeetingRequest>."""
    node = el(f"t:{item.item_type}")
    for name, write in _FIELDS[item.item_type]:
        if shape.wants(name, _MESSAGE_DEFAULTS):
            put(node, name, write(item, where, shape))
    return node


def _headers(item: StoredMessage) -> Element | None:
    if not item.headers:
        return None
    node = el("t:InternetMessageHeaders")
    for name, value in item.headers:
        sub(node, "t:InternetMessageHeader", value, HeaderName=name)
    return node


_MESSAGE_DEFAULTS = frozenset({
    "ItemId", "ParentFolderId", "ItemClass", "Subject", "Sensitivity", "DateTimeReceived", "Size", "Importance",
    "IsSubmitted", "IsDraft", "IsFromMe", "IsResend", "IsUnmodified", "DateTimeSent", "DateTimeCreated",
    "DisplayCc", "DisplayTo", "HasAttachments", "Culture", "Sender", "IsRead", "From", "ConversationId",
})  # fmt: skip


def _properties(item: StoredMessage) -> dict[tuple[int, str], str | None]:
    """The MAPI properties a client may ask for by tag, as (tag, type): the message class, Internet ids and
    PidTagAutoResponseSuppress."""
    suppress = item.auto_response_suppress
    return {(0x001A, "String"): item.item_class, (0x1035, "String"): item.message_id or None,
            (0x1039, "String"): " ".join(item.references) or None, (0x1042, "String"): item.in_reply_to,
            (0x3FDF, "Integer"): None if suppress is None else str(suppress)}  # fmt: skip


def _attachments(item: StoredMessage) -> Element | None:
    """t:Attachments as GetItem returns them: each file's id, name, type, content id, size and inline flag, without
    its content (which GetAttachment returns)."""
    if not item.attachments:
        return None
    node = el("t:Attachments")
    for number in range(len(item.attachments)):
        node.append(file_attachment(item, number))
    return node


def file_attachment(item: StoredMessage, number: int, *, content: bool = False) -> Element:
    """The item's `number`th attachment as t:FileAttachment, with its content in base64 for GetAttachment."""
    attachment = item.attachments[number]
    entry = el("t:FileAttachment")
    sub(entry, "t:AttachmentId", Id=attachment_id(item.item_id, number))
    sub(entry, "t:Name", attachment.name)
    sub(entry, "t:ContentType", attachment.content_type)
    if attachment.content_id:
        sub(entry, "t:ContentId", attachment.content_id)
    sub(entry, "t:Size", attachment.size)
    sub(entry, "t:LastModifiedTime", item.modified_at)
    sub(entry, "t:IsInline", attachment.is_inline)
    sub(entry, "t:IsContactPhoto", False)
    if content:
        sub(entry, "t:Content", base64.b64encode(attachment.content).decode("ascii"))
    return entry


def read_form(item: StoredMessage, where: Where) -> str | None:
    """WebClientReadFormQueryString as Exchange 2013 CU3 and later return it: the whole Outlook on the web URL that
    opens the item, its id the URL-encoded EWS id (Microsoft's reference); none without a known OWA address."""
    if not where.owa:
        return None
    return f"{where.owa}?ItemID={quote(item.item_id, safe='')}&exvsurl=1&viewmodel=ReadMessageItem"


def _uid(item: StoredMessage) -> str:
    return _UID_PREFIX + hashlib.sha256(item.message_id.encode()).hexdigest()[:32].upper()


def _answer(item: StoredMessage) -> str:
    """ResponseType: an invitee's answer on a response; nothing yet on a request; unknown otherwise."""
    if item.item_type == "MeetingResponse":
        return response_type(item.item_class)
    return "NoResponseReceived" if item.item_type == "MeetingRequest" else "Unknown"


_ITEM: Fields = [
    ("ItemId", lambda m, w, s: item_id("ItemId", m.item_id, m.change_key)),
    ("ParentFolderId", lambda m, w, s: item_id("ParentFolderId", w.folder_id, "AQAAAA==")),
    ("ItemClass", lambda m, w, s: m.item_class),
    ("Subject", lambda m, w, s: m.subject),
    ("Sensitivity", lambda m, w, s: "Normal"),
    ("Body", lambda m, w, s: body("Body", m.body_text, m.body_html, s.body_type)),
    ("Attachments", lambda m, w, s: _attachments(m)),
    ("DateTimeReceived", lambda m, w, s: m.received_at),
    ("Size", lambda m, w, s: m.size),
    ("Categories", lambda m, w, s: strings("Categories", m.categories)),
    ("Importance", lambda m, w, s: m.importance),
    ("InReplyTo", lambda m, w, s: m.in_reply_to),
    ("IsSubmitted", lambda m, w, s: m.folder == "sentitems"),
    ("IsDraft", lambda m, w, s: m.is_draft),
    ("IsFromMe", lambda m, w, s: m.author.email.lower() == w.owner.email.lower()),
    ("IsResend", lambda m, w, s: False),
    ("IsUnmodified", lambda m, w, s: m.modified_at == m.created_at),
    ("InternetMessageHeaders", lambda m, w, s: _headers(m)),
    ("DateTimeSent", lambda m, w, s: m.sent_at),
    ("DateTimeCreated", lambda m, w, s: m.created_at),
    ("ReminderIsSet", lambda m, w, s: False),
    ("ReminderMinutesBeforeStart", lambda m, w, s: 0),
    ("DisplayCc", lambda m, w, s: "; ".join(a.name or a.email for a in m.cc)),
    ("DisplayTo", lambda m, w, s: "; ".join(a.name or a.email for a in m.to)),
    ("HasAttachments", lambda m, w, s: m.has_attachments),
    ("ExtendedProperty", lambda m, w, s: extended(_properties(m), s)),
    ("Culture", lambda m, w, s: "en-US"),
    ("EffectiveRights", lambda m, w, s: rights()),
    ("LastModifiedName", lambda m, w, s: w.owner.name),
    ("LastModifiedTime", lambda m, w, s: m.modified_at),
    ("IsAssociated", lambda m, w, s: False),
    ("WebClientReadFormQueryString", lambda m, w, s: read_form(m, w)),
    ("ConversationId", lambda m, w, s: item_id("ConversationId", m.conversation_id, None)),
    ("Preview", lambda m, w, s: m.body_text[:256] or None),  # Exchange 2013 on: the body's first 256 characters
    ("TextBody", lambda m, w, s: body("TextBody", m.body_text, None, "Text")),
]  # fmt: skip
_MESSAGE: Fields = [
    ("Sender", lambda m, w, s: single("Sender", m.sender)),
    ("ToRecipients", lambda m, w, s: recipients("ToRecipients", m.to)),
    ("CcRecipients", lambda m, w, s: recipients("CcRecipients", m.cc)),
    ("IsReadReceiptRequested", lambda m, w, s: False),
    ("IsDeliveryReceiptRequested", lambda m, w, s: False),
    ("ConversationTopic", lambda m, w, s: m.subject.removeprefix("RE: ").removeprefix("Re: ")),
    ("From", lambda m, w, s: single("From", m.author)),
    ("InternetMessageId", lambda m, w, s: m.message_id or None),
    ("IsRead", lambda m, w, s: m.is_read),
    ("IsResponseRequested", lambda m, w, s: False),
    ("References", lambda m, w, s: " ".join(m.references) or None),
    ("ReceivedBy", lambda m, w, s: single("ReceivedBy", w.owner) if m.folder == "inbox" else None),
    ("ReceivedRepresenting", lambda m, w, s: single("ReceivedRepresenting", w.owner) if m.folder == "inbox"
     else None),
]  # fmt: skip
# PostItemType: no recipients, and PostedTime where a message has its receipt.
_POST: Fields = [
    ("ConversationTopic", lambda m, w, s: m.subject),
    ("From", lambda m, w, s: single("From", m.author)),
    ("InternetMessageId", lambda m, w, s: m.message_id or None),
    ("IsRead", lambda m, w, s: m.is_read),
    ("PostedTime", lambda m, w, s: m.received_at),
    ("References", lambda m, w, s: " ".join(m.references) or None),
    ("Sender", lambda m, w, s: single("Sender", m.sender)),
]  # fmt: skip
# MeetingMessageType, then what requests, responses and cancellations add to it.
_MEETING: Fields = [
    ("IsDelegated", lambda m, w, s: False),
    ("IsOutOfDate", lambda m, w, s: False),
    ("HasBeenProcessed", lambda m, w, s: False),
    ("ResponseType", lambda m, w, s: _answer(m)),
    ("UID", lambda m, w, s: _uid(m)),
    ("DateTimeStamp", lambda m, w, s: m.sent_at),
]  # fmt: skip
_SPAN: Fields = [
    ("Start", lambda m, w, s: m.meeting_span[0]),
    ("End", lambda m, w, s: m.meeting_span[1]),
]
_REQUEST: Fields = [
    ("MeetingRequestType", lambda m, w, s: "NewMeetingRequest"),
    ("IntendedFreeBusyStatus", lambda m, w, s: "Busy"),
    *_SPAN,
    ("IsAllDayEvent", lambda m, w, s: False),
    ("LegacyFreeBusyStatus", lambda m, w, s: "Tentative"),
    ("IsMeeting", lambda m, w, s: True),
    ("IsCancelled", lambda m, w, s: False),
    ("IsRecurring", lambda m, w, s: False),
    ("MeetingRequestWasSent", lambda m, w, s: True),
    ("CalendarItemType", lambda m, w, s: "Single"),
    ("MyResponseType", lambda m, w, s: "NoResponseReceived"),
    ("Organizer", lambda m, w, s: single("Organizer", m.author)),
]  # fmt: skip
_SINGLE_SPAN: Fields = [*_SPAN, ("CalendarItemType", lambda m, w, s: "Single")]
_FIELDS: dict[ItemType, Fields] = {
    "Item": _ITEM,
    "Message": _ITEM + _MESSAGE,
    "SharingMessage": _ITEM + _MESSAGE,
    "PostItem": _ITEM + _POST,
    "MeetingMessage": _ITEM + _MESSAGE + _MEETING,
    "MeetingRequest": _ITEM + _MESSAGE + _MEETING + _REQUEST,
    "MeetingResponse": _ITEM + _MESSAGE + _MEETING + _SINGLE_SPAN,
    "MeetingCancellation": _ITEM + _MESSAGE + _MEETING + _SINGLE_SPAN,
}
