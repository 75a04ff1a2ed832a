"""What only the Graph backend has to get right, beyond the port's contract: whom it trusts for TLS, how it treats
tokens the server refuses, and how many requests it lets a mailbox have at once. Against the sandbox over HTTPS.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from mailbot.domain import OofState, OutgoingMessage
from mailbot.errors import BackendError, MailboxError
from mailbot.exchange.graph import GraphBackend, sandbox_connection
from mailbot.exchange.graph_auth import MsalTokenSource, VerifyingHttpClient
from mailbot.exchange.graph_bulk import batch_get
from mailbot.exchange.graph_http import GraphHttp
from mailbot.exchange.graph_mapping import mail_item, message_path
from mailbot.runtime import sandbox_access
from mailbot.sandbox import SandboxCA, SandboxServer, graph_app
from mailbot.sandbox.graph_users import object_id
from mailbot.sandbox.graph_wire import GraphError, rest_id

LI, JAMES = "li.chen@example.org", "james.okafor@example.org"
TENANT, CLIENT_ID = "00000000-0000-0000-0000-000000000000", "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def graph(tls_sandbox: SandboxServer) -> Iterator[Callable[..., GraphBackend]]:
    """Make Graph backends for the TLS sandbox (or `server`), with connection settings overridden; all closed
    afterwards."""
    opened: list[GraphBackend] = []

    def make(server: SandboxServer = tls_sandbox, **overrides: Any) -> GraphBackend:
        access = sandbox_access(server.org, server.url, server.ca_bundle_path)
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


def test_a_server_that_keeps_dropping_the_connection_is_one_sentence(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer
) -> None:
    """Graph closing every connection without an answer ends, after the retries, in one sentence naming it; a send,
    which may have gone through, is not repeated, and the sentence says so."""
    backend = graph()
    backend.get_oof(LI)
    tls_sandbox.faults.drop_connection(times=None)
    with pytest.raises(BackendError) as read:
        backend.get_oof(LI)
    with pytest.raises(BackendError) as sent:
        backend.send(LI, OutgoingMessage((JAMES,), "Your items due today", "<p>2 items</p>", "2 items"))
    tls_sandbox.faults.clear()
    dropped = f"Microsoft Graph at {tls_sandbox.url} did not answer (remote end closed connection without response)"
    expected = [dropped, dropped + " and it was not repeated, since it may have gone through"]
    assert expected == [str(read.value), str(sent.value)]


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


def test_auto_response_suppress_and_the_body_preview_are_read_from_the_message() -> None:
    """PidTagAutoResponseSuppress comes as text ("Integer 0x3fdf": "48") and is read as a number; bodyPreview is
    the preview; a value that is no number is no property."""
    data = {"id": "x", "receivedDateTime": "2026-11-21T15:15:00Z", "bodyPreview": "I am out of the office",
            "singleValueExtendedProperties": [{"id": "Integer 0x3fdf", "value": "48"}]}  # fmt: skip
    garbled = {**data, "singleValueExtendedProperties": [{"id": "Integer 0x3FDF", "value": "many"}]}
    item, other = mail_item(LI, "inbox", data), mail_item(LI, "inbox", garbled)
    assert (48, "I am out of the office", None) == (item.auto_response_suppress, item.preview,
                                                    other.auto_response_suppress)  # fmt: skip


def test_a_message_gone_since_the_delta_fails_alone_in_its_batch(tls_sandbox: SandboxServer) -> None:
    """In a parallel $batch, a message deleted meanwhile is a 404 and the others still come."""
    access = sandbox_access(tls_sandbox.org, tls_sandbox.url, tls_sandbox.ca_bundle_path)
    verify = str(tls_sandbox.ca_bundle_path)
    identity = VerifyingHttpClient(verify, trust_env=False)
    tokens = MsalTokenSource(access.tenant_id or "", access.client_id or "", client_secret=access.client_secret,
                             authority=access.url, http_client=identity)  # fmt: skip
    http = GraphHttp(access.graph_url, tokens, verify=verify, trust_env=False)
    ids = [rest_id(m.item_id) for m in tls_sandbox.org.messages(LI, "inbox")]
    paths = [message_path(LI, ids[0]), message_path(LI, "AAMkAGone="), message_path(LI, ids[1])]
    try:
        statuses = [status for status, _ in batch_get(http, LI, paths)]
    finally:
        http.close()
        identity.close()
    assert [200, 404, 200] == statuses


def test_a_first_sync_of_500_new_messages_keeps_to_graphs_batch_rules(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer
) -> None:
    """The first sync of an inbox with 500 new messages completes on a sandbox that refuses mixed batches and runs
    each batch's requests side by side, with never more than 4 requests in flight for the mailbox."""
    for n in range(500):
        tls_sandbox.org.deliver_external([LI], "Pat Member <pat.member@gmail.example>", f"Question {n}", "Hello",
                                         received_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))  # fmt: skip
    backend = graph()
    page = backend.sync_folder(LI, "inbox", None)
    subjects = {i.subject for i in page.items}
    while page.more:
        page = backend.sync_folder(LI, "inbox", page.state)
        subjects |= {i.subject for i in page.items}
    assert (True, 4) == ({f"Question {n}" for n in range(500)} <= subjects, tls_sandbox.graph.peak_concurrency(LI))


def test_a_request_throttled_inside_a_batch_goes_again(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer
) -> None:
    """While another client holds one of James's 4 places, a batch of 4 has one request refused with 429
    MailboxConcurrency; the backend sends that one again after its Retry-After and the sync completes."""
    backend = graph()
    with tls_sandbox.graph.slots.hold(JAMES):  # another client's request for James, in flight all along
        items = backend.sync_folder(JAMES, "inbox", None).items
    assert (4, 5) == (len({i.item_id for i in items}), tls_sandbox.graph.peak_concurrency(JAMES))


def test_throttling_inside_a_batch_past_the_patience_fails_only_that_mailbox(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer
) -> None:
    """A request in a batch asked to wait longer than retry_max_wait fails that mailbox alone, by name, for this
    run (Exchange Online throttles per mailbox); the next mailbox is served."""
    backend = graph()
    tls_sandbox.faults.slow(0.0, times=1).http_429(times=1, retry_after=30)  # the delta passes, a detail waits
    with pytest.raises(MailboxError, match=f"^{JAMES}: Microsoft Graph kept asking to back off"):
        backend.sync_folder(JAMES, "inbox", None)
    assert OofState.SCHEDULED == backend.get_oof("anna.brandt@example.org").state


def test_a_status_message_finds_the_users_object_id_once(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer
) -> None:
    """Presence takes the user's object id: the backend looks it up by address the first time and reuses it."""
    backend = graph()
    counted = _Paths(tls_sandbox.graph)
    tls_sandbox.graph = counted  # type: ignore[assignment]
    for text in ("In the office", "Working from home"):
        backend.set_status_message(LI, text, datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    lookups = [p for p in counted.paths if p.lower() == f"/v1.0/users/{LI}"]
    sets = {p.split("/")[3] for p in counted.paths if p.endswith("/presence/setStatusMessage")}
    assert (1, {object_id(LI)}, "Working from home") == (
        len(lookups), sets, (tls_sandbox.org.status_message(LI) or ("",))[0])  # fmt: skip


def test_a_status_message_for_a_user_whose_principal_name_is_not_the_address(
    graph: Callable[..., GraphBackend], make_tls_sandbox: Callable[..., SandboxServer]
) -> None:
    """Where a user's UPN differs from their address (an apostrophe in it too), the backend finds the object id by
    primary address, and the status message is set."""
    sam = "sam.o'neil@example.org"
    server = make_tls_sandbox({
        "clock": "monday 08:00", "domains": ["example.org"],
        "service_account": {"email": "mailbot@example.org", "password": "secret"},
        "apps": [{"tenant_id": TENANT, "client_id": CLIENT_ID, "secret": "app-secret"}],
        "mailboxes": [{"email": sam, "name": "Sam O'Neil", "upn": "soneil@example.onmicrosoft.com"}],
    })  # fmt: skip
    graph(server).set_status_message(sam, "Back on Monday", datetime(2026, 11, 27, 17, 0, tzinfo=UTC))
    assert "Back on Monday" == (server.org.status_message(sam) or ("",))[0]


def test_a_status_message_for_an_address_no_user_has_is_one_mailbox_error(graph: Callable[..., GraphBackend]) -> None:
    """An address that is neither a user's principal name nor a user's primary address fails for that person alone."""
    with pytest.raises(MailboxError, match=r"^nobody@example\.org: no user in the directory has this address"):
        graph().set_status_message("nobody@example.org", "Away", datetime(2026, 11, 27, 17, 0, tzinfo=UTC))


def test_presence_without_the_directory_permission_is_one_mailbox_error(
    graph: Callable[..., GraphBackend], tls_sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the app may not read users (no User.Read.All), setting a status message fails for that person alone,
    saying which permission is missing."""
    monkeypatch.setattr(graph_app, "ROUTES", [("GET", "users/{user}", _insufficient_privileges), *graph_app.ROUTES])
    with pytest.raises(MailboxError, match=f"{LI}: .*User.Read.All.*Authorization_RequestDenied"):
        graph().set_status_message(LI, "Away", datetime(2026, 11, 27, 17, 0, tzinfo=UTC))


def _insufficient_privileges(call: Any) -> Any:
    raise GraphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")


class _Paths:
    """A sandbox front end (a WSGI app) that notes the path of every request reaching it, batches included."""

    def __init__(self, app: Any) -> None:
        self.app, self.paths = app, []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.paths.append(str(environ["PATH_INFO"]))
        return self.app(environ, start_response)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)
