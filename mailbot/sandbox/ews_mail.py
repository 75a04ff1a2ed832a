"""EWS item operations: GetItem, SyncFolderItems, CreateItem, UpdateItem, DeleteItem and GetAttachment."""

from __future__ import annotations

import base64
from collections.abc import Callable

from mailbot.sandbox import ews_items as items
from mailbot.sandbox import ews_messages
from mailbot.sandbox.ews_call import Call
from mailbot.sandbox.ews_xml import (
    Element,
    EwsError,
    child_text,
    children,
    el,
    parse_time,
    q,
    response_message,
    sub,
)
from mailbot.sandbox.ids import attachment_of
from mailbot.sandbox.records import (
    FOLDERS,
    MAIL_FOLDERS,
    Address,
    CalendarEntry,
    InvalidSyncState,
    ItemNotFound,
    MailFolder,
    Occurrence,
    SandboxError,
    StoredAttachment,
    StoredMessage,
)

_FREE_BUSY = {"Free": "free", "Tentative": "tentative", "Busy": "busy", "OOF": "oof",
              "WorkingElsewhere": "working_elsewhere", "NoData": "busy"}  # fmt: skip
_MAX_SYNC_CHANGES = 512  # Exchange's ceiling for MaxChangesReturned
_NO_ATTACHMENT = "The attachment could not be found."
MAX_MESSAGE_SIZE = 10 * 1024 * 1024  # Exchange 2016's default MaxSendSize for the organisation


def render(call: Call, mailbox: str, item: StoredMessage | CalendarEntry | Occurrence, shape: items.Shape) -> Element:
    if isinstance(item, StoredMessage):
        return ews_messages.message(item, call.where(mailbox, item.folder), shape)
    occurrence = items.master(item) if isinstance(item, CalendarEntry) else item
    return items.calendar_item(occurrence, call.where(mailbox, "calendar"), shape)


def each_item(call: Call, operation: str, ids: list[Element], answer: Callable[[str, str, Element], None]) -> Element:
    """One response message per item id; a missing or forbidden item fails only its own message."""
    response = el(f"m:{operation}Response")
    messages = sub(response, "m:ResponseMessages")
    for node in ids:
        item_id = node.get("Id", "")
        try:
            message = response_message(operation)
            answer(call.item_owner(item_id), item_id, message)
        except ItemNotFound:
            message = failed(
                operation, EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
            )
        except EwsError as error:
            message = failed(operation, error)
        messages.append(message)
    return response


def failed(operation: str, error: EwsError) -> Element:
    """An error response message; the item operations' schema demands an (empty) m:Items even then."""
    message = response_message(operation, error)
    if operation in ("GetItem", "CreateItem", "UpdateItem"):
        sub(message, "m:Items")
    return message


def get_item(call: Call) -> Element:
    shape = items.Shape.parse(call.body.find(q("m:ItemShape")))

    def answer(mailbox: str, item_id: str, message: Element) -> None:
        sub(message, "m:Items").append(render(call, mailbox, call.org.get_item(mailbox, item_id), shape))

    return each_item(call, "GetItem", children(call.body, "m:ItemIds"), answer)


def sync_folder_items(call: Call) -> Element:
    shape = items.Shape.parse(call.body.find(q("m:ItemShape")))
    folder_ref = call.body.find(q("m:SyncFolderId"))
    state = child_text(call.body, "m:SyncState")
    wanted = int(child_text(call.body, "m:MaxChangesReturned") or "100")
    response = el("m:SyncFolderItemsResponse")
    messages = sub(response, "m:ResponseMessages")
    try:
        if folder_ref is None or len(folder_ref) == 0:
            raise EwsError("ErrorInvalidRequest", "SyncFolderItems needs a SyncFolderId.")
        if not 1 <= wanted <= _MAX_SYNC_CHANGES:
            raise EwsError("ErrorInvalidRequest", f"MaxChangesReturned must be between 1 and {_MAX_SYNC_CHANGES}.")
        mailbox, folder = call.folder(folder_ref[0])
        if folder not in FOLDERS:
            raise EwsError("ErrorInvalidOperation", f"The folder {folder!r} holds folders, not items to sync.")
        try:
            result = call.org.sync(mailbox, folder, state, wanted)
        except InvalidSyncState as exc:
            raise EwsError("ErrorInvalidSyncStateData", str(exc)) from None
    except EwsError as error:
        # exchangelib reads SyncState and IncludesLastItemInRange before the response code, so both stay.
        message = sub(messages, "m:SyncFolderItemsResponseMessage", ResponseClass="Error")
        for part in response_message("SyncFolderItems", error):
            message.append(part)
        sub(message, "m:SyncState", "")
        sub(message, "m:IncludesLastItemInRange", True)
        return response
    message = response_message("SyncFolderItems")
    messages.append(message)
    sub(message, "m:SyncState", result.new_state)
    sub(message, "m:IncludesLastItemInRange", result.includes_last)
    changes = sub(message, "m:Changes")
    for change in result.changes:
        if change.kind == "delete":
            sub(sub(changes, "t:Delete"), "t:ItemId", Id=change.item_id)
        elif change.kind == "read_flag":
            node = sub(changes, "t:ReadFlagChange")
            sub(node, "t:ItemId", Id=change.item_id)
            sub(node, "t:IsRead", change.is_read)
        elif change.item is not None:
            tag = "t:Create" if change.kind == "create" else "t:Update"
            sub(changes, tag).append(render(call, mailbox, change.item, shape))
    return response


def create_item(call: Call) -> Element:
    disposition = call.body.get("MessageDisposition", "SaveOnly")
    saved_in = call.body.find(q("m:SavedItemFolderId"))
    response = el("m:CreateItemResponse")
    messages = sub(response, "m:ResponseMessages")
    for node in children(call.body, "m:Items"):
        try:
            has_folder = saved_in is not None and len(saved_in) > 0
            mailbox, folder = call.folder(saved_in[0]) if has_folder else (call.mailbox(), "")
            message = response_message("CreateItem")
            created = sub(message, "m:Items")
            if node.tag == q("t:Message"):
                stored = _create_message(call, node, mailbox, folder, disposition)
                if stored is not None:
                    sub(created, "t:Message").append(items.item_id("ItemId", stored.item_id, stored.change_key))
            elif node.tag == q("t:CalendarItem"):
                entry = _create_event(call, node, mailbox)
                sub(created, "t:CalendarItem").append(items.item_id("ItemId", entry.item_id, entry.change_key))
            else:
                raise EwsError("ErrorInvalidRequest", f"The sandbox cannot create {_local(node)} items.")
        except (SandboxError, ValueError) as exc:
            message = failed("CreateItem", EwsError("ErrorInvalidRequest", str(exc)))
        except EwsError as error:
            message = failed("CreateItem", error)
        messages.append(message)
    return response


def _local(node: Element) -> str:
    return str(node.tag).rpartition("}")[2]


def _addresses(node: Element, tag: str) -> list[Address]:
    holder = node.find(q(f"t:{tag}"))
    found = holder.findall(q("t:Mailbox")) if holder is not None else []
    return [Address(child_text(m, "t:EmailAddress") or "", child_text(m, "t:Name") or "") for m in found]


def _create_message(call: Call, node: Element, mailbox: str, folder: str, disposition: str) -> StoredMessage | None:
    author = _addresses(node, "From")
    sender = call.mailbox(author[0].email) if author else mailbox
    body = node.find(q("t:Body"))
    content = body.text or "" if body is not None else ""
    is_html = body is not None and body.get("BodyType") == "HTML"
    to, cc, bcc = (_addresses(node, tag) for tag in ("ToRecipients", "CcRecipients", "BccRecipients"))
    in_reply_to = child_text(node, "t:InReplyTo")
    references = (child_text(node, "t:References") or "").split()
    categories = [s.text or "" for s in node.iter(q("t:String")) if s.getparent().tag == q("t:Categories")]
    subject = child_text(node, "t:Subject") or ""
    html_body, text_body = (content, "") if is_html else (None, content)
    attached = _attachments(node)
    if len(content.encode()) + sum(a.size for a in attached) > MAX_MESSAGE_SIZE:
        raise EwsError("ErrorMessageSizeExceeded", "The message exceeds the maximum supported size.")
    if disposition == "SaveOnly":
        target: MailFolder = folder if folder in MAIL_FOLDERS else "drafts"
        return call.org.save_draft(sender, to, subject, html_body, text_body, cc=cc, in_reply_to=in_reply_to,
                                   references=references, categories=categories, folder=target,
                                   attachments=attached)  # fmt: skip
    if not to and not cc and not bcc:
        raise EwsError("ErrorInvalidRecipients", "At least one recipient is required, but none were found.")
    call.org.send(sender, to, subject, html_body, text_body, cc=cc, bcc=bcc, in_reply_to=in_reply_to,
                  references=references, categories=categories, save_copy=disposition == "SendAndSaveCopy",
                  attachments=attached)  # fmt: skip
    return None  # Exchange returns no item id for sent messages


def _attachments(node: Element) -> tuple[StoredAttachment, ...]:
    """The t:FileAttachment elements created with the item (the schema has checked their shape and base64); item
    attachments (a message inside a message) the sandbox does not keep."""
    holder = node.find(q("t:Attachments"))
    if holder is None:
        return ()
    if holder.find(q("t:ItemAttachment")) is not None:
        raise EwsError("ErrorInvalidRequest", "The sandbox keeps file attachments only, not item attachments.")
    found = []
    for entry in holder.findall(q("t:FileAttachment")):
        name, kind = child_text(entry, "t:Name") or "", child_text(entry, "t:ContentType")
        content = base64.b64decode(child_text(entry, "t:Content") or "")
        inline = child_text(entry, "t:IsInline") in ("true", "1")
        found.append(StoredAttachment(name, kind or "application/octet-stream", content,
                                      child_text(entry, "t:ContentId"), inline))  # fmt: skip
    return tuple(found)


def _create_event(call: Call, node: Element, mailbox: str) -> CalendarEntry:
    if node.find(q("t:Recurrence")) is not None:
        raise EwsError("ErrorInvalidRequest", "The sandbox creates recurring series from scenarios or the admin "
                       "API, not through EWS.")  # fmt: skip
    zone_node = node.find(q("t:StartTimeZone"))
    zone = items.IANA_ZONES.get(zone_node.get("Id", "") if zone_node is not None else "", call.timezone)
    start = parse_time(child_text(node, "t:Start") or "", zone)
    end = parse_time(child_text(node, "t:End") or "", zone)
    return call.org.add_event(
        mailbox, child_text(node, "t:Subject") or "", start, end, timezone=zone,
        all_day=(child_text(node, "t:IsAllDayEvent") or "false") == "true",
        show_as=_FREE_BUSY.get(child_text(node, "t:LegacyFreeBusyStatus") or "Busy", "busy"),
        categories=[s.text or "" for s in node.iter(q("t:String"))], location=child_text(node, "t:Location") or "",
    )  # fmt: skip


def update_item(call: Call) -> Element:
    changes = children(call.body, "m:ItemChanges")
    by_id = {c.find(q("t:ItemId")).get("Id", ""): c for c in changes if c.find(q("t:ItemId")) is not None}

    def answer(mailbox: str, item_id: str, message: Element) -> None:
        updated = _apply(call, mailbox, item_id, by_id[item_id].find(q("t:Updates")))
        tag = "t:Message" if isinstance(updated, StoredMessage) else "t:CalendarItem"
        sub(sub(message, "m:Items"), tag).append(items.item_id("ItemId", updated.item_id, updated.change_key))
        sub(sub(message, "m:ConflictResults"), "t:Count", 0)

    ids = [c.find(q("t:ItemId")) for c in changes]
    return each_item(call, "UpdateItem", [i for i in ids if i is not None], answer)


def _apply(call: Call, mailbox: str, item_id: str, updates: Element | None) -> StoredMessage | CalendarEntry:
    """Apply the property changes the sandbox models (categories, read flag, event times); others are ignored."""
    item = call.org.get_item(mailbox, item_id)
    if isinstance(item, Occurrence):
        raise EwsError("ErrorInvalidOperation", "The sandbox does not modify single occurrences of a series.")
    result: StoredMessage | CalendarEntry = item
    event_changes: dict[str, object] = {}
    for update in updates if updates is not None else []:
        uri = update.find(q("t:FieldURI"))
        field = uri.get("FieldURI", "") if uri is not None else ""
        value = update[-1] if update.tag != q("t:DeleteItemField") and len(update) > 1 else None
        if field == "item:Categories":
            strings = [s.text or "" for s in value.iter(q("t:String"))] if value is not None else []
            result = call.org.set_categories(mailbox, item_id, strings)
        elif field == "message:IsRead" and value is not None:
            result = call.org.mark_read(mailbox, item_id, child_text(value, "t:IsRead") == "true")
        elif isinstance(item, CalendarEntry) and value is not None:
            name = field.partition(":")[2]
            text = child_text(value, f"t:{name}")
            if name in ("Start", "End") and text:
                event_changes[name.lower()] = parse_time(text, item.timezone)
            elif name == "Subject" and text is not None:
                event_changes["subject"] = text
            elif name == "LegacyFreeBusyStatus" and text in _FREE_BUSY:
                event_changes["show_as"] = _FREE_BUSY[text]
    if event_changes:
        result = call.org.update_event(mailbox, item_id, **event_changes)
    return result


def delete_item(call: Call) -> Element:
    hard = call.body.get("DeleteType", "MoveToDeletedItems") == "HardDelete"

    def answer(mailbox: str, item_id: str, message: Element) -> None:
        call.org.delete_item(mailbox, item_id, hard=hard)

    return each_item(call, "DeleteItem", children(call.body, "m:ItemIds"), answer)


def get_attachment(call: Call) -> Element:
    """Each attachment asked for with its content; one that is not there fails only its own message."""
    response = el("m:GetAttachmentResponse")
    messages = sub(response, "m:ResponseMessages")
    for node in children(call.body, "m:AttachmentIds"):
        message = response_message("GetAttachment")
        try:
            found = attachment_of(node.get("Id", ""))
            if found is None:
                raise ItemNotFound(node.get("Id", ""))
            item_id, number = found
            item = call.org.get_item(call.item_owner(item_id), item_id)
            if not isinstance(item, StoredMessage) or number >= len(item.attachments):
                raise ItemNotFound(node.get("Id", ""))
            sub(message, "m:Attachments").append(ews_messages.file_attachment(item, number, content=True))
        except ItemNotFound:
            message = response_message("GetAttachment", EwsError("ErrorAttachmentNotFound", _NO_ATTACHMENT))
            sub(message, "m:Attachments")
        except EwsError as error:
            message = response_message("GetAttachment", error)
            sub(message, "m:Attachments")
        messages.append(message)
    return response
