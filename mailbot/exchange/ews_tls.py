"""TLS trust for EWS, per backend, whatever the environment says.

exchangelib builds its HTTP adapters itself, all from one class per process (BaseProtocol.HTTP_ADAPTER_CLS), so it
cannot be handed a trust per connection. TrustAdapter, installed as that class, looks the trust up per request
instead: each EWS backend names what it trusts for its endpoint's origin (a PEM bundle of CAs, the system's CAs, or
no check at all). A bundle or `False` is passed to requests as `verify` on every send, which also wins over
REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE (requests hands those in as `verify`, so the environment cannot swap the CA).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

_ANY = ""  # the origin key of a backend without an endpoint: autodiscover finds its servers as it goes
_trust: dict[str, list[tuple[object, bool | str]]] = {}  # origin -> (backend's token, its trust), the latest last
_lock = threading.Lock()


class TrustAdapter(requests.adapters.HTTPAdapter):
    """An HTTPAdapter verifying each request as the EWS backend for its origin asked (see the module docstring)."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        verify = trusted(request.url or "")
        if verify is not True:  # True: requests' own choice (system CAs, or REQUESTS_CA_BUNDLE if set)
            kwargs["verify"] = verify
        return super().send(request, *args, **kwargs)


def trust(endpoint: str | None, verify: bool | str) -> Callable[[], None]:
    """Verify requests to `endpoint`'s origin (None: to any origin no backend named) against `verify`: a CA bundle's
    path, True for the system's CAs, False for no check. Returns what undoes it, for when the backend closes."""
    key, token = _origin(endpoint) if endpoint else _ANY, object()
    with _lock:
        _trust.setdefault(key, []).append((token, verify))

    def undo() -> None:
        with _lock:
            _trust[key] = [entry for entry in _trust[key] if entry[0] is not token]

    return undo


def trusted(url: str) -> bool | str:
    """What to verify a request to `url` against: its origin's latest trust, else a backend's without endpoint."""
    with _lock:
        entries = _trust.get(_origin(url)) or _trust.get(_ANY) or [(None, True)]
        return entries[-1][1]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower())
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"
