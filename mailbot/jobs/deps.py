"""What every job receives, and the wrapper that records each run in the store (for catch-up and /healthz)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

import structlog

from mailbot.config import Settings
from mailbot.domain import OutgoingMessage, Person
from mailbot.errors import BackendError, MailbotError
from mailbot.exchange.base import ExchangeBackend
from mailbot.jobs.open_items import answerers_of, calendar_of
from mailbot.policy.messages import Message
from mailbot.policy.satisfaction import SurveyKeys
from mailbot.store import StateStore

T = TypeVar("T")


class Progress(Protocol):
    """Hears how far a long job has got: `done` of `total` mailboxes through `task` (e.g. "first sync (inboxes)").

    The entry point decides what to show (a progress bar on a terminal, systemd's STATUS=); jobs never print.
    """

    def __call__(self, task: str, done: int, total: int) -> None: ...


def no_progress(task: str, done: int, total: int) -> None:
    """The default Progress: nobody is watching."""


@dataclass
class Deps:
    """The ports and settings a job works with; built once at the entry point."""

    settings: Settings
    backend: ExchangeBackend
    store: StateStore
    dry_run: bool = False
    log: Any = field(default_factory=lambda: structlog.get_logger("mailbot.jobs"))
    progress: Progress = no_progress
    survey: SurveyKeys | None = field(default=None, repr=False)  # signs member survey links, while the survey is on


@dataclass
class JobResult:
    """What a run did, for the CLI summary, the audit and metrics."""

    job: str
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    aborted: bool = False  # the job as a whole failed (e.g. the server refused the credentials), not some mailboxes

    @property
    def ok(self) -> bool:
        return not self.problems


def note_mailbox_failure(deps: Deps, job: str, mailbox: str, problem: str, now: datetime) -> None:
    """Keep a mailbox that could not be handled in the audit, once per job and day in its office, for the digest
    (which lists the day's failures in the office's day, so the key's day must be that one too)."""
    if deps.dry_run:
        return
    day = now.astimezone(calendar_of(deps.settings, mailbox).tz).date()
    if deps.store.claim(f"failed:{job}:{mailbox.lower()}:{day.isoformat()}", now, problem):
        deps.store.audit(now, "mailbot", "mailbox_failed", mailbox.lower(), None, None, f"{job}: {problem}")


def duty_key(kind: str, owner_id: str, mailbox: str, *about: str) -> str:
    """The key claimed when `owner`'s part in something in `mailbox` is told (e.g. an item's level, a due update):
    once per owner, whoever is told (the owner, or whoever acts for them)."""
    return ":".join((kind, owner_id, mailbox, *about))


def told(deps: Deps, kind: str, owner: Person, mailbox: str, *about: str) -> bool:
    """Whether `owner`'s part in something was told already (see duty_key).

    Before, these keys named whoever was told. Such an old key naming someone who may act for `owner` (backup,
    supervisor, successor) and who does not answer `mailbox` themselves is taken as told on the owner's behalf: a
    new key names only the mailbox's own people, so no new key is mistaken for one.
    """
    store = deps.store
    if store.was_claimed(duty_key(kind, owner.id, mailbox, *about)):
        return True
    answer = {person.id for person in answerers_of(deps.settings, mailbox)}
    acting = dict.fromkeys(p for p in (owner.backup, owner.supervisor, owner.successor) if p and p not in answer)
    return any(store.was_claimed(duty_key(kind, person_id, mailbox, *about)) for person_id in acting)


def send_claimed(
    deps: Deps,
    recipient: Person,
    entries: Sequence[tuple[T, str]],
    compose: Callable[[list[T]], Message],
    now: datetime,
    result: JobResult,
    *,
    what: str,
    action: str,
    counted: str,
) -> None:
    """Mail a colleague, from mailbot's mailbox, the message `compose` makes of the `entries` whose keys this run
    claims (each entry is something to tell once, with its key).

    A key another run holds is not this run's: its entry is left out, and with none left nothing is sent. Claims and
    the send share one transaction: if sending fails, nothing is marked as sent and the failure is reported as a
    problem of the run (`what` names the kind of message, e.g. "nudge"; the audit counts the entries told as
    `counted`, e.g. "item(s)"). A run claiming the same key meanwhile waits for that transaction: it finds the key
    taken once the message went, and free (to send it itself) if sending failed.
    """
    store, sender = deps.store, deps.settings.service.backend.service_account
    try:
        with store.transaction():
            # In one order everywhere, so two runs claiming overlapping keys cannot wait for each other in a circle.
            won = {key for key in sorted({key for _, key in entries}) if store.claim(key, now, recipient.email)}
            mine = [entry for entry, key in entries if key in won]
            if not mine:
                deps.log.info("another run claimed it first", what=what, recipient=recipient.id)
                return
            message = compose(mine)
            deps.backend.send(sender, OutgoingMessage((recipient.email,), message.subject, message.html, message.text))
            store.audit(now, "mailbot", action, recipient.id, None, message.subject, f"{len(mine)} {counted}")
    except BackendError as exc:
        result.problems.append(f"{what} to {recipient.name} not sent: {exc}")
        return
    result.changes.append(f"nudged {recipient.name}: {message.subject}")


def run_job(name: str, step: Callable[[Deps, datetime], JobResult], deps: Deps, now: datetime) -> JobResult:
    """Run one job step and record the run; a known error becomes a failed run, never a crashed service."""
    log = deps.log.bind(job=name)
    try:
        result = step(deps, now)
    except MailbotError as exc:
        result = JobResult(name, problems=[str(exc)], aborted=True)
    if not deps.dry_run:
        error = "; ".join(result.problems)[:2000] or None
        deps.store.record_job_run(name, now, now, result.ok, error)
    log.info("job finished", changes=len(result.changes), problems=len(result.problems))
    return result
