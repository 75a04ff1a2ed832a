"""Wiring at the entry point: settings + clock -> store, backend (or the embedded sandbox) -> job deps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mailbot.clock import Clock
from mailbot.config import Settings
from mailbot.errors import BackendError
from mailbot.exchange.base import ExchangeBackend, SandboxAccess, connect
from mailbot.jobs import Deps
from mailbot.policy.satisfaction import SurveyKeys
from mailbot.store import open_store

if TYPE_CHECKING:
    from mailbot.sandbox import Organisation, SandboxServer


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
        backend = stack.enter_context(open_backend(settings, clock, sandbox=sandbox))
        yield Deps(settings, backend, store, dry_run=dry_run or settings.service.dry_run, survey=survey_keys(settings))


def survey_keys(settings: Settings) -> SurveyKeys | None:
    """What signs the member survey's links, while the survey is on (see Settings.survey_secret)."""
    secret, survey = settings.survey_secret(), settings.service.survey
    return None if secret is None or survey is None else SurveyKeys(secret, survey.public_url)


@contextmanager
def open_backend(
    settings: Settings, clock: Clock, *, sandbox: SandboxAccess | None = None
) -> Iterator[ExchangeBackend]:
    """The configured Exchange backend alone (the embedded sandbox's, when configured), closed on exit."""
    with ExitStack() as stack:
        if sandbox is None and settings.service.backend.sandbox:
            sandbox = stack.enter_context(_sandbox(settings, clock))
        backend = connect(settings.service.backend, settings.service_file.parent, sandbox)
        stack.callback(backend.close)
        yield backend


@contextmanager
def _sandbox(settings: Settings, clock: Clock) -> Iterator[SandboxAccess]:
    """The sandbox Exchange: one already serving at backend.sandbox_url, or one started in-process now.

    An in-process sandbox shares mailbot's clock, so `--now` moves both; it starts from the scenario each time.
    """
    from mailbot.sandbox import load_scenario

    org = load_scenario(settings.sandbox_scenario, clock=clock)
    url = settings.service.backend.sandbox_url
    if url:
        yield sandbox_access(org, url.rstrip("/"), settings.sandbox_ca_bundle)
        return
    backend = settings.service.backend
    # Over HTTPS whatever the kind: EWS then runs as against Exchange Server (NTLM, trusting only the sandbox's CA).
    with serve_sandbox(org, backend.kind, strict=backend.sandbox_strict, tls=True) as (_, access):
        yield access


@contextmanager
def serve_sandbox(
    org: Organisation,
    kind: str,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    strict: bool = False,
    tls: bool | None = None,
    ca_file: Path | None = None,
) -> Iterator[tuple[SandboxServer, SandboxAccess]]:
    """Serve `org` for a backend of `kind`, by default on a free port of this machine; `strict`: see SandboxServer.

    `tls` (default: for Graph, since msal will not use a plain-HTTP authority) serves HTTPS with a certificate from
    a throwaway CA, the only CA the access trusts; `ca_file` receives that CA's certificate for other processes.
    """
    from mailbot.sandbox import SandboxCA, SandboxServer
    from mailbot.sandbox.tls import DEFAULT_HOSTS

    secure = kind == "graph" if tls is None else tls
    ca = SandboxCA(hosts=tuple(dict.fromkeys((*DEFAULT_HOSTS, host)))) if secure else None
    try:
        server = SandboxServer(org, host, port, tls=ca, strict=strict).start()
    except OSError as exc:
        if ca is not None:
            ca.close()
        raise BackendError(f"Cannot serve the sandbox on {host}:{port} ({exc.strerror or exc}); choose another "
                           "--host or --port") from None  # fmt: skip
    try:
        if ca is not None and ca_file is not None:
            _write_ca(ca_file, ca.ca_pem)
        yield server, sandbox_access(org, server.url, server.ca_bundle_path)
    finally:
        server.stop()
        if ca is not None:
            ca.close()


def _write_ca(path: Path, pem: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pem)
    except OSError as exc:
        raise BackendError(f"Cannot write the sandbox's CA certificate to {path} ({exc.strerror or exc}); choose "
                           "another --ca-bundle") from None  # fmt: skip


def sandbox_access(org: Organisation, url: str, ca_bundle: Path | None = None) -> SandboxAccess:
    """How mailbot reaches a sandbox serving `org` at `url`: the service account, and the scenario's first app
    with a client secret for OAuth."""
    app = next((a for a in org.apps.apps() if a.secret), None)
    return SandboxAccess(
        url, org.service_account, org.service_password, ca_bundle,
        tenant_id=app.tenant_id if app else None, client_id=app.client_id if app else None,
        client_secret=app.secret if app else None,
    )  # fmt: skip
