"""Plain-text summaries for people at a terminal (the CLI prints them; nothing here prints)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from mailbot.assessment.satisfaction import Satisfaction
from mailbot.config import Settings
from mailbot.config.loader import SANDBOX_SURVEY_SECRET
from mailbot.demo import DemoResult
from mailbot.domain import OofSettings, OofState, TrackingStart, TrackState
from mailbot.errors import UnknownNameError
from mailbot.jobs.apply_oof import PersonOutcome
from mailbot.jobs.open_items import calendar_of
from mailbot.jobs.weekly_status import WeeklyOutcome
from mailbot.policy.business_time import BusinessCalendar
from mailbot.policy.horizon import horizon
from mailbot.policy.messages import OpenItem, one_line
from mailbot.policy.progress import InProgress
from mailbot.policy.time_words import when

_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def describe_settings(settings: Settings, now: datetime, checked: Sequence[str] = ()) -> str:
    """The configuration in a few lines for `mailbot check`, then the lines of what else was `checked`."""
    people = settings.people()
    active = sum(p.active for p in people)
    backend = settings.service.backend
    where = "embedded sandbox Exchange" if backend.sandbox else _endpoint(settings)
    if backend.sandbox and backend.sandbox_url:
        where = f"the sandbox Exchange at {backend.sandbox_url}"
    lines = [
        f"Configuration OK: {settings.service_file}",
        f"  organisation: {settings.policy.organisation.name} ({settings.organisation_dir})",
        f"  people: {len(people)} ({active} active, {len(people) - active} departed), "
        f"shared mailboxes: {len(settings.roster.shared_mailboxes)}",
        f"  backend: {backend.kind} via {where}, acting as {backend.service_account}",
        f"  state: {settings.service.state.url}",
        f"  mode: {'dry run (no changes in Exchange)' if settings.service.dry_run else 'live'}",
    ]
    for name, cal in settings.calendars.items():
        lines.append(f"  office {name}: {describe_office(cal, now)}")
    rules = settings.policy
    lines.append(
        f"  rules: e-mail within {rules.email.business_days} business day(s), "
        f"voicemail {rules.voicemail.deadline.replace('_', ' ')}, "
        f"touchpoint every {rules.touchpoint.every_business_days} business day(s)"
    )
    lines.append(f"  tracking: {_tracking(settings, now)}")
    lines.append(f"  member survey: {_survey(settings)}")
    return "\n".join([*lines, *checked])


def _survey(settings: Settings) -> str:
    rule, survey = settings.policy.satisfaction, settings.service.survey
    if not rule.enabled or survey is None:
        return "off"
    ways = {"message": "an e-mail once answered", "draft": "status update drafts"}
    how = " and ".join(ways[d] for d in rule.deliver)
    trial = settings.service.backend.sandbox and settings.survey_secret() == SANDBOX_SURVEY_SECRET
    served = f"{survey.public_url} (served on {survey.host}:{survey.port})"
    key = "; signed with the sandbox's trial key (no secret set)" if trial else ""
    return f"by {how}, links at {served} for {rule.expires_days} days{key}"


def _tracking(settings: Settings, now: datetime) -> str:
    """Where tracking starts, and whether a `tracking.since` date is still ahead (then nothing is tracked yet)."""
    since = settings.policy.tracking.since
    if not isinstance(since, date):
        return "member mail received from the first sync on; older mail is left out"
    line = f"member mail received from the start of {since} in each office on; older mail is left out"
    begins = [horizon(TrackingStart(now, since), cal.tz) for cal in settings.calendars.values()]
    if now < min(begins):
        return f"{line}; {since} is still ahead: nothing is tracked until that day begins"
    if now < max(begins):
        return f"{line}; {since} has begun in some offices only: nothing is tracked in the others until it does"
    return line


def _endpoint(settings: Settings) -> str:
    backend = settings.service.backend
    if backend.kind == "ews" and backend.ews is not None:
        return backend.ews.endpoint or "autodiscover"
    return backend.graph.base_url if backend.graph is not None else "?"


def describe_office(cal: BusinessCalendar, now: datetime) -> str:
    local = now.astimezone(cal.tz)
    state = "open now" if cal.is_open(local) else f"closed, opens {when(cal.next_opening(local))}"
    closed = [d for d in (local.date() + timedelta(days=i) for i in range(60)) if d in cal.holidays]
    upcoming = ", ".join(f"{_DAYS[d.weekday()]} {d.isoformat()}" for d in closed[:3]) or "none in 60 days"
    return f"{cal.tz.key}, {state}; next holidays: {upcoming}"


def deadline_office(settings: Settings, office: str | None) -> str:
    """The office whose hours a deadline is counted in: the one named, else the first in policy.yaml."""
    name = office or next(iter(settings.calendars))
    if name not in settings.calendars:
        raise UnknownNameError("office", name, list(settings.calendars))
    return name


def describe_deadline(settings: Settings, received: datetime, kind: str, office: str | None) -> str:
    name = deadline_office(settings, office)
    cal = settings.calendars[name]
    local = received.astimezone(cal.tz)
    starts = cal.next_opening(local)
    if kind == "voicemail":
        due, rule = cal.end_of_workday(local), "same workday"
    else:
        days = settings.policy.email.business_days
        due, rule = cal.add_business_days(local, days), f"{days} business day(s)"
    lines = [
        f"received: {when(local)}",
        f"clock starts: {when(starts)}" + ("" if starts == local else " (next opening)"),
        f"due: {when(due)} ({kind}, {rule}, office {name})",
    ]
    return "\n".join(lines)


def describe_oof(outcome: PersonOutcome, *, show_text: bool = True) -> str:
    """One person's out-of-office decision, readable by a supervisor."""
    person, plan, decision = outcome.person, outcome.plan, outcome.decision
    verb = {"set": "will set", "clear": "will clear", "leave_manual": "leaves alone", "unchanged": "keeps"}
    done = {"set": "set", "clear": "cleared", "leave_manual": "left alone", "unchanged": "kept"}
    action = (done if outcome.done else verb)[decision.action]
    lines = [
        f"{person.name} <{person.email}>: mailbot {action} the automatic reply",
        f"  plan: {plan.why}",
        f"  in Exchange now: {_oof_state(outcome.current, ZoneInfo(person.timezone))}",
        f"  decision: {decision.why}",
    ]
    if show_text and decision.action == "set":
        for label, rendered in (("internal reply", plan.internal), ("external reply", plan.external)):
            if rendered is not None:
                lines.append(f"  {label}:")
                lines += [f"    | {line}" for line in rendered.text.strip().splitlines()]
    return "\n".join(lines)


def describe_weekly(outcome: WeeklyOutcome, *, show_text: bool = True) -> str:
    """One person's weekly status: sent or why not, then the voicemail script and the status text."""
    person = outcome.person
    done = "sent" if outcome.sent else "would be sent" if outcome.message is not None else "not sent"
    lines = [f"{person.name} <{person.email}>: weekly status {done}", f"  why: {outcome.why}"]
    if show_text:
        lines.append("  voicemail script:")
        lines += [f"    | {line}" for line in outcome.script.strip().splitlines()]
        lines.append(f"  status text: {outcome.status_text}")
    return "\n".join(lines)


def _oof_state(settings: OofSettings, tz: ZoneInfo) -> str:
    if settings.state is OofState.SCHEDULED and settings.start and settings.end:
        return f"scheduled {when(settings.start.astimezone(tz))} to {when(settings.end.astimezone(tz))}"
    return settings.state.value


def status_table(settings: Settings, items: list[OpenItem], now: datetime, progress: Sequence[InProgress] = ()) -> str:
    """Open member messages per owner for a terminal, overdue first, then by due time; with them each request in
    progress (kind `update`), due when its member is due the next status update."""
    if not items and not progress:
        return "No member messages are waiting for an answer."
    order = {TrackState.OVERDUE: 0, TrackState.DUE_SOON: 1, TrackState.ON_TRACK: 2}
    keyed = [((i.tracked.owner_id, order.get(i.state, 3), _utc(i.tracked.due_at)), _status_row(settings, i))
             for i in items]  # fmt: skip
    keyed += [((e.touchpoint.owner_id, 0 if e.overdue(now) else 2, _utc(e.due_at)), _update_row(settings, e, now))
              for e in progress]  # fmt: skip
    header = ("owner", "state", "kind", "due", "age (bh)", "from", "subject")
    table = [header] + [row for _, row in sorted(keyed, key=lambda pair: pair[0])]
    widths = [min(max(len(r[c]) for r in table), 40) for c in range(len(header))]
    lines = ["  ".join(cell[:40].ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    overdue = sum(i.state is TrackState.OVERDUE for i in items)
    lines.insert(1, "  ".join("-" * w for w in widths))
    local = now.astimezone(settings.first_office.tz)
    late = sum(e.overdue(now) for e in progress)
    updates = f"; {len(progress)} in progress, {late} update(s) overdue" if progress else ""
    return "\n".join([*lines, "", f"{len(items)} open, {overdue} overdue{updates} (as of {when(local)})"])


def _status_row(settings: Settings, item: OpenItem) -> tuple[str, ...]:
    t = item.tracked
    owner = next((p.name for p in settings.people() if p.id == t.owner_id), item.mailbox_name or t.owner_id)
    due = when(t.due_at.astimezone(settings.first_office.tz))
    hours = f"{item.age.total_seconds() / 3600:.1f}"
    sender = one_line(t.sender_name or t.sender)
    return (owner, item.state.value.replace("_", " "), t.kind.value, due, hours, sender, one_line(t.subject))


def _update_row(settings: Settings, entry: InProgress, now: datetime) -> tuple[str, ...]:
    """A request in progress: due its next status update; its age is the business time since the last one."""
    tp = entry.touchpoint
    owner = next((p.name for p in settings.people() if p.id == tp.owner_id), entry.mailbox_name or tp.owner_id)
    due = when(entry.due_at.astimezone(settings.first_office.tz))
    hours = f"{calendar_of(settings, tp.mailbox).elapsed(tp.last_touch_at, now).total_seconds() / 3600:.1f}"
    state = "overdue" if entry.overdue(now) else "on track"
    return (owner, state, "update", due, hours, one_line(tp.sender_name or tp.sender), one_line(tp.subject))


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def describe_demo(result: DemoResult) -> str:
    """The demo week, a day per paragraph, then what it adds up to."""
    lines: list[str] = []
    for day in result.days:
        head = (
            f"{day.day:%A} {day.day.day} {day.day:%B}: {day.tracked} member message(s) tracked, {day.answered} answered"
        )
        lines += ["", head]
        lines += [f"  - {h}" for h in day.happenings]
        lines += [f"  * out of office: {c}" for c in day.oof]
        lines += [f"  * {c}" for c in day.nudges]
        lines += [f"  * {c}" for c in day.digests]
        lines += [f"  * survey: {c}" for c in day.surveys]
        lines += [f"  * weekly status: {c}" for c in day.weekly]
    lines += [
        "",
        f"Answered by a reply: {result.answered} ({result.within_deadline} within the standard); "
        f"still open at the end: {result.open_at_end}.",
    ]
    if result.surveys is not None:
        lines.append(_surveys_line(result.surveys))
    lines += [f"Could not manage: {p}" for p in result.problems]
    if result.digest_path is not None:
        lines.append(f"Last digest (HTML): {result.digest_path}")
    return "\n".join(lines)


def _surveys_line(surveys: Satisfaction) -> str:
    """The demo week's member survey in a sentence: asked, answered, the average and the comments."""
    if not surveys.sent:
        return "Member survey: nobody was asked yet."
    average = "" if surveys.average is None else f", average {surveys.average:.1f} of 5"
    comments = f", {len(surveys.comments)} with a comment" if surveys.comments else ""
    return (f"Member survey: {surveys.sent} member(s) asked how we did, {surveys.answered} answered through the "
            f"survey links{average}{comments} (`mailbot report` shows them).")  # fmt: skip


def describe_served_sandbox(
    scenario: Path, url: str, ca_bundle: Path | None, service_file: Path, *, strict: bool = False
) -> str:
    """What `mailbot sandbox serve` serves, and the service.yaml lines that point mailbot at it."""
    checked = " (strict: every EWS message checked against the schema)" if strict else ""
    lines = [
        f"sandbox Exchange for {scenario} at {url} (Ctrl-C stops it)",
        f"  EWS: {url}/EWS/Exchange.asmx{checked}",
        f"  Microsoft Graph: {url}/v1.0, app tokens from {url}/{{tenant}}/oauth2/v2.0/token",
    ]
    if ca_bundle is not None:
        lines.append(f"  HTTPS certificate signed by a CA made for this run, written to {ca_bundle}")
    lines += ["To use it, put this in the backend section of service.yaml:", "  sandbox: true", f"  sandbox_url: {url}"]
    if ca_bundle is not None:
        lines.append(f"  sandbox_ca_bundle: {_relative_to(ca_bundle, service_file.resolve().parent)}")
    return "\n".join(lines)


def _relative_to(path: Path, folder: Path) -> Path:
    """`path` as service.yaml would name it: relative to its folder when inside it."""
    return path.relative_to(folder) if path.is_relative_to(folder) else path
