"""Writing mail on Graph: POST /users/{u}/sendMail (202, through the organisation's mail flow),
POST /users/{u}/messages (201, a draft in Drafts), and deleting a message (204): DELETE moves it to Deleted Items,
POST .../permanentDelete purges it (the Recoverable Items purges folder, out of every client's sight).

Threading headers travel as MAPI properties (PidTagInReplyToId 0x1042, PidTagInternetReferences 0x1039), because
Graph lets clients set only their own X- headers through internetMessageHeaders.

File attachments may come with the message (fileAttachment: name, contentType, contentBytes, contentId, isInline)
within Graph's documented limits: each under 3 MB (larger ones need an upload session) and the whole request at most
4 MB; beyond them Graph answers 413 RequestEntityTooLarge.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from mailbot.sandbox.graph_mail import IN_REPLY_TO, INTERNET_REFERENCES, property_tag, render
from mailbot.sandbox.graph_wire import Call, GraphError, Reply, store_id
from mailbot.sandbox.records import Address, StoredAttachment

ATTACHMENT_LIMIT = 3 * 1024 * 1024  # an attachment posted with the message must be smaller (message-post-attachments)
REQUEST_LIMIT = 4 * 1024 * 1024  # Graph's ceiling for a request body
_FILE = "#microsoft.graph.fileAttachment"


@dataclass(frozen=True)
class Outgoing:
    """A message a client composed, read from Graph's message JSON."""

    subject: str
    html: str | None
    text: str
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    bcc: tuple[Address, ...]
    in_reply_to: str | None
    references: tuple[str, ...]
    categories: tuple[str, ...]
    headers: tuple[tuple[str, str], ...]
    attachments: tuple[StoredAttachment, ...] = ()

    @property
    def has_recipients(self) -> bool:
        return bool(self.to or self.cc or self.bcc)


def send_mail(call: Call) -> Reply:
    payload = call.json()
    message = payload.get("message")
    if not isinstance(message, dict):
        raise GraphError(400, "ErrorInvalidParameter", "The request needs a 'message' object to send.")
    outgoing = parse(call, message)
    if not outgoing.has_recipients:
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient is required, but none were found.")
    save = payload.get("saveToSentItems", True)
    call.org.send(
        call.user, outgoing.to, outgoing.subject, outgoing.html, outgoing.text, cc=outgoing.cc, bcc=outgoing.bcc,
        in_reply_to=outgoing.in_reply_to, references=outgoing.references, categories=outgoing.categories,
        headers=outgoing.headers, save_copy=save is not False and str(save).lower() != "false",
        attachments=outgoing.attachments,
    )  # fmt: skip
    return Reply(202)


def create_draft(call: Call) -> Reply:
    outgoing = parse(call, call.json())
    draft = call.org.save_draft(
        call.user, outgoing.to, outgoing.subject, outgoing.html, outgoing.text, cc=outgoing.cc,
        in_reply_to=outgoing.in_reply_to, references=outgoing.references, categories=outgoing.categories,
        headers=outgoing.headers, attachments=outgoing.attachments,
    )  # fmt: skip
    return Reply(201, {"@odata.context": call.context("messages/$entity"), **render(call, draft, None)})


def delete_message(call: Call) -> Reply:
    call.org.delete_item(call.user, store_id(call.params["id"]))
    return Reply(204)


def permanent_delete(call: Call) -> Reply:
    if call.request.get_data().strip():
        raise GraphError(400, "BadRequest", "permanentDelete takes no request body.")
    call.org.delete_item(call.user, store_id(call.params["id"]), hard=True)
    return Reply(204)


def parse(call: Call, message: dict[str, Any]) -> Outgoing:
    """Read Graph's message JSON, refusing what Graph refuses (a non-X- header, sending as someone else, a request or
    attachment over Graph's size limits)."""
    if len(call.request.get_data()) > REQUEST_LIMIT:
        raise GraphError(413, "RequestEntityTooLarge", "The request body is larger than the 4 MB Microsoft Graph "
                         "accepts; attach large files through an upload session.")  # fmt: skip
    sender = _addresses(message.get("from") and [message["from"]], "from")
    if sender and sender[0].email.lower() != call.user:
        raise GraphError(403, "ErrorSendAsDenied", "The user account which was used to submit this request does not "
                         "have the right to send mail on behalf of the specified sending account.")  # fmt: skip
    body = message.get("body") or {}
    content = str(body.get("content") or "") if isinstance(body, dict) else ""
    is_html = isinstance(body, dict) and str(body.get("contentType", "text")).lower() == "html"
    properties = _extended(message.get("singleValueExtendedProperties") or [])
    return Outgoing(
        subject=str(message.get("subject") or ""), html=content if is_html else None, text="" if is_html else content,
        to=_addresses(message.get("toRecipients"), "toRecipients"),
        cc=_addresses(message.get("ccRecipients"), "ccRecipients"),
        bcc=_addresses(message.get("bccRecipients"), "bccRecipients"),
        in_reply_to=properties.get(IN_REPLY_TO), references=tuple((properties.get(INTERNET_REFERENCES) or "").split()),
        categories=tuple(str(c) for c in message.get("categories") or []),
        headers=_headers(message.get("internetMessageHeaders") or []),
        attachments=file_attachments(message.get("attachments") or []),
    )  # fmt: skip


def _addresses(value: Any, what: str) -> tuple[Address, ...]:
    if not value:
        return ()
    if not isinstance(value, list):
        raise GraphError(400, "RequestBodyRead", f"{what} must be a list of recipients.")
    found = []
    for entry in value:
        email = entry.get("emailAddress") if isinstance(entry, dict) else None
        address = email.get("address") if isinstance(email, dict) else None
        if not isinstance(address, str) or "@" not in address:
            raise GraphError(400, "ErrorInvalidRecipients", f"At least one recipient in {what} isn't valid.")
        found.append(Address(address.strip(), str(email.get("name") or "")))  # type: ignore[union-attr]
    return tuple(found)


def _extended(value: Any) -> dict[int, str]:
    """The string MAPI properties a client set, by tag."""
    if not isinstance(value, list):
        raise GraphError(400, "RequestBodyRead", "singleValueExtendedProperties must be a list.")
    found: dict[int, str] = {}
    for entry in value:
        tag = property_tag(str(entry.get("id", ""))) if isinstance(entry, dict) else None
        if tag is not None and entry.get("value") is not None:
            found[tag] = str(entry["value"])
    return found


def _headers(value: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise GraphError(400, "RequestBodyRead", "internetMessageHeaders must be a list.")
    found = []
    for entry in value:
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        if not name.lower().startswith("x-"):
            raise GraphError(400, "InvalidInternetMessageHeader", f"The internet message header name '{name}' "
                             "should start with 'x-' or 'X-'.")  # fmt: skip
        found.append((name, str(entry.get("value", ""))))
    return tuple(found)


def file_attachments(value: Any) -> tuple[StoredAttachment, ...]:
    """File attachments sent with the message, as Graph reads them: base64 content, each under 3 MB."""
    if not isinstance(value, list):
        raise GraphError(400, "RequestBodyRead", "attachments must be a list.")
    found = []
    for entry in value:
        kind = entry.get("@odata.type") if isinstance(entry, dict) else None
        if kind != _FILE:
            raise GraphError(400, "RequestBodyRead", f"The sandbox takes only {_FILE} with a message, not {kind!r}.")
        name, content = entry.get("name"), entry.get("contentBytes")
        if not isinstance(name, str) or not name or not isinstance(content, str):
            raise GraphError(400, "ErrorInvalidParameter", "A fileAttachment needs a name and contentBytes.")
        try:
            data = base64.b64decode(content, validate=True)
        except (binascii.Error, ValueError):
            raise GraphError(400, "RequestBodyRead", f"The contentBytes of '{name}' are not base64.") from None
        if len(data) >= ATTACHMENT_LIMIT:
            raise GraphError(413, "RequestEntityTooLarge", f"The attachment '{name}' is 3 MB or larger; attach it "
                             "through an upload session (createUploadSession).")  # fmt: skip
        content_id, inline = entry.get("contentId"), entry.get("isInline", False)
        found.append(StoredAttachment(name, str(entry.get("contentType") or "application/octet-stream"), data,
                                      str(content_id) if content_id else None, inline is True))  # fmt: skip
    return tuple(found)
