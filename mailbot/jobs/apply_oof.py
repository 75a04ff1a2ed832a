"""Keep every person's automatic replies in step with their calendar, never touching a reply they set."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from mailbot.domain import OofSettings, OofState, Person
from mailbot.errors import MailboxError
from mailbot.jobs.deps import Deps, JobResult, note_mailbox_failure
from mailbot.policy.absence import (
    Decision,
    OofPlan,
    calendar_span,
    covers,
    decide,
    find_absences,
    fingerprint,
    plan_oof,
)
from mailbot.policy.templates import TemplateRenderer
from mailbot.store import OofRecord

JOB = "apply_oof"


@dataclass(frozen=True)
class PersonOutcome:
    """What mailbot decided for one person, with the texts, for `oof plan` and the audit."""

    person: Person
    plan: OofPlan
    current: OofSettings
    decision: Decision
    done: bool


def plan_person(
    deps: Deps, person: Person, now: datetime, renderer: TemplateRenderer
) -> tuple[OofPlan, OofSettings, OofRecord | None, Decision]:
    """Read calendar, current reply and the record of mailbot's own, and decide; nothing is changed."""
    settings, email = deps.settings, person.email
    calendar = settings.calendar_for(person)
    events = []
    if person.active:
        events = deps.backend.calendar_view(email, *calendar_span(now, calendar, settings.policy.absence))
    absences = find_absences(events, person.id, calendar, settings.policy.absence)
    plan = plan_oof(
        person, absences, now, calendar, policy=settings.policy.absence, org=settings.policy.organisation,
        backup=_person(deps, person.backup), successor=_person(deps, person.successor), renderer=renderer,
        office_phone=settings.policy.offices[person.office].main_number,
    )  # fmt: skip
    # The record before the reply: a run that changes both in between changed the record this decision is made on,
    # so carrying it out finds that (see _carry_out); read the other way round, the reply could predate that change.
    record = deps.store.get_oof_record(person.id)
    current = deps.backend.get_oof(email)
    return plan, current, record, decide(plan, current, record.fingerprint if record else None, now=now)


def apply_oof(deps: Deps, now: datetime, *, only: str | None = None) -> JobResult:
    """One pass over the roster (or one person); each mailbox's failure is reported and the rest go on."""
    result = JobResult(JOB)
    renderer = TemplateRenderer(deps.settings.templates_dir)
    for person in deps.settings.people():
        if only is not None and person.id != only:
            continue
        try:
            outcome = apply_person(deps, person, now, renderer)
        except MailboxError as exc:
            result.problems.append(f"{person.name}: {exc}")
            note_mailbox_failure(deps, JOB, person.email, str(exc), now)
            continue
        result.details[person.id] = outcome
        if outcome.done:
            result.changes.append(f"{person.name}: {outcome.decision.why}")
        elif deps.dry_run and outcome.decision.action in ("set", "clear"):
            result.changes.append(f"{person.name} (dry run, not done): {outcome.decision.why}")
    return result


def apply_person(deps: Deps, person: Person, now: datetime, renderer: TemplateRenderer) -> PersonOutcome:
    plan, current, record, decision = plan_person(deps, person, now, renderer)
    done = False
    if decision.action in ("set", "clear") and not deps.dry_run:
        done = _carry_out(deps, person, current, record, decision, now)
        if not done:
            decision = Decision("unchanged", None, "Another mailbot run changed the automatic reply at the same "
                                "time; it stays as that run left it.")  # fmt: skip
    elif (
        decision.action == "leave_manual"
        and not deps.dry_run
        # Audit a person's own reply once per version of it, not on every hourly run.
        and deps.store.claim(f"oof-manual:{person.id}:{fingerprint(current)}", now)
    ):
        deps.store.audit(now, "mailbot", "oof_left_manual", person.id, _describe(current), None, decision.why)
    if not deps.dry_run and plan.action != "redirect":
        _note_absence(deps, person, plan, decision.settings if done and decision.settings else current, now)
    return PersonOutcome(person, plan, current, decision, done)


def _note_absence(deps: Deps, person: Person, plan: OofPlan, reply: OofSettings, now: datetime) -> None:
    """For the report: the absence the plan is about, and whether the reply now in place (mailbot's or the
    person's own) covers its start; absences not yet begun that the calendar no longer shows are forgotten."""
    absence = plan.absence
    if absence is None:
        deps.store.forget_absences(person.id, now)
        return
    with deps.store.transaction():
        deps.store.forget_absences(person.id, now, keep=absence.start)
        deps.store.note_absence(person.id, absence.start, absence.end, now, covered=covers(reply, absence))


def _carry_out(
    deps: Deps, person: Person, current: OofSettings, record: OofRecord | None, decision: Decision, now: datetime
) -> bool:
    """Set or clear the reply, recording it; False if another run changed mailbot's record of it first."""
    if decision.action == "set":
        assert decision.settings is not None, "a set decision carries the settings"
        new = decision.settings
    else:
        # Clearing turns mailbot's reply off and keeps its text, as a person switching it off would.
        new = replace(current, state=OofState.DISABLED, start=None, end=None)
    kept = None
    if new.state is not OofState.DISABLED:
        kept = OofRecord(person.id, fingerprint(new), new.state.value, new.start, new.end, now)
    with deps.store.transaction():
        # The record first, and only if it is still the one this decision was made on: of two runs deciding at the
        # same time one changes the reply and audits it, the other finds the record changed and leaves it. If the
        # change fails, the record rolls back and the next run decides again.
        if not deps.store.replace_oof_record(person.id, record, kept):
            return False
        deps.backend.set_oof(person.email, new)
        deps.store.audit(
            now, "mailbot", f"oof_{decision.action}", person.id, _describe(current), _describe(new), decision.why
        )
    return True


def _person(deps: Deps, person_id: str | None) -> Person | None:
    return deps.settings.person(person_id) if person_id else None


def _describe(settings: OofSettings) -> str:
    if settings.state is OofState.SCHEDULED and settings.start and settings.end:
        return f"scheduled {settings.start.isoformat()} .. {settings.end.isoformat()}"
    return settings.state.value
