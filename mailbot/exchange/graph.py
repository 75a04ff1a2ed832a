"""Microsoft Graph side of Exchange Online: app-only tokens from msal. The only module that imports msal.

The Graph backend itself arrives with its own issue; the token source already serves EWS OAuth.
"""

from __future__ import annotations

from typing import Any

import msal
import requests

from mailbot.errors import BackendError

EWS_SCOPE = "https://outlook.office365.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


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
    ) -> None:
        if certificate_pem is not None:
            credential: Any = {"private_key": certificate_pem, "thumbprint": thumbprint or ""}
        elif client_secret is not None:
            credential = client_secret
        else:
            raise BackendError("OAuth needs a client secret or a certificate; set one in service.yaml")
        extra: dict[str, Any] = {"http_client": http_client} if http_client is not None else {}
        self._scope = scope
        where = f"{authority.rstrip('/')}/{tenant_id}"
        try:
            self._app = msal.ConfidentialClientApplication(
                client_id,
                client_credential=credential,
                authority=where,
                # A configured authority is trusted as given: no instance discovery against Microsoft's cloud,
                # so sovereign clouds and the sandbox's token endpoint work the same way.
                instance_discovery=False,
                validate_authority=False,
                **extra,
            )
        except (ValueError, requests.RequestException) as exc:  # msal reads the authority's metadata right away
            raise BackendError(f"The identity platform at {where} cannot be used: {exc}") from None

    def token(self) -> dict[str, Any]:
        """A current access token as an OAuth2 token dict (access_token, token_type, expires_in)."""
        result = self._app.acquire_token_for_client(scopes=[self._scope])
        if "access_token" not in result:
            detail = result.get("error_description") or result.get("error") or "no token in the answer"
            raise BackendError(f"The identity platform refused a token: {detail.splitlines()[0]}")
        return {
            "access_token": result["access_token"],
            "token_type": result.get("token_type", "Bearer"),
            "expires_in": result.get("expires_in", 3600),
        }
