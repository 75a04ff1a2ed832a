"""Messages on Graph: GET a message (with $select and expanded MAPI properties), its attachments, and a mail
folder's delta.

A delta round's $skiptoken and $deltatoken are the organisation's own sync states, so a token from another
folder, mailbox or sandbox instance is refused (410 SyncStateNotFound) just as EWS refuses it.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any
from urllib.parse import quote

from mailbot.sandbox.graph_item_types import odata_type, type_annotation, type_properties
from mailbot.sandbox.graph_time import timestamp
from mailbot.sandbox.graph_wire import (
    NOT_FOUND,
    Call,
    GraphError,
    Reply,
    applied,
    pick,
    rest_id,
    select_suffix,
    store_id,
)
from mailbot.sandbox.ids import attachment_id, attachment_of
from mailbot.sandbox.records import MAIL_FOLDERS, Address, InvalidSyncState, MailFolder, StoredMessage

# Every property of Graph's message resource, for $select; internetMessageHeaders only when selected.
MESSAGE_PROPERTIES = frozenset({
    "bccRecipients", "body", "bodyPreview", "categories", "ccRecipients", "changeKey", "conversationId",
    "conversationIndex", "createdDateTime", "flag", "from", "hasAttachments", "id", "importance",
    "inferenceClassification", "internetMessageHeaders", "internetMessageId", "isDeliveryReceiptRequested", "isDraft",
    "isRead", "isReadReceiptRequested", "lastModifiedDateTime", "parentFolderId", "receivedDateTime", "replyTo",
    "sender", "sentDateTime", "subject", "toRecipients", "uniqueBody", "webLink", "attachments", "extensions",
    "multiValueExtendedProperties", "singleValueExtendedProperties",
})  # fmt: skip
# MAPI properties the sandbox can expand: the strings PidTagMessageClass, PidTagInternetMessageId,
# PidTagInternetReferences (space separated) and PidTagInReplyToId, the integer PidTagAutoResponseSuppress.
MESSAGE_CLASS, INTERNET_MESSAGE_ID, INTERNET_REFERENCES, IN_REPLY_TO = 0x001A, 0x1035, 0x1039, 0x1042
AUTO_RESPONSE_SUPPRESS = 0x3FDF
_PROPERTY_ID = re.compile(r"id\s+eq\s+'([^']+)'", re.IGNORECASE)
_EXPAND = re.compile(r"singleValueExtendedProperties(?:\(\s*\$filter\s*=(.*)\))?$", re.IGNORECASE | re.DOTALL)
_DELTA_PAGE = 10  # Graph's default page for message delta without odata.maxpagesize


def get_message(call: Call) -> Reply:
    item = call.org.get_item(call.user, store_id(call.params["id"]))
    if not isinstance(item, StoredMessage):
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    names = call.selected(MESSAGE_PROPERTIES, "message")
    body = {"@odata.context": call.context(f"messages{select_suffix(names)}/$entity"), **render(call, item, names)}
    return Reply(200, body, applied(_body_preference(call)))


def list_attachments(call: Call) -> Reply:
    """GET .../messages/{id}/attachments: each fileAttachment with its content, as Graph lists them."""
    item = _message(call)
    value = [attachment(item, number) for number in range(len(item.attachments))]
    return Reply(200, {"@odata.context": call.context(f"messages('{call.params['id']}')/attachments"), "value": value})


def get_attachment(call: Call) -> Reply:
    """GET .../messages/{id}/attachments/{attachment}: one fileAttachment with its content."""
    item = _message(call)
    found = attachment_of(store_id(call.params["attachment"]))
    if found is None or found[0] != item.item_id or found[1] >= len(item.attachments):
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    body = {"@odata.context": call.context(f"messages('{call.params['id']}')/attachments/$entity"),
            **attachment(item, found[1])}  # fmt: skip
    return Reply(200, body)


def attachment(item: StoredMessage, number: int) -> dict[str, Any]:
    """The message's `number`th attachment as Graph's fileAttachment resource."""
    kept = item.attachments[number]
    return {
        "@odata.type": "#microsoft.graph.fileAttachment", "@odata.mediaContentType": kept.content_type,
        "id": rest_id(attachment_id(item.item_id, number)), "lastModifiedDateTime": timestamp(item.modified_at),
        "name": kept.name, "contentType": kept.content_type, "size": kept.size, "isInline": kept.is_inline,
        "contentId": kept.content_id, "contentLocation": None,
        "contentBytes": base64.b64encode(kept.content).decode("ascii"),
    }  # fmt: skip


def _message(call: Call) -> StoredMessage:
    item = call.org.get_item(call.user, store_id(call.params["id"]))
    if not isinstance(item, StoredMessage):
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    return item


def delta(call: Call) -> Reply:
    folder = _folder(call, call.params["folder"])
    state = call.arg("$skiptoken") or call.arg("$deltatoken")
    size, paging = call.page_size(_DELTA_PAGE)
    names = call.selected(MESSAGE_PROPERTIES, "message")
    try:
        result = call.org.sync(call.user, folder, state, size)
    except InvalidSyncState:
        raise GraphError(410, "SyncStateNotFound", "The sync state generation is not found.") from None
    value: list[dict[str, Any]] = []
    for change in result.changes:
        if change.kind == "delete" or not isinstance(change.item, StoredMessage):
            value.append({"@odata.type": "#microsoft.graph.message", "id": rest_id(change.item_id),
                          "@removed": {"reason": "deleted"}})  # fmt: skip
        else:
            value.append({"@odata.type": odata_type(change.item), **render(call, change.item, names)})
    # The round goes on (nextLink, $skiptoken) while changes wait, and ends with a deltaLink ($deltatoken).
    if result.includes_last:
        key, link = "@odata.deltaLink", call.link({"$deltatoken": result.new_state, "$skiptoken": None})
    else:
        key, link = "@odata.nextLink", call.link({"$skiptoken": result.new_state, "$deltatoken": None})
    body = {"@odata.context": f"{call.base}/$metadata#Collection(message)", key: link, "value": value}
    return Reply(200, body, applied(paging))


def render(call: Call, item: StoredMessage, names: list[str] | None) -> dict[str, Any]:
    """A message as Graph's message resource: the documented default properties, or those $select names,
    plus any extended properties `$expand=singleValueExtendedProperties($filter=...)` asks for."""
    as_text = (_body_preference(call) or "").endswith('"text"')
    full = message(item, call.org.folder_id(call.user, item.folder), as_text)
    if names is not None and "internetmessageheaders" in {n.lower() for n in names}:
        full["internetMessageHeaders"] = [{"name": k, "value": v} for k, v in item.headers]
    chosen = pick(full, names)
    expand = call.arg("$expand")
    if expand is not None:
        chosen["singleValueExtendedProperties"] = extended_properties(item, expand)
    return chosen


def message(item: StoredMessage, folder_id: str, as_text: bool = False) -> dict[str, Any]:
    """The default property set of a message, in the order Graph's documentation shows it; a derived type's with
    its @odata.type and what that type adds."""
    graph_id = rest_id(item.item_id)
    return {
        **type_annotation(item),
        "@odata.etag": f'W/"{item.change_key}"',
        "id": graph_id,
        "createdDateTime": timestamp(item.created_at),
        "lastModifiedDateTime": timestamp(item.modified_at),
        "changeKey": item.change_key,
        "categories": list(item.categories),
        "receivedDateTime": timestamp(item.received_at),
        "sentDateTime": timestamp(item.sent_at),
        "hasAttachments": item.has_attachments,  # inline images do not count (Graph's documentation)
        "internetMessageId": item.message_id or None,
        "subject": item.subject,
        "bodyPreview": item.body_text[:255],
        "importance": item.importance.lower(),
        "parentFolderId": rest_id(folder_id),
        "conversationId": rest_id(item.conversation_id),
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "isRead": item.is_read,
        "isDraft": item.is_draft,
        "webLink": f"https://outlook.office365.com/owa/?ItemID={quote(graph_id, safe='')}&exvsurl=1"
        "&viewmodel=ReadMessageItem",
        "inferenceClassification": "focused",
        "body": _body(item, as_text),
        "sender": recipient(item.sender),
        "from": recipient(item.author),
        "toRecipients": [recipient(a) for a in item.to],
        "ccRecipients": [recipient(a) for a in item.cc],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": "notFlagged"},
        **type_properties(item),
    }


def recipient(address: Address) -> dict[str, Any]:
    return {"emailAddress": {"name": address.name or address.email, "address": address.email}}


def extended_properties(item: StoredMessage, expand: str) -> list[dict[str, str]]:
    """The single-value extended properties the $expand filter names and the message has, ids as Graph
    normalises them ("String 0x1a", "Integer 0x3fdf"); every value is text, as Graph sends it."""
    match = _EXPAND.match(expand.strip())
    if match is None:
        raise GraphError(400, "RequestBroker--ParseUri", f"The sandbox cannot expand '{expand}'; it expands "
                         "singleValueExtendedProperties($filter=id eq '...').")  # fmt: skip
    suppress = item.auto_response_suppress
    values = {("String", MESSAGE_CLASS): item.item_class, ("String", INTERNET_MESSAGE_ID): item.message_id or None,
              ("String", INTERNET_REFERENCES): " ".join(item.references) or None,
              ("String", IN_REPLY_TO): item.in_reply_to,
              ("Integer", AUTO_RESPONSE_SUPPRESS): None if suppress is None else str(suppress)}  # fmt: skip
    named = [_property_key(i) for i in _PROPERTY_ID.findall(match.group(1) or "")] if match.group(1) else list(values)
    found = []
    for key in dict.fromkeys(named):
        value = values.get(key) if key is not None else None
        if key is not None and value is not None:
            found.append({"id": f"{key[0]} 0x{key[1]:x}", "value": value})
    return found


def _property_key(property_id: str) -> tuple[str, int] | None:
    """(type, tag) of a property id such as "Integer 0x3FDF", the type as Graph spells it (None for named ones)."""
    kind, _, number = property_id.strip().partition(" ")
    tag = property_tag(f"String {number}")
    canonical = {"string": "String", "integer": "Integer"}.get(kind.lower())
    return None if tag is None or canonical is None else (canonical, tag)


def property_tag(property_id: str) -> int | None:
    """The MAPI tag of a string property id such as "String 0x1042" (None for other types or named ones)."""
    kind, _, tag = property_id.strip().partition(" ")
    if kind.lower() != "string" or not tag.lower().startswith("0x"):
        return None
    try:
        return int(tag, 16)
    except ValueError:
        return None


def _folder(call: Call, name: str) -> MailFolder:
    """A mail folder by well-known name (inbox, sentitems, drafts, deleteditems) or by the id Graph gave it."""
    for folder in MAIL_FOLDERS:
        if name.lower() == folder:
            return folder
    found = call.org.locate_folder(store_id(name))
    if found is None or found[0] != call.user or found[1] not in MAIL_FOLDERS:
        raise GraphError(404, "ErrorItemNotFound", NOT_FOUND)
    return found[1]


def _body_preference(call: Call) -> str | None:
    wanted = (call.prefer("outlook.body-content-type") or "").lower()
    return f'outlook.body-content-type="{wanted}"' if wanted in ("text", "html") else None


def _body(item: StoredMessage, as_text: bool) -> dict[str, str]:
    if as_text:
        return {"contentType": "text", "content": item.body_text}
    if item.body_html is not None:
        return {"contentType": "html", "content": item.body_html}
    escaped = html.escape(item.body_text).replace("\n", "<br>")
    return {"contentType": "html", "content": f"<html><body>{escaped}</body></html>"}
