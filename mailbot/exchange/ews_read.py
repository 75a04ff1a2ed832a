"""Reading mail folders over EWS with exchangelib: every type of item an Inbox or Sent Items can hold.

Besides t:Message a folder holds meeting requests and their answers, sharing invitations, posts and generic
t:Item elements (classes Exchange has no type for), and whatever a person moved in (contacts, tasks). Each is read
as far as its type has the properties a MailItem needs, and typed (ItemKind) so the job can judge or skip it; no
item type may break a sync, or the same page would come back on every run and the mailbox never be tracked again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import exchangelib
from exchangelib.extended_properties import ExtendedProperty
from exchangelib.fields import ExtendedPropertyField, FieldPath, TextField
from exchangelib.folders import BaseFolder
from exchangelib.items.calendar_item import BaseMeetingItem
from exchangelib.properties import ItemId
from exchangelib.services import GetItem, SyncFolderItems
from exchangelib.util import TNS
from exchangelib.version import EXCHANGE_2013

from mailbot.domain import ItemKind, MailItem

# What a MailItem needs, by exchangelib's names for the message properties (FieldURIs message:From, ...).
MESSAGE_FIELDS = [
    "subject", "sender", "author", "to_recipients", "cc_recipients", "datetime_received", "datetime_sent",
    "conversation_id", "message_id", "in_reply_to", "references", "headers", "categories", "item_class",
    "web_client_read_form_query_string",
]  # fmt: skip
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class AutoResponseSuppress(ExtendedProperty):  # type: ignore[misc]
    """PidTagAutoResponseSuppress: the automatic replies a message's sender asks not to get (X-Auto-Response-Suppress
    as Exchange keeps it, on internal mail too)."""

    property_tag = 0x3FDF
    property_type = "Integer"


# Read by hand from each item's element, so exchangelib's own models stay as they are: item:Preview (Exchange 2013
# and later: the body's first 256 characters as text), which exchangelib has no field for, and the property above.
PREVIEW = TextField("preview", field_uri="item:Preview", is_read_only=True, supported_from=EXCHANGE_2013)
AUTO_RESPONSE_SUPPRESS = ExtendedPropertyField("auto_response_suppress", value_cls=AutoResponseSuppress)


class Read(NamedTuple):
    """An item as exchangelib read it, with the properties read beside its model."""

    item: Any
    preview: str = ""
    auto_response_suppress: int | None = None


class SharingMessage(exchangelib.Message):  # type: ignore[misc]
    """t:SharingMessage (IPM.Sharing): a message with sharing actions, which exchangelib 5 has no model for."""

    ELEMENT_NAME = "SharingMessage"


_MODELS_EXCHANGELIB_LACKS = {f"{{{TNS}}}SharingMessage": SharingMessage}


def model_for(tag: str) -> type[Any]:
    """The exchangelib model for an item element; an element type it does not know is read as a generic Item."""
    if tag in _MODELS_EXCHANGELIB_LACKS:
        return _MODELS_EXCHANGELIB_LACKS[tag]
    try:
        return BaseFolder.item_model_from_tag(tag)  # type: ignore[no-any-return]
    except ValueError:
        return exchangelib.Item  # type: ignore[no-any-return]


class ChangedIds(SyncFolderItems):  # type: ignore[misc]
    """SyncFolderItems (shape IdOnly) reading each created or changed item's id whatever element type carries it:
    exchangelib refuses, in the middle of the page, element types it has no model for."""

    def _elem_to_obj(self, elem: Any) -> Any:
        change = self.change_types_map[elem.tag]
        if change in (self.CREATE, self.UPDATE):
            return change, ItemId.from_xml(elem=elem[0].find(ItemId.response_tag()), account=self.account)
        return super()._elem_to_obj(elem)


class GetAnyItem(GetItem):  # type: ignore[misc]
    """GetItem that reads every element type, those exchangelib has no model for too (see model_for), as Read."""

    def _elem_to_obj(self, elem: Any) -> Read:
        # The extra properties first: a model's from_xml clears the element it read.
        preview = PREVIEW.from_xml(elem=elem, account=self.account) or ""
        suppress = AUTO_RESPONSE_SUPPRESS.from_xml(elem=elem, account=self.account)
        return Read(model_for(elem.tag).from_xml(elem=elem, account=self.account), preview, suppress)


def fetch(account: Any, ids: list[tuple[str, str | None]]) -> list[Any]:
    """The items (as Read) with the properties in MESSAGE_FIELDS and the two above, in `ids` order; an exception
    object for each item the server could not return (deleted meanwhile, say)."""
    if not ids:
        return []
    paths = {FieldPath(field=exchangelib.Message.get_field_by_fieldname(name)) for name in MESSAGE_FIELDS}
    paths.add(FieldPath(field=AUTO_RESPONSE_SUPPRESS))
    if PREVIEW.supports_version(account.version):  # Exchange 2010 refuses the property
        paths.add(FieldPath(field=PREVIEW))
    return list(GetAnyItem(account=account).call(items=ids, additional_fields=paths, shape="IdOnly"))


def item_kind(item: Any) -> ItemKind:
    """What the server typed the item as: the element type, not the class (which a plug-in may have invented)."""
    if isinstance(item, SharingMessage):
        return ItemKind.SHARING
    if isinstance(item, BaseMeetingItem):
        return ItemKind.MEETING
    if isinstance(item, exchangelib.Message):
        return ItemKind.MESSAGE
    if isinstance(item, exchangelib.PostItem):
        return ItemKind.POST
    return ItemKind.OTHER  # a generic Item, or a contact, task or appointment someone moved into the folder


def mail_item(mailbox: str, folder: str, read: Read, owa: str = "") -> MailItem:
    """A MailItem from any item: properties its type lacks (a post's recipients, everything a message has that a
    generic item has not) read as empty. `owa` is Outlook on the web's address (https://host/owa/), which an
    Exchange 2010 link (a bare query string) is read against."""
    item = read.item
    sender = _get(item, "author") or _get(item, "sender")
    recipients = [*(_get(item, "to_recipients") or ()), *(_get(item, "cc_recipients") or ())]
    received, sent = _get(item, "datetime_received"), _get(item, "datetime_sent")
    conversation = _get(item, "conversation_id")
    return MailItem(
        mailbox=mailbox.lower(), item_id=str(item.id), message_id=_get(item, "message_id") or "",
        conversation_id=str(conversation.id) if conversation else "",
        sender=_address(sender), sender_name=str(getattr(sender, "name", "") or ""),
        recipients=tuple(_address(r) for r in recipients), subject=_get(item, "subject") or "",
        received_at=aware(received or sent) if received or sent else _EPOCH,
        sent_at=aware(sent) if sent else None, in_reply_to=_get(item, "in_reply_to") or None,
        references=tuple((_get(item, "references") or "").split()),
        headers=tuple((h.name, h.value) for h in _get(item, "headers") or ()),
        categories=tuple(_get(item, "categories") or ()), message_class=_get(item, "item_class") or "IPM.Note",
        folder=folder, kind=item_kind(item), preview=read.preview,
        auto_response_suppress=read.auto_response_suppress,
        web_link=web_link(_get(item, "web_client_read_form_query_string"), owa),
    )  # fmt: skip


def web_link(read_form: str | None, owa: str) -> str:
    """The item in Outlook on the web from WebClientReadFormQueryString: Exchange 2013 (CU3) and later give the whole
    URL; Exchange 2010 a query string to append to OWA's address ('?ae=Item&a=Open&t=IPM.Note&id=...'); '' when the
    server gave none, or only a query string with no OWA address to put it on (autodiscover gave no endpoint)."""
    value = (read_form or "").strip()
    if urlsplit(value).scheme in ("http", "https"):
        return value
    return owa + value if value.startswith("?") and owa else ""


def owa_address(ews_endpoint: str | None) -> str:
    """Outlook on the web beside an EWS endpoint: https://mail.example.org/EWS/Exchange.asmx gives
    https://mail.example.org/owa/ (both are virtual directories of the same Client Access server)."""
    parts = urlsplit(ews_endpoint or "")
    return f"{parts.scheme}://{parts.netloc}/owa/" if parts.scheme in ("http", "https") and parts.netloc else ""


def aware(value: Any) -> datetime:
    """exchangelib's EWSDateTime as a plain aware datetime in UTC."""
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


def _get(item: Any, name: str) -> Any:
    # exchangelib models only the properties of each item type: a PostItem has no to_recipients attribute at all.
    return getattr(item, name, None)


def _address(mailbox: Any) -> str:
    return str(getattr(mailbox, "email_address", "") or "").lower()
