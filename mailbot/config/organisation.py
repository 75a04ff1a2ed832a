"""config/: the organisation. people.yaml (roster), policy.yaml (offices, hours, holidays, response rules)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import EmailStr, Field, field_validator, model_validator

from mailbot.config.assessment import AssessmentPolicy
from mailbot.config.automated import AutomatedMail
from mailbot.config.service import Hhmm, Strict
from mailbot.domain import PersonStatus
from mailbot.policy.business_time import parse_weekly_hours

_ID = r"^[a-z0-9][a-z0-9._-]*$"


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA timezone such as Europe/Berlin or America/New_York") from None
    return name


class PersonConfig(Strict):
    id: str = Field(pattern=_ID, description="Short stable id, e.g. the login name.")
    name: str = Field(min_length=1)
    email: EmailStr
    team: str = Field(min_length=1)
    office: str = Field(description="Key of an office in policy.yaml.")
    timezone: str | None = Field(default=None, description="Overrides the office timezone for this person.")
    supervisor: str | None = Field(default=None, description="Person id who gets this person's digest.")
    backup: str | None = Field(default=None, description="Person id who covers while this person is away.")
    deputy: str | None = Field(
        default=None,
        description="For a supervisor: the active person id who gets their digest while they are away "
        "(default: their backup).",
    )
    phone: str | None = None
    status: PersonStatus = PersonStatus.ACTIVE
    successor: str | None = Field(default=None, description="For departed staff: person id who now answers.")

    _tz = field_validator("timezone")(lambda v: v if v is None else _check_timezone(v))

    @model_validator(mode="after")
    def _departed_has_successor(self) -> PersonConfig:
        if self.status is PersonStatus.DEPARTED and not self.successor:
            raise ValueError("departed staff need a `successor` who now answers their mail")
        if self.backup is not None and self.backup == self.id:
            raise ValueError("a person cannot be their own backup")
        if self.deputy is not None and self.deputy == self.id:
            raise ValueError("a person cannot be their own deputy")
        return self


class SharedMailbox(Strict):
    email: EmailStr
    name: str
    owners: list[str] = Field(min_length=1, description="Person ids who answer this mailbox.")
    office: str


class Roster(Strict):
    """The whole of people.yaml."""

    people: list[PersonConfig] = Field(min_length=1)
    shared_mailboxes: list[SharedMailbox] = []


class HolidaySource(Strict):
    ics: str | None = Field(default=None, description="An .ics file relative to config/, all-day events = closed.")
    country: str | None = Field(default=None, description="ISO country code for the `holidays` package, e.g. US.")
    subdivision: str | None = Field(default=None, description="State/province code, e.g. NY.")


class OfficeConfig(Strict):
    timezone: str
    hours: dict[str, str | list[str]] = Field(
        description='Weekday or range -> "HH:MM-HH:MM" or a list of them, e.g. {mon-fri: "08:00-17:00"}.'
    )
    holidays: HolidaySource = HolidaySource()
    main_number: str | None = None

    _tz = field_validator("timezone")(_check_timezone)

    @field_validator("hours")
    @classmethod
    def _hours_shape(cls, hours: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        parse_weekly_hours(hours)  # the engine's own parser, so config and engine never disagree
        if not hours:
            raise ValueError("an office needs at least one open day")
        return hours


class EmailRule(Strict):
    business_days: int = Field(
        default=1, ge=0, le=30, description="Answer member e-mail within this many business days."
    )
    due_soon: float = Field(default=0.75, gt=0, lt=1, description="Share of the window after which it is due soon.")


class VoicemailRule(Strict):
    deadline: Literal["same_workday"] = "same_workday"
    due_soon: float = Field(default=0.75, gt=0, lt=1)
    message_classes: list[str] = ["IPM.Note.Microsoft.Voicemail.UM.CA", "IPM.Note.Microsoft.Voicemail.UM"]
    senders: list[str] = Field(default=[], description="Addresses of a voicemail-to-email gateway.")
    subject_patterns: list[str] = Field(default=[], description="Regular expressions on the subject.")

    @field_validator("subject_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        return patterns


class TouchpointRule(Strict):
    every_business_days: int = Field(
        default=1, ge=1, le=30, description="A member whose request is in progress hears from us this often."
    )
    category: str = Field(default="In progress", description="The Outlook category owners set on such a request.")


class ComplaintRule(Strict):
    keywords: list[str] = Field(
        default=[],
        description="Words or phrases that make a member message a complaint, matched case-insensitively at the "
        "start of a word in the subject or the opening of the message (the preview Exchange keeps of its first 255 "
        "characters), so `complain` also finds complaint and complained.",
    )

    @field_validator("keywords")
    @classmethod
    def _not_blank(cls, keywords: list[str]) -> list[str]:
        if any(not keyword.strip() for keyword in keywords):
            raise ValueError("a keyword must not be blank; it would match every message")
        return keywords


class TrackingPolicy(Strict):
    """Where tracking begins: member mail received earlier is never tracked, nudged or listed (the go-live horizon)."""

    since: date | Literal["first run"] = Field(
        default="first run",
        description="`first run`: mail from the first sync on; or a date (YYYY-MM-DD): mail from the start of that "
        "day in each mailbox's office timezone.",
    )

    @field_validator("since", mode="before")
    @classmethod
    def _since_shape(cls, value: object) -> object:
        # YAML reads 2026-11-02 as a date and 2026-11-02 09:00:00 as a datetime; either may also come quoted.
        if isinstance(value, datetime):
            value = value.isoformat()
        if isinstance(value, date):
            return value
        text = value.strip() if isinstance(value, str) else ""
        if text.lower() in ("first run", "first_run"):
            return "first run"
        found = re.fullmatch(r"(\d{4}-\d{2}-\d{2})([T ].*)?", text)
        if found and found[2]:
            raise ValueError(f"{text!r} has a time; write the day alone, e.g. {found[1]}")
        if found:
            try:
                return date.fromisoformat(text)
            except ValueError as exc:
                raise ValueError(f"{text!r} is not a date: {exc}") from None
        raise ValueError(f"{str(value)!r} is neither `first run` nor a date written YYYY-MM-DD (e.g. 2026-11-02)")


class Categories(Strict):
    no_reply_needed: str = "No reply needed"
    done: str = "Done"
    complaint: str = "Complaint"


class AbsencePolicy(Strict):
    window_days: int = Field(default=21, ge=1, le=365, description="How far ahead calendars are read.")
    categories: list[str] = ["Vacation", "Training"]
    keywords: list[str] = ["vacation", "holiday", "out of office", "training"]
    min_hours: float = Field(default=4, ge=0, description="Shorter absences get no automatic reply.")
    external_audience: Literal["none", "known", "all"] = "all"


class CallbackPolicy(Strict):
    """When a person promises to return calls: free time near the end of each day in the office."""

    minutes: int = Field(default=90, ge=15, le=480, description="Length of the callback window, e.g. 90 for 3:30-5:00.")
    latest_end: Hhmm | None = Field(
        default=None, description="Latest end of the window (local HH:MM); default: the office's closing time."
    )
    search_hours: float = Field(
        default=3, gt=0, le=12, description="How far before the latest end to look for free time in the calendar."
    )
    min_minutes: int = Field(
        default=30, ge=5, le=480, description="A shorter free stretch is not offered; the fallback applies."
    )
    fallback: Literal["text", "window"] = Field(
        default="text",
        description="When that part of the day is booked: say `fallback_text`, or promise `fallback_window` anyway.",
    )
    fallback_text: str = Field(
        default="before the end of the day",
        min_length=1,
        description='Ends the sentence "I return calls ..." when no window is free.',
    )
    fallback_window: str = Field(
        default="16:00-17:00", description='Local "HH:MM-HH:MM" promised when fallback is window.'
    )

    @field_validator("fallback_window")
    @classmethod
    def _window_shape(cls, window: str) -> str:
        parse_weekly_hours({"mon": window})  # the engine's own parser: "HH:MM-HH:MM", start before end
        return window

    @model_validator(mode="after")
    def _min_fits(self) -> CallbackPolicy:
        if self.min_minutes > self.minutes:
            raise ValueError("min_minutes cannot be longer than the window (`minutes`)")
        return self


class WeeklyStatusPolicy(Strict):
    """The weekly voicemail script and status text each person gets (service.yaml says when)."""

    enabled: bool = Field(default=True, description="Send each person their weekly status e-mail.")
    callback: CallbackPolicy = CallbackPolicy()
    set_status_message: bool = Field(
        default=True,
        description="Also set the short status text as the Teams/Outlook status message until the week ends "
        "(Exchange Online through Graph only; EWS has none and the e-mail says so).",
    )
    resend_on_callback_change: bool = Field(
        default=False,
        description="Re-send (at most daily) when only the callback hours changed; otherwise only a new or "
        "cancelled absence re-sends.",
    )


class SatisfactionPolicy(Strict):
    """The optional one-question member survey ("How did we do?"), asked once per answered request."""

    enabled: bool = Field(default=False, description="Ask members how we did once their request is answered.")
    deliver: list[Literal["message", "draft"]] = Field(
        default=["message"],
        min_length=1,
        description="message: a short e-mail to the member from mailbot's mailbox once the request is answered or "
        "marked Done; draft: a line with the five links at the end of the status update drafts mailbot saves.",
    )
    question: str = Field(default="How did we do?", min_length=1, max_length=200)
    delay_minutes: int = Field(
        default=60, ge=0, le=1440,
        description="The message waits this long after the answer, so a request marked In progress meanwhile "
        "waits for Done instead.",
    )  # fmt: skip
    expires_days: int = Field(default=14, ge=1, le=90, description="The links work this many days.")
    comment_max: int = Field(default=1000, ge=0, le=5000, description="Longest comment kept (characters).")


class OrganisationInfo(Strict):
    name: str
    domains: list[str] = Field(min_length=1, description="Mail domains of staff; other senders are members.")
    member_domains: list[str] = Field(default=[], description="Domains that count as members even if internal.")
    main_number: str | None = None


class Policy(Strict):
    """The whole of policy.yaml."""

    organisation: OrganisationInfo
    offices: dict[str, OfficeConfig] = Field(min_length=1)
    email: EmailRule = EmailRule()
    voicemail: VoicemailRule = VoicemailRule()
    touchpoint: TouchpointRule = TouchpointRule()
    tracking: TrackingPolicy = TrackingPolicy()
    categories: Categories = Categories()
    complaint: ComplaintRule = ComplaintRule()
    automated_mail: AutomatedMail = AutomatedMail()
    absence: AbsencePolicy = AbsencePolicy()
    weekly_status: WeeklyStatusPolicy = WeeklyStatusPolicy()
    satisfaction: SatisfactionPolicy = SatisfactionPolicy()
    assessment: AssessmentPolicy = AssessmentPolicy()
