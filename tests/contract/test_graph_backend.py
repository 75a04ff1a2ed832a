"""What only the Graph backend has to get right, beyond the port's contract: whom it trusts for TLS, how it treats
tokens the server refuses, and how many requests it lets a mailbox have at once. Against the sandbox over HTTPS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mailbot.domain import OofState
from mailbot.errors import BackendError
from mailbot.exchange.graph import GraphBackend, sandbox_connection
from mailbot.exchange.graph_auth import MsalTokenSource, VerifyingHttpClient
from mailbot.exchange.graph_bulk import batch_get
from mailbot.exchange.graph_http import GraphHttp
from mailbot.exchange.graph_mapping import mail_item, message_path
from mailbot.runtime import sandbox_access
from mailbot.sandbox import SandboxCA, SandboxServer
from mailbot.sandbox.graph_wire import rest_id

LI = "li.chen@example.org"


@pytest.fixture
def graph(tls_sandbox: SandboxServer) -> Iterator[Callable[..., GraphBackend]]:
    """Make Graph backends for the TLS sandbox, with connection settings overridden; all closed afterwards."""
    opened: list[GraphBackend] = []

    def make(**overrides: Any) -> GraphBackend:
        access = sandbox_access(tls_sandbox.org, tls_sandbox.url, tls_sandbox.ca_bundle_path)
        opened.append(GraphBackend(sandbox_connection(access, retry_max_wait=5, **overrides)))
        return opened[-1]

    yield make
    for backend in opened:
        backend.close()


def test_tls_trust_is_not_taken_from_the_environment(
    graph: Callable[..., GraphBackend], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUESTS_CA_BUNDLE naming another CA changes nothing: Graph and msal trust exactly the configured one."""
    other = SandboxCA(tmp_path / "other-ca")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other.ca_bundle_path))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other.ca_bundle_path))
    assert OofState.DISABLED == graph().get_oof(LI).state


def test_a_server_signed_by_another_ca_is_refused_in_one_sentence(
    graph: Callable[..., GraphBackend], tmp_path: Any
) -> None:
    """Trusting only a CA that did not sign the server's certificate fails with a sentence, not a traceback."""
    other = SandboxCA(tmp_path / "other-ca")
    with pytest.raises(BackendError, match="cannot be"):
        graph(verify=str(other.ca_bundle_path)).get_oof(LI)


def test_a_token_refused_even_when_new_is_a_credentials_error(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the server refuses a freshly renewed token too, mailbot names the credentials instead of looping."""
    backend = graph()
    backend.get_oof(LI)
    issued = len(tls_sandbox.org.apps.issued)
    original = tls_sandbox.org.bearer_token
    monkeypatch.setattr(tls_sandbox.org, "bearer_token", lambda token: None)  # every token is unknown now
    with pytest.raises(BackendError, match="credentials"):
        backend.get_oof(LI)
    monkeypatch.setattr(tls_sandbox.org, "bearer_token", original)
    assert issued + 1 == len(tls_sandbox.org.apps.issued)  # exactly one renewal was tried


def test_one_request_per_mailbox_when_configured(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer
) -> None:
    """With max_concurrent_per_mailbox 1, six simultaneous calls reach the server one at a time."""
    backend = graph(max_concurrent=1)
    tls_sandbox.faults.slow(0.05, times=6)
    threads = [threading.Thread(target=backend.get_oof, args=(LI,)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 == tls_sandbox.graph.peak_concurrency(LI)


def test_extended_properties_are_matched_by_number() -> None:
    """Graph may name a MAPI property 'String 0x1a' or 'String 0x001A'; both are the message class."""
    data = {"id": "x", "receivedDateTime": "2026-11-21T15:15:00Z",
            "singleValueExtendedProperties": [{"id": "String 0x1a", "value": "IPM.Note.Microsoft.Voicemail.UM.CA"},
                                              {"id": "String 0x1042", "value": "<a@example.org>"}]}  # fmt: skip
    item = mail_item("Help@Example.org", "inbox", data)
    assert ("IPM.Note.Microsoft.Voicemail.UM.CA", "<a@example.org>", "help@example.org") == (
        item.message_class, item.in_reply_to, item.mailbox)  # fmt: skip


def test_a_missing_message_in_a_batch_lane_holds_up_nothing(tls_sandbox: SandboxServer) -> None:
    """In one lane of dependent requests, a message gone meanwhile is a 404 and the ones after it still come."""
    access = sandbox_access(tls_sandbox.org, tls_sandbox.url, tls_sandbox.ca_bundle_path)
    verify = str(tls_sandbox.ca_bundle_path)
    identity = VerifyingHttpClient(verify, trust_env=False)
    tokens = MsalTokenSource(access.tenant_id or "", access.client_id or "", client_secret=access.client_secret,
                             authority=access.url, http_client=identity)  # fmt: skip
    http = GraphHttp(access.graph_url, tokens, verify=verify, trust_env=False, max_concurrent=1)
    ids = [rest_id(m.item_id) for m in tls_sandbox.org.messages(LI, "inbox")]
    paths = [message_path(LI, ids[0]), message_path(LI, "AAMkAGone="), message_path(LI, ids[1])]
    try:
        statuses = [status for status, _ in batch_get(http, LI, paths)]
    finally:
        http.close()
        identity.close()
    assert [200, 404, 200] == statuses
