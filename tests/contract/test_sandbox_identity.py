"""App-only OAuth against the sandbox, as against Microsoft's identity platform: msal fetches tokens over HTTPS
from the sandbox's token endpoint, and mailbot's EWS backend spends them on EWS, schema-checked as ever.

The sandbox's TLS certificate comes from a CA made for the test session; msal trusts it through its own
requests session and the EWS backend through its CA bundle (`verify`), as `backend.ews.ca_bundle` sets it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from mailbot.clock import FixedClock
from mailbot.domain import OofState
from mailbot.errors import BackendError, ConfigError, MailboxError
from mailbot.exchange.ews import EwsBackend, EwsConnection
from mailbot.exchange.graph import EWS_SCOPE, MsalTokenSource
from mailbot.sandbox import SandboxCA, SandboxServer, load_scenario
from mailbot.sandbox.tls import app_certificate

NY = ZoneInfo("America/New_York")
# The example app registration in config/sandbox.yaml.
TENANT, CLIENT_ID = "00000000-0000-0000-0000-000000000000", "11111111-2222-3333-4444-555555555555"
SECRET = "sandbox-client-secret"
LI, ANNA, PETR = "li.chen@example.org", "anna.brandt@example.org", "petr.novak@example.org"


def tokens(server: SandboxServer, ca: SandboxCA, **options: Any) -> MsalTokenSource:
    """A real msal token source for the example app (or as `options` say), trusting the test CA only."""
    settings: dict[str, Any] = {"client_secret": SECRET, "scope": EWS_SCOPE, **options}
    client_id = settings.pop("client_id", CLIENT_ID)
    return MsalTokenSource(TENANT, client_id, authority=server.authority, http_client=ca.requests_session(),
                           **settings)  # fmt: skip


@pytest.fixture
def oauth_backend(sandbox_ca: SandboxCA) -> Iterator[Callable[..., EwsBackend]]:
    """Make EwsBackends with `auth: oauth` on a TLS sandbox; all are closed after the test."""
    opened: list[EwsBackend] = []

    def make(server: SandboxServer, source: Any = None, max_wait: int = 5) -> EwsBackend:
        connection = EwsConnection(endpoint=server.ews_url, auth="oauth", retry_max_wait=max_wait,
                                   token_source=source or tokens(server, sandbox_ca),
                                   verify=str(sandbox_ca.ca_bundle_path))  # fmt: skip
        opened.append(EwsBackend(connection))
        return opened[-1]

    yield make
    for backend in opened:
        backend.close()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


# -- the token endpoint over HTTPS ---------------------------------------------------------------------


def test_discovery_names_the_token_endpoint_on_this_host(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """The OpenID configuration msal reads points at this server's token endpoint for the tenant."""
    url = f"{tls_sandbox.authority}/{TENANT}/v2.0/.well-known/openid-configuration"
    config = sandbox_ca.requests_session().get(url, timeout=5).json()
    expected = (f"{tls_sandbox.url}/{TENANT}/oauth2/v2.0/token", f"{tls_sandbox.url}/{TENANT}/v2.0")
    assert expected == (config["token_endpoint"], config["issuer"])


def test_unknown_tenant_is_refused_as_entra_does(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """Discovery for a tenant the sandbox does not know answers 400 invalid_tenant with AADSTS90002."""
    url = f"{tls_sandbox.authority}/no-such-tenant/v2.0/.well-known/openid-configuration"
    answer = sandbox_ca.requests_session().get(url, timeout=5)
    assert (400, "invalid_tenant", [90002]) == (answer.status_code, answer.json()["error"],
                                                answer.json()["error_codes"])  # fmt: skip


def test_a_client_that_does_not_trust_the_test_ca_is_refused(tls_sandbox: SandboxServer) -> None:
    """Certificates really are checked: a client trusting only the public CAs cannot connect."""
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"{tls_sandbox.authority}/{TENANT}/v2.0/.well-known/openid-configuration", timeout=5)


# -- msal through MsalTokenSource ----------------------------------------------------------------------


def test_msal_gets_a_token_with_the_client_secret(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """The example app's secret buys an hour's bearer token that EWS accepts as the service account."""
    token = tokens(tls_sandbox, sandbox_ca).token()
    principal = tls_sandbox.org.principal_for_token(token["access_token"])
    assert ("Bearer", 3600, "mailbot@example.org") == (token["token_type"], token["expires_in"], principal)


def test_a_wrong_secret_is_one_sentence_from_entra(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """A wrong secret becomes a BackendError carrying Entra ID's AADSTS7000215 sentence, without trace lines."""
    with pytest.raises(BackendError) as refused:
        tokens(tls_sandbox, sandbox_ca, client_secret="not-the-secret").token()
    expected = ("The identity platform refused a token: AADSTS7000215: Invalid client secret provided. Ensure the "
                "secret being sent in the request is the client secret value, not the client secret ID, for a "
                f"secret added to app '{CLIENT_ID}'.")  # fmt: skip
    assert expected == str(refused.value)


def test_an_unregistered_app_is_an_unauthorized_client(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """A client id the tenant does not have is refused with AADSTS700016."""
    with pytest.raises(BackendError, match="AADSTS700016: Application with identifier 'nobody' was not found"):
        tokens(tls_sandbox, sandbox_ca, client_id="nobody").token()


def test_a_delegated_scope_is_an_invalid_scope(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """App-only tokens need a resource's /.default scope; a delegated permission is refused with AADSTS1002012."""
    with pytest.raises(BackendError, match="AADSTS1002012: The provided value for scope"):
        tokens(tls_sandbox, sandbox_ca, scope="https://outlook.office365.com/EWS.AccessAsUser.All").token()


def test_a_certificate_credential_gets_a_token(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """An app registered with a certificate proves itself with an assertion signed by the certificate's key."""
    certificate = app_certificate()
    tls_sandbox.org.register_app(TENANT, "cert-app", certificate_pem=certificate.certificate_pem)
    source = tokens(tls_sandbox, sandbox_ca, client_id="cert-app", client_secret=None,
                    certificate_pem=certificate.private_key_pem, thumbprint=certificate.thumbprint)  # fmt: skip
    token = source.token()
    assert [("cert-app", token["access_token"])] == tls_sandbox.org.apps.issued


def test_a_key_whose_certificate_is_not_registered_is_refused(
    tls_sandbox: SandboxServer, sandbox_ca: SandboxCA
) -> None:
    """An assertion signed by another key is refused with AADSTS700027, naming that key's thumbprint."""
    registered, other = app_certificate(), app_certificate()
    tls_sandbox.org.register_app(TENANT, "cert-app", certificate_pem=registered.certificate_pem)
    source = tokens(tls_sandbox, sandbox_ca, client_id="cert-app", client_secret=None,
                    certificate_pem=other.private_key_pem, thumbprint=other.thumbprint)  # fmt: skip
    with pytest.raises(BackendError, match=f"AADSTS700027: .*'{other.thumbprint}'"):
        source.token()


def test_a_stale_client_assertion_is_refused(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """An assertion whose ten minutes have passed (by the clock that judges assertions) gets AADSTS700024."""
    certificate = app_certificate()
    tls_sandbox.org.register_app(TENANT, "cert-app", certificate_pem=certificate.certificate_pem)
    tls_sandbox.identity.assertion_clock = FixedClock(datetime.now(NY) + timedelta(hours=1))
    source = tokens(tls_sandbox, sandbox_ca, client_id="cert-app", client_secret=None,
                    certificate_pem=certificate.private_key_pem, thumbprint=certificate.thumbprint)  # fmt: skip
    with pytest.raises(BackendError, match="AADSTS700024: Client assertion is not within its valid time range"):
        source.token()


# -- EWS with app-only tokens ---------------------------------------------------------------------------


def test_ews_backend_with_oauth_reads_oof_and_calendar(
    tls_sandbox: SandboxServer, oauth_backend: Callable[..., EwsBackend]
) -> None:
    """With `auth: oauth`, the EWS backend reads Anna's own reply and Li's calendar over HTTPS."""
    backend = oauth_backend(tls_sandbox)
    events = backend.calendar_view(LI, at("2026-11-23T00:00"), at("2026-12-05T00:00"))
    expected = (OofState.SCHEDULED, ["Member Services team meeting", "Vacation", "Member Services team meeting"])
    assert expected == (backend.get_oof(ANNA).state, [e.subject for e in events])


def test_an_app_token_impersonates_only_what_the_service_account_may(
    tls_sandbox: SandboxServer, oauth_backend: Callable[..., EwsBackend]
) -> None:
    """The app acts as the service account: Petr's mailbox stays refused, Li's stays open."""
    backend = oauth_backend(tls_sandbox)
    with pytest.raises(MailboxError, match=PETR):
        backend.get_oof(PETR)
    assert OofState.DISABLED == backend.get_oof(LI).state


def test_an_expired_token_is_renewed_through_msal(
    tls_sandbox: SandboxServer, sandbox_ca: SandboxCA, oauth_backend: Callable[..., EwsBackend]
) -> None:
    """When a token's two seconds are over, exchangelib asks msal for a new one, which EWS then accepts."""
    tls_sandbox.org.apps.token_lifetime = timedelta(seconds=2)
    backend = oauth_backend(tls_sandbox)
    backend.get_oof(LI)
    time.sleep(2.6)  # oauthlib judges expiry by the wall clock, rounded to the second
    issued_before = len(tls_sandbox.org.apps.issued)
    tls_sandbox.org.expire_tokens()  # every token so far is dead on the server: only a renewed one can succeed
    assert OofState.DISABLED == backend.get_oof(LI).state
    assert issued_before < len(tls_sandbox.org.apps.issued)


def test_a_token_ended_early_gets_a_bearer_challenge(tls_sandbox: SandboxServer, sandbox_ca: SandboxCA) -> None:
    """EWS answers a token the server ended early with 401 and error="invalid_token", as Exchange Online does."""
    token = tokens(tls_sandbox, sandbox_ca).token()["access_token"]
    assert 1 == tls_sandbox.org.expire_tokens()
    answer = sandbox_ca.requests_session().post(tls_sandbox.ews_url, data=b"", timeout=5,
                                                headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    challenge = answer.headers["WWW-Authenticate"]
    assert (401, "Bearer", 'error="invalid_token"') == (answer.status_code, challenge.split()[0], challenge[-21:])


def test_a_token_the_server_ended_early_is_renewed(
    tls_sandbox: SandboxServer, oauth_backend: Callable[..., EwsBackend]
) -> None:
    """A token Exchange stops accepting before its time (revoked, or clocks apart) is replaced, not retried."""
    backend = oauth_backend(tls_sandbox, max_wait=1)
    backend.get_oof(LI)
    tls_sandbox.org.expire_tokens()
    assert OofState.DISABLED == backend.get_oof(LI).state


class _RefusedOnRenewal:
    """A token source whose first token is good and whose renewed ones the server never heard of."""

    def __init__(self, server: SandboxServer) -> None:
        self._server = server

    def token(self) -> dict[str, Any]:
        return {"access_token": self._server.org.issue_token(), "token_type": "Bearer", "expires_in": 3600}

    def renew(self) -> dict[str, Any]:
        return {"access_token": "not-a-token-the-server-issued", "token_type": "Bearer", "expires_in": 3600}


def test_a_renewed_token_refused_again_is_a_credentials_error(
    tls_sandbox: SandboxServer, oauth_backend: Callable[..., EwsBackend]
) -> None:
    """When even a brand-new token is refused, mailbot says the credentials are wrong instead of retrying on."""
    backend = oauth_backend(tls_sandbox, source=_RefusedOnRenewal(tls_sandbox), max_wait=1)
    backend.get_oof(LI)
    tls_sandbox.org.expire_tokens()
    with pytest.raises(BackendError, match="credentials"):
        backend.get_oof(LI)


# -- scenario -----------------------------------------------------------------------------------------------


def test_a_scenario_app_without_a_credential_is_reported_with_its_key() -> None:
    """An app in the scenario with neither secret nor certificate is a problem at apps[0]."""
    scenario = {
        "clock": "2026-11-23T08:00:00Z",
        "domains": ["example.org"],
        "service_account": {"email": "mailbot@example.org", "password": "x"},
        "apps": [{"tenant_id": TENANT, "client_id": "bare"}],
    }
    with pytest.raises(ConfigError) as invalid:
        load_scenario(scenario)
    assert ["<scenario>: apps[0]: The app bare needs a client secret or a certificate to prove itself with."] == (
        invalid.value.problems
    )
