"""Wiring at the entry point: settings + clock -> store, backend (or the embedded sandbox) -> job deps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from mailbot.clock import Clock
from mailbot.config import Settings
from mailbot.exchange.base import SandboxAccess, connect
from mailbot.jobs import Deps
from mailbot.store import open_store


@contextmanager
def open_deps(
    settings: Settings, clock: Clock, *, dry_run: bool = False, sandbox: SandboxAccess | None = None
) -> Iterator[Deps]:
    """Everything a job needs, opened now and closed on exit (sandbox included, when configured).

    `sandbox` connects to a sandbox the caller already runs (the demo plays the staff on it).
    """
    with ExitStack() as stack:
        store = open_store(settings.state_url(with_password=True))
        stack.callback(store.close)
        if sandbox is None and settings.service.backend.sandbox:
            sandbox = stack.enter_context(_sandbox(settings, clock))
        backend = connect(settings.service.backend, settings.service_file.parent, sandbox)
        stack.callback(backend.close)
        yield Deps(settings, backend, store, dry_run=dry_run or settings.service.dry_run)


@contextmanager
def _sandbox(settings: Settings, clock: Clock) -> Iterator[SandboxAccess]:
    """The sandbox Exchange: one already serving at backend.sandbox_url, or one started in-process now.

    An in-process sandbox shares mailbot's clock, so `--now` moves both; it starts from the scenario each time.
    """
    from mailbot.sandbox import SandboxServer, load_scenario

    org = load_scenario(settings.sandbox_scenario, clock=clock)
    url = settings.service.backend.sandbox_url
    if url:
        yield SandboxAccess(url.rstrip("/"), org.service_account, org.service_password)
        return
    server = SandboxServer(org).start()
    try:
        yield SandboxAccess(server.url, org.service_account, org.service_password)
    finally:
        server.stop()
