"""Each person's weekly status: a voicemail script and status text from their calendar, mailed to them.

The job runs daily at service.yaml's `jobs.weekly_status.at`. The first run of a status week (which begins on
`jobs.weekly_status.day`) mails every active person; later runs mail only a person whose week changed, with the
change marked, and never twice on one day (the keyed claim weekly-status:<person>:<day>). Where the policy asks,
the status text also becomes the Teams/Outlook status message; EWS cannot set one, which is reported, not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailbot.domain import OutgoingMessage, Person
from mailbot.errors import BackendError, MailboxError
from mailbot.jobs.deps import Deps, JobResult, note_mailbox_failure
from mailbot.policy.messages import Message
from mailbot.policy.templates import TemplateRenderer, organisation_context
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
    week_start,
)
from mailbot.store import WeeklyStatusRecord

JOB = "weekly_status"
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


def weekly_status(deps: Deps, now: datetime, *, only: str | None = None, office: str | None = None) -> JobResult:
    """One pass over the active staff (or one person, or the staff of `office`, whose morning it is); a mailbox that
    fails is reported and the rest go on."""
    result = JobResult(JOB)
    if not deps.settings.policy.weekly_status.enabled:
        return result
    renderer = TemplateRenderer(deps.settings.templates_dir)
    for person in deps.settings.people():
        if not person.active or (only is not None and person.id != only) or office not in (None, person.office):
            continue
        try:
            outcome = person_status(deps, person, now, renderer)
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


def person_status(deps: Deps, person: Person, now: datetime, renderer: TemplateRenderer) -> WeeklyOutcome:
    """Plan the person's week, decide whether it is news, and send it (unless dry run or sent today)."""
    settings, store = deps.settings, deps.store
    policy, calendar = settings.policy.weekly_status, settings.calendar_for(person)
    today = now.astimezone(calendar.tz).date()
    start = week_start(today, WEEKDAYS.index(settings.service.jobs.weekly_status.day))
    begin = datetime.combine(start, time(), tzinfo=calendar.tz) - _LOOKBACK
    ahead = timedelta(days=7 + max(settings.policy.absence.window_days, 7) + 1)
    events = deps.backend.calendar_view(person.email, begin, begin + _LOOKBACK + ahead)
    plan = plan_week(person.id, events, start, calendar, absence=settings.policy.absence, callback=policy.callback)
    record = store.get_weekly_status(person.id, start)
    previous = load_days(record.plan) if record else None
    decision = decide_send(previous, plan, today, callbacks=policy.resend_on_callback_change)
    organisation = organisation_context(settings.policy.organisation.name, _main_number(deps, person))
    context = script_context(person, plan, policy.callback, organisation)
    script = renderer.render_text("voicemail_script", context)
    status_text = status_message_text(renderer.render_text("status_text", context))

    def outcome(message: Message | None, sent: bool, status: StatusMessage, why: str) -> WeeklyOutcome:
        return WeeklyOutcome(person, plan, decision, script, status_text, message, sent, status, why)

    key = f"weekly-status:{person.id}:{today.isoformat()}"
    if decision.action == "none":
        return outcome(None, False, "off", decision.why)
    if store.was_claimed(key):
        return outcome(None, False, "off", "already sent today; the change goes out on the next run tomorrow")
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
    status, note = _set_status(deps, person, request, calendar.tz)
    mail = message(status)
    with store.transaction():
        if not store.claim(key, now, decision.action):
            return outcome(None, False, status, "already sent today by another run")
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


def _main_number(deps: Deps, person: Person) -> str | None:
    return deps.settings.policy.offices[person.office].main_number or deps.settings.policy.organisation.main_number
