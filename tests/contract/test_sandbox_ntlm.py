"""Integrated Windows authentication on the sandbox's EWS, as Exchange's IIS does it: NTLM (bare or inside Negotiate)
logs a TCP connection on, over HTTPS bound to the server's certificate (Extended Protection).

Each handshake here runs on one kept-alive connection of a requests session, with pyspnego as the client.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
import requests
import spnego
from sandbox_fixtures import CONVERT_ID
from spnego.channel_bindings import GssChannelBindings

from mailbot.domain import OofState
from mailbot.exchange.ews import EwsBackend, EwsConnection
from mailbot.sandbox import SandboxCA, SandboxServer

LI = "li.chen@example.org"


def post(session: requests.Session, server: SandboxServer, authorization: str | None = None) -> requests.Response:
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if authorization:
        headers["Authorization"] = authorization
    return session.post(server.ews_url, data=CONVERT_ID, headers=headers, timeout=5)


def client(user: str, password: str, binding: bytes | None) -> Any:
    """pyspnego's NTLM client, bound to the TLS certificate whose channel binding is given."""
    bindings = GssChannelBindings(application_data=binding) if binding else None
    return spnego.client(user, password, protocol="ntlm", options=spnego.NegotiateOptions.use_ntlm,
                         channel_bindings=bindings)  # fmt: skip


def log_on(session: requests.Session, server: SandboxServer, ntlm: Any, scheme: str = "NTLM") -> requests.Response:
    """NTLM's two legs on the session's connection: NEGOTIATE, then AUTHENTICATE answering the server's CHALLENGE."""
    first = post(session, server, f"{scheme} {base64.b64encode(ntlm.step()).decode()}")
    challenge = base64.b64decode(first.headers["WWW-Authenticate"].partition(" ")[2])
    return post(session, server, f"{scheme} {base64.b64encode(ntlm.step(challenge)).decode()}")


@pytest.fixture
def session(sandbox_ca: SandboxCA) -> requests.Session:
    """A requests session trusting the test CA; sequential requests share one kept-alive connection."""
    return sandbox_ca.requests_session()


@pytest.mark.parametrize("user", ["EXAMPLE\\mailbot", "example.org\\mailbot", "mailbot@example.org",
                                  "example\\MAILBOT"])  # fmt: skip
def test_each_logon_name_windows_accepts_logs_on(
    user: str, tls_sandbox: SandboxServer, session: requests.Session, sandbox_ca: SandboxCA
) -> None:
    """The service account logs on as DOMAIN\\user (NetBIOS or DNS domain, any case) or by its UPN."""
    answer = log_on(session, tls_sandbox, client(user, tls_sandbox.org.service_password, sandbox_ca.channel_binding))
    assert (200, True) == (answer.status_code, b"ServerVersionInfo" in answer.content)


def test_the_connection_stays_logged_on(
    tls_sandbox: SandboxServer, session: requests.Session, sandbox_ca: SandboxCA
) -> None:
    """After the handshake, later requests on that connection need no credentials; another connection does."""
    log_on(session, tls_sandbox, client("EXAMPLE\\mailbot", tls_sandbox.org.service_password,
                                        sandbox_ca.channel_binding))  # fmt: skip
    later = post(session, tls_sandbox)
    elsewhere = post(sandbox_ca.requests_session(), tls_sandbox)
    assert (200, 401) == (later.status_code, elsewhere.status_code)


@pytest.mark.parametrize(("user", "password"), [("EXAMPLE\\mailbot", "wrong"), ("OTHER\\mailbot", None),
                                                ("EXAMPLE\\someone", None), ("mailbot", None)])  # fmt: skip
def test_a_wrong_password_or_name_is_refused(
    user: str, password: str | None, tls_sandbox: SandboxServer, session: requests.Session, sandbox_ca: SandboxCA
) -> None:
    """A wrong password, another domain or user, or a bare name gets 401 offering the schemes again."""
    ntlm = client(user, password or tls_sandbox.org.service_password, sandbox_ca.channel_binding)
    answer = log_on(session, tls_sandbox, ntlm)
    assert (401, "Negotiate, NTLM, Basic") == (answer.status_code, answer.headers["WWW-Authenticate"][:22])


def test_negotiate_carries_ntlm_too(
    tls_sandbox: SandboxServer, session: requests.Session, sandbox_ca: SandboxCA
) -> None:
    """NTLM inside the Negotiate scheme logs on the same way."""
    ntlm = client("EXAMPLE\\mailbot", tls_sandbox.org.service_password, sandbox_ca.channel_binding)
    assert 200 == log_on(session, tls_sandbox, ntlm, scheme="Negotiate").status_code


@pytest.mark.parametrize("binding", [b"tls-server-end-point:" + bytes(32), None], ids=["another", "none"])
def test_a_logon_not_bound_to_this_certificate_is_refused(
    binding: bytes | None, tls_sandbox: SandboxServer, session: requests.Session
) -> None:
    """A logon bound to another TLS certificate (as through a relay), or to none, is refused (Extended Protection)."""
    answer = log_on(session, tls_sandbox, client("EXAMPLE\\mailbot", tls_sandbox.org.service_password, binding))
    assert 401 == answer.status_code


class _Handshakes:
    """The sandbox's EWS front end, counting the NTLM handshakes begun."""

    def __init__(self, app: Any) -> None:
        self.app, self.begun = app, 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.begun += str(environ.get("HTTP_AUTHORIZATION", "")).startswith("NTLM TlRMTVNTUAAB")  # a NEGOTIATE
        return self.app(environ, start_response)


def test_exchangelib_logs_on_once_per_connection(
    tls_sandbox: SandboxServer, sandbox_ca: SandboxCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of calls through the EWS backend with NTLM logs its one connection on once, not once per request."""
    counted = _Handshakes(tls_sandbox.ews)
    monkeypatch.setattr(tls_sandbox, "ews", counted)
    password, bundle = tls_sandbox.org.service_password, str(sandbox_ca.ca_bundle_path)
    backend = EwsBackend(EwsConnection(tls_sandbox.ews_url, "ntlm", "EXAMPLE\\mailbot", password, verify=bundle))
    try:
        states = [backend.get_oof(LI).state for _ in range(3)]
        synced = len(backend.sync_folder(LI, "inbox", None).items)
    finally:
        backend.close()
    assert ([OofState.DISABLED] * 3, True, 1) == (states, synced > 0, counted.begun)
