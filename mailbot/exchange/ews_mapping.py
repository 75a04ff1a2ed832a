"""exchangelib's models <-> mailbot's domain values, for the EWS backend: calendar events, automatic replies and
outgoing messages (mail folders' items are read in ews_read). Pure: no I/O, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import exchangelib
from exchangelib.attachments import FileAttachment

from mailbot.domain import CalendarEvent, ExternalAudience, OofSettings, OofState, OutgoingMessage, ShowAs
from mailbot.exchange.ews_read import aware

# The timezone fields let exchangelib turn all-day events into the organiser's dates, not the host's.
CALENDAR_FIELDS = ["subject", "start", "end", "is_all_day", "legacy_free_busy_status", "categories",
                   "is_recurring", "is_cancelled", "_start_timezone", "_end_timezone"]  # fmt: skip
_SHOW_AS = {"Free": ShowAs.FREE, "Tentative": ShowAs.TENTATIVE, "Busy": ShowAs.BUSY, "OOF": ShowAs.OOF,
            "WorkingElsewhere": ShowAs.WORKING_ELSEWHERE, "NoData": ShowAs.NO_DATA}  # fmt: skip
_AUDIENCE = {ExternalAudience.NONE: "None", ExternalAudience.KNOWN: "Known", ExternalAudience.ALL: "All"}


class _OofSettings(exchangelib.OofSettings):  # type: ignore[misc]
    """exchangelib refuses a scheduled end before *its* wall clock; mailbot runs on its own clock (--now)
    and the server is the judge of time, so that one check is left to Exchange. The rest still applies."""

    def clean(self, version: Any = None) -> None:
        me: Any = self  # exchangelib declares its fields dynamically; mypy cannot see them
        if me.state != me.SCHEDULED or not (me.start and me.end and me.start < me.end):
            super().clean(version=version)
            return
        me.state = me.ENABLED  # validate everything but the schedule, which is checked just above
        try:
            super().clean(version=version)
        finally:
            me.state = me.SCHEDULED
        me.start, me.end = me.start.astimezone(exchangelib.UTC), me.end.astimezone(exchangelib.UTC)


def oof_settings(oof: Any) -> OofSettings:
    """The automatic-reply settings exchangelib read."""
    return OofSettings(
        state=OofState(oof.state.lower()),
        internal_reply=oof.internal_reply or "",
        external_reply=oof.external_reply or "",
        external_audience=ExternalAudience((oof.external_audience or "All").lower()),
        start=aware(oof.start) if oof.start else None,
        end=aware(oof.end) if oof.end else None,
    )


def ews_oof(settings: OofSettings) -> Any:
    """exchangelib's settings to write, scheduled times in UTC."""
    scheduled = settings.state is OofState.SCHEDULED
    # exchangelib wants reply texts unless replies are off; an empty text written back stays empty then.
    blank = "" if settings.state is OofState.DISABLED else " "
    return _OofSettings(
        state=settings.state.value.capitalize(),
        external_audience=_AUDIENCE[settings.external_audience],
        internal_reply=settings.internal_reply or blank,
        external_reply=settings.external_reply or blank,
        # Exchange rejects some local forms; UTC is always accepted.
        start=ews_dt(settings.start) if scheduled and settings.start else None,
        end=ews_dt(settings.end) if scheduled and settings.end else None,
    )


def message(account: Any, folder: Any, message: OutgoingMessage) -> Any:
    """An exchangelib Message for `account`, to be saved into or sent from `folder`, its inline images attached
    (created with the item in one CreateItem from Exchange 2013 on; exchangelib attaches them after saving on 2010)."""
    item = exchangelib.Message(
        account=account, folder=folder, subject=message.subject, body=exchangelib.HTMLBody(message.html),
        to_recipients=[exchangelib.Mailbox(email_address=a) for a in message.to],
        cc_recipients=[exchangelib.Mailbox(email_address=a) for a in message.cc] or None,
        in_reply_to=message.in_reply_to,
    )  # fmt: skip
    for image in message.inline:
        item.attach(FileAttachment(name=image.name, content_type=image.content_type, content_id=image.content_id,
                                   is_inline=True, content=image.content))  # fmt: skip
    return item


def ews_dt(at: datetime) -> Any:
    """An aware datetime as exchangelib's EWSDateTime, in UTC."""
    return exchangelib.EWSDateTime.from_datetime(at.astimezone(UTC))


def event(item: Any, tz: Any) -> CalendarEvent:
    """A calendar item (with CALENDAR_FIELDS) as an event; all-day events span whole days in `tz`."""
    return CalendarEvent(
        item_id=str(item.id), subject=item.subject or "",
        start=_when(item.start, tz), end=_when(item.end, tz, end=True),
        all_day=bool(item.is_all_day), show_as=_SHOW_AS.get(item.legacy_free_busy_status or "", ShowAs.BUSY),
        categories=tuple(item.categories or ()), recurring=bool(item.is_recurring),
        cancelled=bool(item.is_cancelled),
    )  # fmt: skip


def _when(value: Any, tz: Any, *, end: bool = False) -> datetime:
    # exchangelib gives all-day events as dates, the end date inclusive: turn them back into the half-open
    # span [first midnight, midnight after the last day) in the timezone the caller asked in.
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value + timedelta(days=1 if end else 0), time(), tzinfo=tz)
    return aware(value)
