"""What every job receives, and the wrapper that records each run in the store (for catch-up and /healthz)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import structlog

from mailbot.config import Settings
from mailbot.errors import MailbotError
from mailbot.exchange.base import ExchangeBackend
from mailbot.store import StateStore


@dataclass
class Deps:
    """The ports and settings a job works with; built once at the entry point."""

    settings: Settings
    backend: ExchangeBackend
    store: StateStore
    dry_run: bool = False
    log: Any = field(default_factory=lambda: structlog.get_logger("mailbot.jobs"))


@dataclass
class JobResult:
    """What a run did, for the CLI summary, the audit and metrics."""

    job: str
    changes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def note_mailbox_failure(deps: Deps, job: str, mailbox: str, problem: str, now: datetime) -> None:
    """Keep a mailbox that could not be handled in the audit, once per job and day, for the digest."""
    if deps.dry_run:
        return
    if deps.store.claim(f"failed:{job}:{mailbox.lower()}:{now.date().isoformat()}", now, problem):
        deps.store.audit(now, "mailbot", "mailbox_failed", mailbox.lower(), None, None, f"{job}: {problem}")


def run_job(name: str, step: Callable[[Deps, datetime], JobResult], deps: Deps, now: datetime) -> JobResult:
    """Run one job step and record the run; a known error becomes a failed run, never a crashed service."""
    log = deps.log.bind(job=name)
    try:
        result = step(deps, now)
    except MailbotError as exc:
        result = JobResult(name, problems=[str(exc)])
    if not deps.dry_run:
        error = "; ".join(result.problems)[:2000] or None
        deps.store.record_job_run(name, now, now, result.ok, error)
    log.info("job finished", changes=len(result.changes), problems=len(result.problems))
    return result
