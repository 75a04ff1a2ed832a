"""App-only tokens from Microsoft's identity platform through msal, for Graph and for EWS OAuth.

The graph*.py modules are the only ones in mailbot that import msal or requests.
"""

from __future__ import annotations

from typing import Any

import msal
import requests

from mailbot.errors import BackendError
from mailbot.exchange.reach import Keys, Server

EWS_SCOPE = "https://outlook.office365.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


class TokenRefused(BackendError):
    """The identity platform answered, but gave no token (wrong secret, unknown app, bad scope...)."""

    def __init__(self, detail: str, error: str) -> None:
        super().__init__(f"The identity platform refused a token: {detail}")
        self.detail, self.error = detail, error


class VerifyingHttpClient:
    """An http_client for msal: a requests Session that hands its TLS trust to every call.

    requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE replace Session.verify, but never a `verify` passed
    with the call itself; so a configured CA bundle (or the sandbox's CA) is what decides, whatever the environment.
    """

    def __init__(self, verify: bool | str = True, timeout: float = 30, *, trust_env: bool = True) -> None:
        self.session = requests.Session()
        self.session.trust_env = trust_env  # proxies from the environment; off for a sandbox on this machine
        self.verify, self.timeout = verify, timeout

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> requests.Response:
        return self.session.get(url, params=params, headers=headers, **self._options(kwargs))

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> Any:
        return self.session.post(url, params=params, data=data, headers=headers, **self._options(kwargs))

    def close(self) -> None:
        self.session.close()

    def _options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**kwargs, "verify": self.verify, "timeout": kwargs.get("timeout") or self.timeout}


class MsalTokenSource:
    """App-only (client credentials) tokens for one tenant; msal caches them in memory and renews them."""

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        *,
        client_secret: str | None = None,
        certificate_pem: str | None = None,
        thumbprint: str | None = None,
        authority: str = "https://login.microsoftonline.com",
        scope: str = GRAPH_SCOPE,
        http_client: Any = None,
        keys: Keys = Keys(),  # noqa: B008 (frozen, so one shared default is safe)
    ) -> None:
        """`keys`: the settings that lead to the identity platform, for the sentences its failures end in."""
        if certificate_pem is not None:
            credential: Any = {"private_key": certificate_pem, "thumbprint": thumbprint or ""}
        elif client_secret is not None:
            credential = client_secret
        else:
            raise BackendError("OAuth needs a client secret or a certificate; set one in service.yaml")
        extra: dict[str, Any] = {"http_client": http_client} if http_client is not None else {}
        self._scope = scope
        self.where = f"{authority.rstrip('/')}/{tenant_id}"
        self._keys = keys
        self._server = Server("the identity platform", self.where, self._keys.authority, self._keys.ca_bundle)
        try:
            self._app = msal.ConfidentialClientApplication(
                client_id,
                client_credential=credential,
                authority=self.where,
                # A configured authority is trusted as given: no instance discovery against Microsoft's cloud,
                # so sovereign clouds and the sandbox's token endpoint work the same way.
                instance_discovery=False,
                validate_authority=False,
                **extra,
            )
        except requests.RequestException as exc:  # msal reads the authority's metadata right away
            raise self._unusable(exc) from None
        except ValueError:  # msal found no OpenID configuration there (4xx, or no JSON)
            check = " and ".join(key for key in (keys.tenant, keys.authority) if key)
            unknown = self._server.sentence("knows no such tenant, or is no identity platform")
            raise BackendError(unknown + (f"; check {check}" if check else "")) from None

    def token(self) -> dict[str, Any]:
        """A current access token as an OAuth2 token dict (access_token, token_type, expires_in)."""
        try:
            result = self._app.acquire_token_for_client(scopes=[self._scope])
        except requests.RequestException as exc:
            raise self._unusable(exc) from None
        if "access_token" not in result:
            detail = result.get("error_description") or result.get("error") or "no token in the answer"
            raise TokenRefused(detail.splitlines()[0], str(result.get("error", "")))
        return {
            "access_token": result["access_token"],
            "token_type": result.get("token_type", "Bearer"),
            "expires_in": result.get("expires_in", 3600),
        }

    def _unusable(self, error: requests.RequestException) -> BackendError:
        """One sentence for a request to the identity platform that got no usable answer."""
        if isinstance(error, requests.HTTPError) and error.response is not None:
            return BackendError(self._server.sentence(f"failed: HTTP {error.response.status_code}"))
        return BackendError(self._server.no_answer(error))

    def renew(self) -> dict[str, Any]:
        """A new token from the identity platform, for when the server refused a cached one before its time."""
        self._app.remove_tokens_for_client()
        return self.token()
