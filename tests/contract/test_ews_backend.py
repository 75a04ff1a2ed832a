"""EWS backend specifics beyond the contract: TLS trust per backend, as `backend.ews.ca_bundle` and `verify_tls` set it,
against the sandbox over HTTPS with NTLM, as an Exchange Server with an internal CA serves it; and the one sentence
each way of getting no EWS answer at all ends in."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from mailbot.domain import OofState
from mailbot.errors import BackendError
from mailbot.exchange.ews import EwsBackend, EwsConnection
from mailbot.sandbox import SandboxCA, SandboxServer

LI = "li.chen@example.org"


@pytest.fixture
def ews(tls_sandbox: SandboxServer) -> Iterator[Callable[..., EwsBackend]]:
    """Make NTLM EWS backends on the HTTPS sandbox (or `server`, or at `url`) trusting `verify`; all are closed
    afterwards."""
    opened: list[EwsBackend] = []

    def make(verify: bool | str, server: SandboxServer = tls_sandbox, url: str | None = None) -> EwsBackend:
        connection = EwsConnection(url or server.ews_url, "ntlm", "EXAMPLE\\mailbot", server.org.service_password,
                                   retry_max_wait=1, verify=verify)  # fmt: skip
        opened.append(EwsBackend(connection))
        return opened[-1]

    yield make
    for backend in opened:
        backend.close()


@pytest.fixture
def other_ca(tmp_path_factory: pytest.TempPathFactory) -> SandboxCA:
    """A CA that signed nothing the sandbox serves."""
    return SandboxCA(tmp_path_factory.mktemp("other-ca"))


def test_the_environment_cannot_swap_the_ca_bundle(
    ews: Callable[..., EwsBackend], sandbox_ca: SandboxCA, other_ca: SandboxCA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """REQUESTS_CA_BUNDLE naming another CA changes nothing: EWS trusts exactly the configured bundle."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca.ca_bundle_path))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(other_ca.ca_bundle_path))
    assert OofState.DISABLED == ews(str(sandbox_ca.ca_bundle_path)).get_oof(LI).state


def test_a_certificate_the_bundle_does_not_vouch_for_is_one_sentence(
    ews: Callable[..., EwsBackend], other_ca: SandboxCA
) -> None:
    """A server certificate from a CA outside the bundle fails with one sentence pointing at backend.ews.ca_bundle."""
    with pytest.raises(BackendError) as refused:
        ews(str(other_ca.ca_bundle_path)).get_oof(LI)
    assert str(refused.value).startswith("The TLS certificate of EWS at https://") and str(refused.value).endswith(
        "cannot be verified (certificate verify failed: self-signed certificate in certificate chain); set "
        "backend.ews.ca_bundle to the CA that signed it"
    )


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_trust_is_per_backend(
    ews: Callable[..., EwsBackend], make_tls_sandbox: Callable[..., SandboxServer], tls_sandbox: SandboxServer
) -> None:
    """`verify_tls: false` on one backend leaves another backend, for another server, checking certificates."""
    unchecked = ews(False)
    checked = ews(True, make_tls_sandbox())
    with pytest.raises(BackendError, match="cannot be verified"):
        checked.get_oof(LI)
    assert OofState.DISABLED == unchecked.get_oof(LI).state


def test_a_closed_backend_takes_its_trust_along(
    ews: Callable[..., EwsBackend], sandbox_ca: SandboxCA, tls_sandbox: SandboxServer
) -> None:
    """After a backend that trusted the test CA closed, a new one trusting only the system's CAs is refused."""
    first = ews(str(sandbox_ca.ca_bundle_path))
    first.get_oof(LI)
    first.close()
    with pytest.raises(BackendError, match="cannot be verified"):
        ews(True).get_oof(LI)


def test_an_endpoint_nobody_listens_at_is_one_sentence_naming_it(ews: Callable[..., EwsBackend]) -> None:
    """An endpoint whose port refuses connections fails with one sentence: the endpoint and the cause."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"https://127.0.0.1:{probe.getsockname()[1]}/EWS/Exchange.asmx"  # closed again: nothing listens
    with pytest.raises(BackendError) as failed:
        ews(True, url=url).get_oof(LI)
    expected = f"EWS at {url} cannot be reached (connection refused); check backend.ews.endpoint"
    assert expected == str(failed.value)


def test_a_path_where_no_ews_answers_is_one_sentence_with_the_status(
    ews: Callable[..., EwsBackend], sandbox_ca: SandboxCA, tls_sandbox: SandboxServer
) -> None:
    """An endpoint missing its /EWS/ fails with the HTTP status the server answered, pointing at the setting."""
    url = tls_sandbox.url + "/Exchange.asmx"
    with pytest.raises(BackendError) as failed:
        ews(str(sandbox_ca.ca_bundle_path), url=url).get_oof(LI)
    assert f"EWS at {url} answered HTTP 404, not as EWS does; check backend.ews.endpoint" == str(failed.value)


def test_https_to_a_plain_http_server_is_no_certificate_problem(
    ews: Callable[..., EwsBackend], sandbox_ca: SandboxCA, sandbox: SandboxServer
) -> None:
    """An https endpoint on a server speaking plain HTTP fails as a TLS failure, not as an untrusted certificate."""
    url = sandbox.ews_url.replace("http://", "https://")
    with pytest.raises(BackendError) as failed:
        ews(str(sandbox_ca.ca_bundle_path), url=url).get_oof(LI)
    expected = f"EWS at {url} cannot be reached (TLS: wrong version number); check backend.ews.endpoint"
    assert expected == str(failed.value)


def test_a_server_that_keeps_dropping_the_connection_is_one_sentence(
    ews: Callable[..., EwsBackend], sandbox_ca: SandboxCA, tls_sandbox: SandboxServer
) -> None:
    """A server that closes every connection without an answer, after the retries, fails with one sentence."""
    backend = ews(str(sandbox_ca.ca_bundle_path))
    backend.get_oof(LI)
    tls_sandbox.faults.drop_connection(times=None)
    with pytest.raises(BackendError) as failed:
        backend.get_oof(LI)
    tls_sandbox.faults.clear()
    expected = f"EWS at {tls_sandbox.ews_url} did not answer (remote end closed connection without response)"
    assert expected == str(failed.value)
