"""What service.yaml names outside itself for connecting, checked before a command connects: the secrets, the CA
bundles, a sandbox served elsewhere. Each finding is `service.yaml:LINE: key: sentence`, like every other."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from mailbot.config.problems import Loc, located
from mailbot.config.service import BackendSettings, SecretRef, ServiceConfig
from mailbot.errors import ConfigError

Report = Callable[[Loc, str], str]


def connection_problems(service_file: Path, service: ServiceConfig, root: yaml.Node | None) -> list[str]:
    """For a real server: its secrets and CA bundle; for a sandbox: how it is reached."""

    def report(loc: Loc, message: str) -> str:
        return located(service_file, root, loc, message)

    base = service_file.parent
    if service.backend.sandbox:
        return _sandbox_problems(base, service.backend, report)
    found = _ca_bundle_problems(base, service.backend, report)
    for loc, ref in _secret_refs(service):
        try:
            ref.resolve(base)
        except ConfigError as exc:
            found.append(report(loc, str(exc)))
    return found


def survey_problems(service_file: Path, service: ServiceConfig, survey_on: bool, root: yaml.Node | None) -> list[str]:
    """With the member survey on: where its links lead, and (for a real server) the key that signs them."""
    if not survey_on:
        return []
    if service.survey is None:
        return [located(service_file, root, ("survey",), "policy.yaml switches the member survey on "
                        "(satisfaction.enabled), so service.yaml needs a `survey:` section with the public_url its "
                        "links start with and the secret that signs them.")]  # fmt: skip
    if service.survey.secret is None:
        if service.backend.sandbox:
            return []  # the sandbox's members are simulated: a fixed trial key signs their links (README)
        return [located(service_file, root, ("survey",), "the member survey needs a `secret` that signs its "
                        "links, e.g. secret: {env: MAILBOT_SURVEY_SECRET}.")]  # fmt: skip
    try:
        service.survey.secret.resolve(service_file.parent)
    except ConfigError as exc:
        if service.backend.sandbox:
            return []
        return [located(service_file, root, ("survey", "secret"), str(exc))]
    return []


def _sandbox_problems(base: Path, backend: BackendSettings, report: Report) -> list[str]:
    """A sandbox served elsewhere: Graph reaches it only over HTTPS, trusting the CA bundle `sandbox serve` wrote."""
    url, bundle = backend.sandbox_url, backend.sandbox_ca_bundle
    found: list[str] = []
    if url is not None and backend.kind == "graph" and not url.startswith("https://"):
        found.append(report(("backend", "sandbox_url"), "Microsoft Graph needs the sandbox over HTTPS; start it "
                            "with `mailbot sandbox serve --tls` and use the https:// URL and sandbox_ca_bundle it "
                            "prints."))  # fmt: skip
    if url is not None and url.startswith("https://") and bundle is None:
        found.append(report(("backend", "sandbox_ca_bundle"), "needed with an https:// sandbox_url, since the "
                            "sandbox's certificate comes from a CA made on the spot (`sandbox serve --tls` writes "
                            "it)."))  # fmt: skip
    if bundle is not None and url is None:
        found.append(report(("backend", "sandbox_ca_bundle"), "goes with sandbox_url (the sandbox it trusts)."))
    elif bundle is not None and (problem := _bundle_problem(base / bundle)):
        found.append(report(("backend", "sandbox_ca_bundle"), f"{problem}; `mailbot sandbox serve --tls` writes it."))
    return found


def _ca_bundle_problems(base: Path, backend: BackendSettings, report: Report) -> list[str]:
    """The backend's CA bundle must be there and hold PEM certificates, or every connection would fail."""
    bundle = getattr(getattr(backend, backend.kind), "ca_bundle", None)
    if bundle is None or not (problem := _bundle_problem(base / bundle)):
        return []
    return [report(("backend", backend.kind, "ca_bundle"), f"{problem}.")]


def _bundle_problem(path: Path) -> str | None:
    """What is wrong with a file that should hold PEM certificates, if anything."""
    if not path.is_file():
        return f"{path} is not a file"
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, ValueError):
        return f"{path} holds no PEM certificates"
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror or exc})"
    return None


def _secret_refs(service: ServiceConfig) -> Iterator[tuple[Loc, SecretRef]]:
    backend = service.backend
    section: Any = getattr(backend, backend.kind)
    for key in ("password", "client_secret", "certificate"):
        ref = getattr(section, key, None)
        if ref is not None:
            yield ("backend", backend.kind, key), ref
    if service.state.password is not None:
        yield ("state", "password"), service.state.password
