"""Microsoft Graph backend for Exchange Online; with graph_auth.py and graph_http.py the only msal/requests users."""

from __future__ import annotations

from mailbot.exchange.graph_auth import EWS_SCOPE, GRAPH_SCOPE, MsalTokenSource, TokenRefused

__all__ = ["EWS_SCOPE", "GRAPH_SCOPE", "MsalTokenSource", "TokenRefused"]
