"""The shape of a sandbox scenario (config/sandbox.yaml), as pydantic models; scenario.py seeds an Organisation from it.

Times stay as written (text, or the dates YAML reads) until the seeder places them in the week (relative.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from mailbot.sandbox.item_types import ItemType
from mailbot.sandbox.relative import HOW


def _text_or_date(value: object) -> object:
    """A time is text (or a date YAML read): YAML reads `+1` or an unquoted `10:30` as a number (the latter in base
    60), which pydantic would take for seconds since 1970."""
    if isinstance(value, str | date):  # a datetime is a date too
        return value
    raise ValueError(f"{value!r} is not a time (quote it if YAML reads it as a number); {HOW}.")


Time = Annotated[datetime | date | str, BeforeValidator(_text_or_date)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OofModel(_Model):
    state: Literal["disabled", "enabled", "scheduled"] = "disabled"
    audience: Literal["none", "known", "all"] = "all"
    start: Time | None = None
    end: Time | None = None
    internal: str = ""
    external: str = ""


class EventModel(_Model):
    subject: str
    start: Time
    end: Time
    all_day: bool = False
    show_as: Literal["free", "tentative", "busy", "oof", "working_elsewhere"] = "busy"
    categories: list[str] = []
    rrule: str | None = None
    exdates: list[Time] = []
    timezone: str | None = None
    cancelled: bool = False
    location: str = ""
    body: str = ""


class InboxModel(_Model):
    sender: str = Field(alias="from")
    subject: str
    received: Time
    to: list[str] = []
    cc: list[str] = []
    body: str = ""
    html: str | None = None
    headers: dict[str, str] = {}
    message_class: str | None = None  # default: IPM.Note, or the usual class of `item_type`
    item_type: ItemType | None = None  # e.g. MeetingRequest, PostItem, Item: another kind of item than e-mail
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = []
    categories: list[str] = []
    read: bool = False


class SentModel(_Model):
    to: list[str]
    subject: str
    sent: Time
    message_id: str | None = None
    cc: list[str] = []
    body: str = ""
    html: str | None = None
    in_reply_to: str | None = None
    references: list[str] = []
    categories: list[str] = []
    message_class: str | None = None
    item_type: ItemType | None = None


class MailboxModel(_Model):
    email: str
    name: str
    kind: Literal["user", "shared"] = "user"
    timezone: str | None = None
    upn: str = ""  # its user's principal name in the directory, where that is not the address (Graph)
    oof: OofModel = OofModel()
    calendar: list[EventModel] = []
    inbox: list[InboxModel] = []
    sent: list[SentModel] = []


class AccountModel(_Model):
    email: str
    password: str


class AppModel(_Model):
    """An Entra ID app registration for the token endpoint; its tokens act as the service account."""

    tenant_id: str
    client_id: str
    secret: str | None = None
    certificate: str | None = None  # the public certificate, PEM


class ScenarioModel(_Model):
    clock: Time | None = None
    timezone: str = "UTC"
    domains: list[str] = Field(min_length=1)
    service_account: AccountModel
    impersonation: Literal["all"] | list[str] = "all"
    mailboxes: list[MailboxModel] = []
    apps: list[AppModel] = []
