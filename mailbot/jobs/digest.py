"""The end-of-day digest: one e-mail per supervisor per day about the people they look after."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mailbot.config import Settings
from mailbot.domain import MessageKind, OutgoingMessage, Person, Tracked
from mailbot.errors import BackendError
from mailbot.jobs.complaints import complaints_for
from mailbot.jobs.deps import Deps, JobResult
from mailbot.jobs.open_items import calendar_of, for_people, open_items
from mailbot.jobs.presence import Whereabouts, digest_cover, known_whereabouts, route
from mailbot.jobs.progress import for_team, in_progress
from mailbot.jobs.satisfaction import new_scores
from mailbot.jobs.weekly_status import digest_lines
from mailbot.policy.cover import covered
from mailbot.policy.digest import (
    Presence,
    StaffSection,
    build_digest,
    closed_today,
    closure_reason,
    render_digest,
    with_chart,
)
from mailbot.policy.horizon import LeftOutView, left_out_view
from mailbot.policy.messages import Message, OpenItem
from mailbot.policy.progress import progress_views, with_progress
from mailbot.policy.templates import TemplateRenderer
from mailbot.policy.triage import WeekAnswers
from mailbot.store import AuditEntry

JOB = "digest"
# What each job does in a mailbox, as the digest says it could not ("mailbot could not read the mailbox").
_FAILED_TO = {"apply_oof": "manage the automatic reply", "sync_mail": "read the mailbox",
              "weekly_status": "prepare the weekly status"}  # fmt: skip


@dataclass(frozen=True)
class Digest:
    supervisor: Person
    day: date
    message: Message
    sent: bool
    recipient: Person  # the supervisor, or the colleague covering while they are away


def digest(
    deps: Deps, now: datetime, *, send: bool = True, only: str | None = None, office: str | None = None,
    charts: bool = True,
) -> JobResult:  # fmt: skip
    """Build (and, with `send`, mail) each supervisor's digest (or only those of the supervisors in `office`, whose
    end of day it is); a supervisor gets at most one a day. `charts`: draw the HTML's chart of this week's on-time
    rate (left out when only the text is wanted: drawing takes matplotlib a moment)."""
    result = JobResult(JOB)
    settings = deps.settings
    items = open_items(settings, deps.store, now)
    progress = in_progress(settings, deps.store)
    failures = _failures(deps, now)
    places: dict[str, Whereabouts] = {}
    renderer = TemplateRenderer(settings.templates_dir)
    answered = deps.store.tracked_answered(now - timedelta(days=8))  # every office's week began since
    for supervisor in supervisors(deps):
        if (only is not None and supervisor.id != only) or (office is not None and supervisor.office != office):
            continue
        tz = ZoneInfo(supervisor.timezone)
        day = now.astimezone(tz).date()
        if send and not settings.calendar_for(supervisor).is_business_day(day):
            continue  # nobody wants a service-level digest for a day the office is closed
        sections = [_section(deps, person, items, now, failures, places) for person in _team(deps, supervisor)]
        sections += _shared_sections(deps, supervisor, items, now, failures)
        sections = _with_week(deps, sections, answered, day, tz)
        weekly = digest_lines(deps, _team(deps, supervisor), now)
        complaints = complaints_for(deps, supervisor, now)
        left_out = _left_out(deps, supervisor)
        args = (supervisor, sections, day, tz, settings.policy.organisation.name, weekly, complaints,
                [view for view, _ in left_out])  # fmt: skip
        model = build_digest(*args)
        seen = _problems_shown(deps, supervisor, day, model.problems_today)
        if seen:
            model = build_digest(*args, shown_before=seen)
        team = {p.id for p in _team(deps, supervisor)}
        model = with_progress(model, progress_views(for_team(progress, team), now, tz))
        last = _last_digest_day(deps, supervisor, day)
        since = now - timedelta(days=(day - last).days if last else 1)
        model = replace(model, satisfaction=new_scores(deps, team, since, now, tz))
        cover = digest_cover(deps, supervisor, now, places)
        model, images = with_chart(model, day) if charts else (model, ())
        message = render_digest(covered(model, cover, supervisor), renderer, images)
        keys = [key for _, key in left_out] + [_problem_key(supervisor, day, line) for line in model.problems_today]
        sent = send and not deps.dry_run and _send(deps, supervisor, day, message, now, result, keys, cover.recipient)
        result.details[supervisor.id] = Digest(supervisor, day, message, sent, cover.recipient)
    return result


def unsent(settings: Settings, now: datetime, *, only: str | None = None, any_sent: bool = False) -> list[str]:
    """Why `digest --send` sent (some) supervisors nothing: their office is closed today, or, when nothing went out
    at all, today's digests were already sent; one line per office where the organisation has several."""
    bosses = {p.supervisor for p in settings.people() if p.supervisor and only in (None, p.supervisor)}
    offices, several = sorted({settings.person(b).office for b in bosses}), len(settings.policy.offices) > 1
    lines = []
    for office in offices:
        calendar = settings.calendars[office]
        reason = closure_reason(calendar, now.astimezone(calendar.tz).date())
        if reason is not None:
            lines.append(f"nothing sent for the {office} office: it is {closed_today(reason)}" if several
                         else f"nothing sent: the office is {closed_today(reason)}")  # fmt: skip
        elif not any_sent:
            lines.append(f"nothing sent for the {office} office: today's digests were already sent" if several
                         else "nothing sent: today's digests were already sent")  # fmt: skip
    return lines


def _with_week(
    deps: Deps, sections: list[StaffSection], answered: list[Tracked], day: date, tz: ZoneInfo
) -> list[StaffSection]:
    """Each section with this week's answers (since Monday in the reader's zone): a person's are the messages they
    own, a shared mailbox's those it received; on time is answered by the deadline the standard set."""
    monday = datetime.combine(day - timedelta(days=day.weekday()), datetime.min.time(), tzinfo=tz)
    week = [t for t in answered if t.answered_at is not None and t.answered_at >= monday]
    shared = {str(box.email).lower() for box in deps.settings.roster.shared_mailboxes}
    found = []
    for section in sections:
        key = section.person.email.lower()
        mine = [t for t in week if (t.mailbox == key if key in shared else t.owner_id == section.person.id)]
        on_time = sum(t.answered_at is not None and t.answered_at <= t.due_at for t in mine)
        found.append(replace(section, week=WeekAnswers(len(mine), on_time)))
    return found


# IT problems are shown once, not every day unchanged: each digest sent claims a key per problem line and day
# (digest_problem:<supervisor>:<day>:<hash of the line>); a line the reader's last digest already showed is
# left out, so a new or changed problem shows, and one that recurs after a day without it shows again.
def _problem_key(supervisor: Person, day: date, line: str) -> str:
    return f"digest_problem:{supervisor.id}:{day.isoformat()}:{hashlib.sha256(line.encode()).hexdigest()[:32]}"


def _last_digest_day(deps: Deps, supervisor: Person, day: date) -> date | None:
    """The day of the last digest sent for this supervisor before `day`, looking back a fortnight."""
    for back in range(1, 15):
        earlier = day - timedelta(days=back)
        if deps.store.was_claimed(f"digest:{supervisor.id}:{earlier.isoformat()}"):
            return earlier
    return None


def _problems_shown(deps: Deps, supervisor: Person, day: date, lines: tuple[str, ...]) -> frozenset[str]:
    """Which of today's IT problem lines the reader's last digest showed already."""
    last = _last_digest_day(deps, supervisor, day)
    if last is None:
        return frozenset()
    return frozenset(line for line in lines if deps.store.was_claimed(_problem_key(supervisor, last, line)))


def supervisors(deps: Deps) -> list[Person]:
    ids = sorted({p.supervisor for p in deps.settings.people() if p.supervisor})
    return [deps.settings.person(i) for i in ids]


def _team(deps: Deps, supervisor: Person) -> list[Person]:
    return [p for p in deps.settings.people() if p.supervisor == supervisor.id]


def _section(
    deps: Deps,
    person: Person,
    items: list[OpenItem],
    now: datetime,
    failures: dict[str, list[AuditEntry]],
    places: dict[str, Whereabouts],
) -> StaffSection:
    own = [i for i in items if i.tracked.owner_id == person.id]
    where = known_whereabouts(deps, person, now, places)  # the run's reads, shared by every section and the cover
    # Who covers is who the nudges go to (presence.route): a departed person's successor, or whoever covers for
    # the successor while they are away; an away person's backup, else their supervisor.
    acting, covering, _ = route(deps, person, now, places)
    backup = acting if covering else None
    calendar = deps.settings.calendar_for(person)
    closed = closure_reason(calendar, now.astimezone(calendar.tz).date())
    presence = Presence(where.away, where.reply, where.return_at, backup, closed)
    problems = [f"mailbot could not read the calendar or automatic reply: {where.problem}"] if where.problem else []
    problems += _failed_today(deps, person.email, now, failures)
    return StaffSection(person, *_split(own), presence, tuple(dict.fromkeys(problems)))


def _failures(deps: Deps, now: datetime) -> dict[str, list[AuditEntry]]:
    """The mailboxes the jobs could not handle lately (noted in the audit), by mailbox: a day in any office began
    at most 25 hours ago (a day that gains an hour), so the entries of every office's today are among them."""
    found: dict[str, list[AuditEntry]] = {}
    for entry in deps.store.audit_entries(since=now - timedelta(hours=25)):
        if entry.action == "mailbox_failed" and entry.subject:
            found.setdefault(entry.subject, []).append(entry)
    return found


def _failed_today(deps: Deps, mailbox: str, now: datetime, failures: dict[str, list[AuditEntry]]) -> list[str]:
    """What the jobs could not do in `mailbox` today in its office, in words for the supervisor."""
    tz = calendar_of(deps.settings, mailbox).tz
    found = []
    for entry in failures.get(mailbox.lower(), []):
        if entry.at.astimezone(tz).date() == now.astimezone(tz).date():
            job, _, problem = entry.why.partition(": ")
            found.append(f"mailbot could not {_FAILED_TO.get(job, job)}: {problem.split(': ', 1)[-1]}")
    return found


def _shared_sections(
    deps: Deps, supervisor: Person, items: list[OpenItem], now: datetime, failures: dict[str, list[AuditEntry]]
) -> list[StaffSection]:
    """A shared mailbox gets its own section when the supervisor looks after one of its owners, with what mailbot
    could not do in it today."""
    team = {p.id for p in _team(deps, supervisor)}
    sections = []
    for box in deps.settings.roster.shared_mailboxes:
        if not team.intersection(box.owners):
            continue
        mailbox = Person(
            id=str(box.email), name=box.name, email=str(box.email), team="Shared mailbox", office=box.office,
            timezone=deps.settings.policy.offices[box.office].timezone,
        )  # fmt: skip
        shared = [i for i in for_people(items, deps.settings, set(box.owners)) if i.tracked.mailbox == mailbox.email]
        problems = tuple(dict.fromkeys(_failed_today(deps, mailbox.email, now, failures)))
        office = deps.settings.calendars[box.office]
        closed = closure_reason(office, now.astimezone(office.tz).date())
        sections.append(StaffSection(mailbox, *_split(shared), Presence(False, "none", None, None, closed), problems))
    return sections


def _left_out(deps: Deps, supervisor: Person) -> list[tuple[LeftOutView, str]]:
    """Older mail left out when tracking started in the mailboxes this supervisor's digest reports (see
    left_out_readers), not yet shown to them: each with the key that marks it shown once the digest is sent."""
    found, boxes = [], left_out_readers(deps)
    for record in deps.store.left_out():
        name, readers = boxes.get(record.mailbox, ("", frozenset()))
        key = f"left_out:{supervisor.id}:{record.mailbox}"
        if record.messages and supervisor.id in readers and not deps.store.was_claimed(key):
            zone = calendar_of(deps.settings, record.mailbox).tz
            found.append((left_out_view(name, record.messages, record.horizon, zone, ZoneInfo(supervisor.timezone)),
                          key))  # fmt: skip
    return sorted(found, key=lambda pair: pair[0].mailbox.casefold())


def left_out_readers(deps: Deps) -> dict[str, tuple[str, frozenset[str]]]:
    """Whose digest reports each mailbox's left-out mail, by address: the person's supervisor; for someone nobody
    supervises, their own digest if they get one, else the digests of the supervisors at the top (supervised by
    no one); for a shared mailbox, whoever reports its owners' mailboxes (the top, if it has no owners). So every
    count `track sync` gives reaches a digest, as long as anyone gets one."""
    people = deps.settings.people()
    bosses = {p.supervisor for p in people if p.supervisor}
    top = frozenset(b for b in bosses if not deps.settings.person(b).supervisor) or frozenset(bosses)

    def readers(person: Person) -> frozenset[str]:
        if person.supervisor:
            return frozenset({person.supervisor})
        return frozenset({person.id}) if person.id in bosses else top

    found = {p.email: (p.name, readers(p)) for p in people}
    for box in deps.settings.roster.shared_mailboxes:
        owners = frozenset().union(*(readers(deps.settings.person(owner)) for owner in box.owners))
        found[str(box.email).lower()] = (f"{box.name} (shared mailbox)", owners or top)
    return found


def _split(items: list[OpenItem]) -> tuple[tuple[OpenItem, ...], tuple[OpenItem, ...]]:
    emails = tuple(i for i in items if i.tracked.kind is MessageKind.EMAIL)
    return emails, tuple(i for i in items if i.tracked.kind is MessageKind.VOICEMAIL)


def _send(
    deps: Deps, supervisor: Person, day: date, message: Message, now: datetime, result: JobResult, shown: list[str],
    to: Person,
) -> bool:  # fmt: skip
    """Send the day's digest once, to `to` (the supervisor or whoever covers: the key is the supervisor's either
    way); `shown` are keys of what it tells only once (claimed with the send)."""
    store, sender = deps.store, deps.settings.service.backend.service_account
    key = f"digest:{supervisor.id}:{day.isoformat()}"
    whose = "" if to.id == supervisor.id else f" for {supervisor.name}"
    try:
        with store.transaction():
            if not store.claim(key, now, to.email):
                return False
            for once in shown:
                store.claim(once, now, to.email)
            outgoing = OutgoingMessage((to.email,), message.subject, message.html, message.text, inline=message.inline)
            deps.backend.send(sender, outgoing)
            store.audit(now, "mailbot", "digest_sent", supervisor.id, None, message.subject, f"digest for {day}")
    except BackendError as exc:
        result.problems.append(f"digest{whose} to {to.name} not sent: {exc}")
        return False
    result.changes.append(f"sent {to.name} the digest{whose}: {message.subject}")
    return True
