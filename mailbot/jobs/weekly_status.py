"""Each person's weekly status: a voicemail script and status text from their calendar, mailed to them.

The job runs daily at service.yaml's `jobs.weekly_status.at`. The first run of a status week (which begins on
`jobs.weekly_status.day`) mails every active person; later runs mail only a person whose week changed, with the
change marked, and never twice on one day (the keyed claim weekly-status:<person>:<day>). A change to today or the
office's next business day cannot wait for the next morning: `urgent_only` runs (the service's weekly_status_urgent,
at the sync cadence) send it while the person's office is open, however often the week was sent that day, each
update of the week once (the keyed claim weekly-status:<person>:<week>:<n>, the week's n-th status). The person's
own automatic reply counts as an absence. Where the policy asks, the status text also becomes the Teams/Outlook
status message; EWS cannot set one, which is reported, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailbot.domain import OutgoingMessage, Person
from mailbot.errors import BackendError, MailboxError
from mailbot.jobs.deps import Deps, JobResult, note_mailbox_failure
from mailbot.policy.absence import fingerprint
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.messages import Message
from mailbot.policy.templates import TemplateRenderer, organisation_context, time_text
from mailbot.policy.weekly_away import OwnReply, own_reply
from mailbot.policy.weekly_message import (
    StatusMessage,
    change_text,
    digest_line,
    render_weekly,
    script_context,
    status_note,
    weekly_context,
    weekly_subject,
)
from mailbot.policy.weekly_status import (
    WEEKDAYS,
    SendDecision,
    StatusMessageRequest,
    WeekPlan,
    decide_send,
    load_days,
    plan_week,
    status_message_request,
    status_message_text,
    urgent,
    week_start,
)
from mailbot.store import WeeklyStatusRecord

JOB = "weekly_status"
URGENT = "weekly_status_urgent"  # the service's run of `weekly_status(urgent_only=True)` at the sync cadence
_LOOKBACK = timedelta(days=7)  # an absence under way keeps its real start and its merge across a weekend


@dataclass(frozen=True)
class WeeklyOutcome:
    """What the job found and did for one person; `message` is the e-mail when one was due."""

    person: Person
    plan: WeekPlan
    decision: SendDecision
    script: str
    status_text: str
    message: Message | None
    sent: bool
    status_message: StatusMessage
    why: str


def weekly_status(
    deps: Deps, now: datetime, *, only: str | None = None, office: str | None = None, urgent_only: bool = False
) -> JobResult:
    """One pass over the active staff (or one person, or the staff of `office`, whose morning it is); a mailbox that
    fails is reported and the rest go on. `urgent_only`: only updates that cannot wait, for staff whose office is
    open now and whose week was sent (nobody else's calendar is read)."""
    result = JobResult(URGENT if urgent_only else JOB)
    if not deps.settings.policy.weekly_status.enabled:
        return result
    renderer = TemplateRenderer(deps.settings.templates_dir)
    for person in deps.settings.people():
        if not person.active or (only is not None and person.id != only) or office not in (None, person.office):
            continue
        if urgent_only and not _may_be_urgent(deps, person, now):
            continue
        try:
            outcome = person_status(deps, person, now, renderer, urgent_only=urgent_only)
        except MailboxError as exc:
            result.problems.append(f"{person.name}: {exc}")
            note_mailbox_failure(deps, JOB, person.email, str(exc), now)
            continue
        except BackendError as exc:
            result.problems.append(f"weekly status to {person.name} not sent: {exc}")
            continue
        result.details[person.id] = outcome
        if outcome.sent:
            result.changes.append(f"{person.name}: {outcome.why}")
        elif deps.dry_run and outcome.message is not None:
            result.changes.append(f"{person.name} (dry run, not sent): {outcome.why}")
    return result


def person_status(
    deps: Deps, person: Person, now: datetime, renderer: TemplateRenderer, *, urgent_only: bool = False
) -> WeeklyOutcome:
    """Plan the person's week, decide whether it is news, and send it (unless dry run or sent today, where the
    news can wait for tomorrow)."""
    settings, store = deps.settings, deps.store
    policy, calendar = settings.policy.weekly_status, settings.calendar_for(person)
    today = now.astimezone(calendar.tz).date()
    start = week_start(today, WEEKDAYS.index(settings.service.jobs.weekly_status.day))
    begin = datetime.combine(start, time(), tzinfo=calendar.tz) - _LOOKBACK
    ahead = timedelta(days=7 + max(settings.policy.absence.window_days, 7) + 1)
    events = deps.backend.calendar_view(person.email, begin, begin + _LOOKBACK + ahead)
    plan = plan_week(person.id, events, start, calendar, absence=settings.policy.absence, callback=policy.callback,
                     own=_own_reply(deps, person, now))  # fmt: skip
    record = store.get_weekly_status(person.id, start)
    previous = load_days(record.plan) if record else None
    decision = decide_send(previous, plan, today, callbacks=policy.resend_on_callback_change)
    # Callers hear the old script today or on the next business day: send now, in office hours, sent today or not.
    pressing = urgent(decision, today, calendar)
    now_please = pressing and calendar.is_open(now)
    organisation = organisation_context(settings.policy.organisation.name, _main_number(deps, person))
    context = script_context(person, plan, policy.callback, organisation)
    script = renderer.render_text("voicemail_script", context)
    status_text = status_message_text(renderer.render_text("status_text", context))

    def outcome(message: Message | None, sent: bool, status: StatusMessage, why: str) -> WeeklyOutcome:
        return WeeklyOutcome(person, plan, decision, script, status_text, message, sent, status, why)

    daily = f"weekly-status:{person.id}:{today.isoformat()}"
    nth = f"weekly-status:{person.id}:{start.isoformat()}:{(record.sends if record else 0) + 1}"
    key = nth if now_please else daily
    if decision.action == "none":
        return outcome(None, False, "off", decision.why)
    if urgent_only and not now_please:
        return outcome(None, False, "off", "no change to today or the next business day; the next morning's run "
                                           "sends it")  # fmt: skip
    if not now_please and store.was_claimed(daily):
        return outcome(None, False, "off", "already sent today; the change goes out " + _later(calendar, now, pressing))
    changes = [change_text(c, policy.callback) for c in decision.changes]
    sent_before = record.last_sent_at.astimezone(calendar.tz) if record else None

    def message(status: StatusMessage) -> Message:
        context = weekly_context(person, plan, policy.callback, organisation, script=script, status_text=status_text,
                                 status_message=status, changes=decision.changes, previous=sent_before)  # fmt: skip
        return render_weekly(weekly_subject(plan, update=record is not None), context, renderer)

    what = "the week's first status" if record is None else "an update, the week changed: " + "; ".join(changes)
    if deps.dry_run:
        return outcome(message("off"), False, "off", f"{what} (status message not tried)")
    request = status_message_request(plan, status_text, calendar, policy)
    with store.transaction():
        if not store.claim(key, now, decision.action):  # the status message too is the winner's to set
            return outcome(None, False, "off", "already sent today by another run")
        status, note = _set_status(deps, person, request, calendar.tz)
        mail = message(status)
        sender = settings.service.backend.service_account
        deps.backend.send(sender, OutgoingMessage((person.email,), mail.subject, mail.html, mail.text))
        store.put_weekly_status(
            WeeklyStatusRecord(
                person.id, start, plan.fingerprint, plan.dump(), record.first_sent_at if record else now, now,
                (record.sends if record else 0) + 1, status, tuple(changes),
            )
        )  # fmt: skip
        action = "weekly_status_sent" if record is None else "weekly_status_updated"
        store.audit(now, "mailbot", action, person.id, record.fingerprint if record else None, plan.fingerprint,
                    f"sent {what}; {note}")  # fmt: skip
    return outcome(mail, True, status, f"sent {what}; {note}")


def _set_status(
    deps: Deps, person: Person, request: StatusMessageRequest | None, tz: ZoneInfo
) -> tuple[StatusMessage, str]:
    """Set the Teams/Outlook status message where the policy asks and the backend can; never stops the e-mail."""
    if request is None:
        return "off", status_note("off")
    try:
        done = deps.backend.set_status_message(person.email, request.text, request.expires)
    except BackendError as exc:
        deps.log.warning("status message not set", person=person.id, problem=str(exc))
        return "failed", status_note("failed", problem=str(exc))
    deps.log.info("status message", person=person.id, set=done, expires=request.expires.isoformat())
    if not done:
        return "not_supported", status_note("not_supported", backend=deps.backend.kind)
    return "set", status_note("set", until=request.expires.astimezone(tz))


def digest_lines(deps: Deps, people: list[Person], now: datetime) -> tuple[str, ...]:
    """For the supervisor's digest: whose weekly status was sent this week and when, one line per active person."""
    if not deps.settings.policy.weekly_status.enabled:
        return ()
    lines = []
    weekday = WEEKDAYS.index(deps.settings.service.jobs.weekly_status.day)
    for person in (p for p in people if p.active):
        tz = deps.settings.calendar_for(person).tz
        start = week_start(now.astimezone(tz).date(), weekday)
        record = deps.store.get_weekly_status(person.id, start)
        if record is None:
            lines.append(digest_line(person, tz, None))
            continue
        sent = (record.first_sent_at, record.last_sent_at)
        lines.append(digest_line(person, tz, sent, updates=record.sends - 1, changes=record.changes,
                                 status_set=record.status_message == "set"))  # fmt: skip
    return tuple(lines)


def _may_be_urgent(deps: Deps, person: Person, now: datetime) -> bool:
    """Whether an urgent run looks at the person: their office is open and their week's status went out."""
    calendar = deps.settings.calendar_for(person)
    if not calendar.is_open(now):
        return False
    day = WEEKDAYS.index(deps.settings.service.jobs.weekly_status.day)
    return deps.store.get_weekly_status(person.id, week_start(now.astimezone(calendar.tz).date(), day)) is not None


def _own_reply(deps: Deps, person: Person, now: datetime) -> OwnReply | None:
    """The person's own automatic reply (one mailbot did not set), as an absence for the script."""
    current = deps.backend.get_oof(person.email)
    record = deps.store.get_oof_record(person.id)
    ours = record is not None and record.fingerprint == fingerprint(current)
    return own_reply(current, ours, now, deps.settings.calendar_for(person).tz)


def _later(calendar: BusinessCalendar, now: datetime, pressing: bool) -> str:
    """When a change held back by today's status goes out: a pressing one once the office opens today, if it has
    yet to; any other on the next run tomorrow."""
    opening = calendar.next_opening(now)
    if pressing and opening.date() == now.astimezone(calendar.tz).date():
        return f"when the office opens at {time_text(opening)}"
    return "on the next run tomorrow"


def _main_number(deps: Deps, person: Person) -> str | None:
    return deps.settings.policy.offices[person.office].main_number or deps.settings.policy.organisation.main_number
