"""What every job receives, and the wrapper that records each run in the store (for catch-up and /healthz)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import structlog

from mailbot.config import Settings
from mailbot.domain import OutgoingMessage, Person
from mailbot.errors import BackendError, MailbotError
from mailbot.exchange.base import ExchangeBackend
from mailbot.jobs.open_items import calendar_of
from mailbot.policy.messages import Message
from mailbot.store import StateStore


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


def send_claimed(
    deps: Deps,
    recipient: Person,
    message: Message,
    keys: list[str],
    now: datetime,
    result: JobResult,
    *,
    what: str,
    action: str,
    detail: str,
) -> None:
    """Mail `message` to a colleague from mailbot's mailbox, claiming `keys` for it.

    Claims and the send share one transaction: if sending fails, nothing is marked as sent and the failure is
    reported as a problem of the run (`what` names the kind of message, e.g. "nudge").
    """
    store, sender = deps.store, deps.settings.service.backend.service_account
    try:
        with store.transaction():
            for key in keys:
                store.claim(key, now, recipient.email)
            deps.backend.send(sender, OutgoingMessage((recipient.email,), message.subject, message.html, message.text))
            store.audit(now, "mailbot", action, recipient.id, None, message.subject, detail)
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
