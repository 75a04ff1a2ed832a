"""EWS folder-level operations: GetFolder and FindItem (paged mail listing and expanded calendar views)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mailbot.sandbox import ews_items as items
from mailbot.sandbox import ews_messages
from mailbot.sandbox.ews_call import Call
from mailbot.sandbox.ews_xml import Element, EwsError, child_text, el, parse_time, q, response_message, sub
from mailbot.sandbox.records import StoredMessage

# name -> (display name, folder class, element, parent); an Exchange mailbox's standard hierarchy.
_FOLDERS = {
    "root": ("", None, "t:Folder", None),
    "msgfolderroot": ("Top of Information Store", "IPF.Note", "t:Folder", "root"),
    "inbox": ("Inbox", "IPF.Note", "t:Folder", "msgfolderroot"),
    "sentitems": ("Sent Items", "IPF.Note", "t:Folder", "msgfolderroot"),
    "drafts": ("Drafts", "IPF.Note", "t:Folder", "msgfolderroot"),
    "deleteditems": ("Deleted Items", "IPF.Note", "t:Folder", "msgfolderroot"),
    "calendar": ("Calendar", "IPF.Appointment", "t:CalendarFolder", "msgfolderroot"),
}
_CHILDREN = {"root": 1, "msgfolderroot": 5}
_MAX_CALENDAR_SPAN = timedelta(days=2 * 365)  # Exchange refuses calendar views longer than two years


def each_folder(call: Call, operation: str, container: Element | None,
                answer: Callable[[str, str, Element], None]) -> Element:  # fmt: skip
    """One response message per folder the request names; a bad folder fails only its own message."""
    response = el(f"m:{operation}Response")
    messages = sub(response, "m:ResponseMessages")
    for node in list(container) if container is not None else []:
        try:
            mailbox, folder = call.folder(node)
            message = response_message(operation)
            answer(mailbox, folder, message)
        except EwsError as error:
            message = response_message(operation, error)
        messages.append(message)
    return response


def get_folder(call: Call) -> Element:
    fields = {u.get("FieldURI", "").partition(":")[2] for u in call.body.iter(q("t:FieldURI"))}
    base = child_text(call.body.find(q("m:FolderShape")), "t:BaseShape") or "IdOnly"

    def answer(mailbox: str, folder: str, message: Element) -> None:
        sub(message, "m:Folders").append(_folder(call, mailbox, folder, fields, base))

    return each_folder(call, "GetFolder", call.body.find(q("m:FolderIds")), answer)


def _folder(call: Call, mailbox: str, name: str, fields: set[str], base: str) -> Element:
    display, folder_class, tag, parent = _FOLDERS[name]
    total, unread = call.org.folder_counts(mailbox, name) if name not in _CHILDREN else (0, 0)  # type: ignore[arg-type]
    values: list[tuple[str, object]] = [
        ("FolderId", None), ("ParentFolderId", None), ("FolderClass", folder_class), ("DisplayName", display),
        ("TotalCount", total), ("ChildFolderCount", _CHILDREN.get(name, 0)), ("EffectiveRights", None),
        ("DistinguishedFolderId", name), ("UnreadCount", unread if tag == "t:Folder" else None),
    ]  # fmt: skip
    node = el(tag)
    for field, value in values:
        if field != "FolderId" and field not in fields and base != "AllProperties":
            continue
        if field == "FolderId":
            sub(node, "t:FolderId", Id=call.org.folder_id(mailbox, name), ChangeKey="AQAAABYAAAA=")
        elif field == "ParentFolderId":
            if parent is not None:
                sub(node, "t:ParentFolderId", Id=call.org.folder_id(mailbox, parent), ChangeKey="AQAAAA==")
        elif field == "EffectiveRights":
            node.append(items.rights())
        elif value is not None:
            sub(node, f"t:{field}", value)
    return node


def find_item(call: Call) -> Element:
    shape = items.Shape.parse(call.body.find(q("m:ItemShape")))
    view = call.body.find(q("m:CalendarView"))
    paged = call.body.find(q("m:IndexedPageItemView"))
    if call.body.find(q("m:Restriction")) is not None or call.body.find(q("m:QueryString")) is not None:
        unsupported = EwsError("ErrorUnsupportedQueryFilter", "The sandbox does not evaluate FindItem "
                               "restrictions; use SyncFolderItems or filter on the client.")  # fmt: skip

        def refuse(mailbox: str, folder: str, message: Element) -> None:
            raise unsupported

        return each_folder(call, "FindItem", call.body.find(q("m:ParentFolderIds")), refuse)

    def answer(mailbox: str, folder: str, message: Element) -> None:
        where = call.where(mailbox, folder)
        if view is not None:
            found, last = _calendar_view(call, mailbox, folder, view, where, shape)
            root = sub(message, "m:RootFolder", TotalItemsInView=len(found), IncludesLastItemInRange=last)
        else:
            offset = int(paged.get("Offset", "0")) if paged is not None else 0
            limit = int(paged.get("MaxEntriesReturned", "1000")) if paged is not None else 1000
            everything = _listing(call, mailbox, folder, where, shape)
            found = everything[offset : offset + limit]
            last = offset + len(found) >= len(everything)
            root = sub(message, "m:RootFolder", IndexedPagingOffset=offset + len(found),
                       TotalItemsInView=len(everything), IncludesLastItemInRange=last)  # fmt: skip
        listed = sub(root, "t:Items")
        for node in found:
            listed.append(node)

    return each_folder(call, "FindItem", call.body.find(q("m:ParentFolderIds")), answer)


def _calendar_view(call: Call, mailbox: str, folder: str, view: Element, where: items.Where,
                   shape: items.Shape) -> tuple[list[Element], bool]:  # fmt: skip
    if folder != "calendar":
        raise EwsError("ErrorInvalidOperation", "A calendar view needs a calendar folder.")
    start = parse_time(view.get("StartDate", ""), call.timezone)
    end = parse_time(view.get("EndDate", ""), call.timezone)
    if end - start > _MAX_CALENDAR_SPAN:
        raise EwsError("ErrorCalendarViewRangeTooBig", "The calendar view range may not exceed two years.")
    occurrences = call.org.calendar_view(mailbox, start, end)
    limit = int(view.get("MaxEntriesReturned", str(len(occurrences) or 1)))
    shown = [items.calendar_item(o, where, shape) for o in occurrences[:limit]]
    return shown, len(occurrences) <= limit


def _listing(call: Call, mailbox: str, folder: str, where: items.Where, shape: items.Shape) -> list[Element]:
    if folder == "calendar":
        return [items.calendar_item(items.master(e), where, shape) for e in call.org.events(mailbox)]
    if folder not in ("inbox", "sentitems", "drafts", "deleteditems"):
        return []
    messages: list[StoredMessage] = call.org.messages(mailbox, folder)  # type: ignore[arg-type]
    newest_first = sorted(messages, key=lambda m: m.received_at, reverse=True)  # Outlook's (and EWS') default
    return [ews_messages.message(m, where, shape) for m in newest_first]
