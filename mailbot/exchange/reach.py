"""Why a request to a server got no answer, in one sentence that names the server and the service.yaml setting to
check: both backends' failures to connect end here. The cause is the innermost error under exchangelib's, requests'
and urllib3's wrappers, whose nested reprs would bury it.
"""

from __future__ import annotations

import re
import socket
import ssl
from dataclasses import dataclass

from urllib3.exceptions import ConnectTimeoutError, SSLError

# getaddrinfo's answers for a name that does not exist, as opposed to a name server that could not be asked.
_NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
_UNTRUSTED = re.compile(r"\[SSL: CERTIFICATE_VERIFY_FAILED\] ([^(]+)")
_HANDSHAKE = re.compile(r"\bhandshake operation timed out")


@dataclass(frozen=True)
class Keys:
    """The service.yaml settings that decide where a backend connects and which CAs it trusts, for its sentences;
    None where no setting decides it (EWS's OAuth tokens come from Microsoft's cloud, checked by the system's CAs)."""

    address: str | None = None
    ca_bundle: str | None = None
    authority: str | None = None
    tenant: str | None = None


EWS_KEYS = Keys("backend.ews.endpoint", "backend.ews.ca_bundle", tenant="backend.ews.tenant_id")
GRAPH_KEYS = Keys("backend.graph.base_url", "backend.graph.ca_bundle", "backend.graph.authority",
                  "backend.graph.tenant_id")  # fmt: skip
# A sandbox reached through backend.sandbox_url answers for EWS, Graph and the identity platform alike.
SANDBOX_KEYS = Keys("backend.sandbox_url", "backend.sandbox_ca_bundle", "backend.sandbox_url")


@dataclass(frozen=True)
class Server:
    """A server as a backend's sentences name it: what it is ("EWS"), its URL, and the settings that lead there."""

    name: str
    url: str
    address_key: str | None
    ca_key: str | None

    def no_answer(self, error: BaseException) -> str:
        """One sentence for a request that got no answer: the certificate not trusted, no connection made (refused,
        unknown host, timed out, TLS), or a connection that broke before the answer."""
        if why := untrusted(error):
            advice = f"; set {self.ca_key} to the CA that signed it" if self.ca_key else ""
            return f"The TLS certificate of {self.name} at {self.url} cannot be verified ({why}){advice}"
        if why := connect_failure(error):
            check = f"; check {self.address_key}" if self.address_key else ""
            return self.sentence(f"cannot be reached ({why}){check}")
        return self.sentence(f"did not answer ({reason(chain(error)[-1])})")

    def sentence(self, predicate: str) -> str:
        """`{name} at {url} {predicate}`, beginning with a capital."""
        text = f"{self.name} at {self.url} {predicate}"
        return text[:1].upper() + text[1:]


def untrusted(error: BaseException) -> str | None:
    """Why the server's certificate was not trusted, if that is what `error` came from; None for other TLS failures
    (a wrong protocol version, plain HTTP on the port), which no CA bundle mends. Read from the text as well, since
    exchangelib keeps only the text of the error it wraps."""
    for link in chain(error):
        if found := _UNTRUSTED.search(str(link)):
            return found.group(1).strip()
    return None


def connect_failure(error: BaseException) -> str | None:
    """A few words for why no connection was made (connection refused, unknown host, timed out, TLS: ...), or None
    when one was made and broke (then the request may have reached the server)."""
    links = chain(error)
    # urllib3 files refusals, unknown hosts and connect timeouts under ConnectTimeoutError, failed TLS handshakes
    # under SSLError, and a TLS handshake that timed out as a read that did (only ssl's text tells them apart). Any
    # other read that timed out is no connect failure: the request was sent.
    if not any(isinstance(link, ConnectTimeoutError | SSLError | ssl.SSLError) or _HANDSHAKE.search(str(link))
               for link in links):  # fmt: skip
        return None
    innermost = links[-1]
    if isinstance(innermost, socket.gaierror) and innermost.errno in _NO_SUCH_NAME:
        return "unknown host"
    return reason(innermost)


def chain(error: BaseException) -> list[BaseException]:
    """`error` and the errors it wraps, outermost first, by cause, context, urllib3's `reason` or first argument."""
    found: list[BaseException] = []
    link: object = error
    while isinstance(link, BaseException) and not any(link is seen for seen in found):
        found.append(link)
        cause, args = getattr(link, "reason", None), link.args
        link = link.__cause__ or link.__context__ or (cause if isinstance(cause, BaseException) else None) or (
            args[0] if args else None)  # fmt: skip
    return found


def reason(error: BaseException) -> str:
    """A few words for an error: an OS error's text ("connection refused"), else its message if short."""
    text = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    if isinstance(error, ssl.SSLError):
        return "TLS: " + re.sub(r"^\[SSL: \w+\] | \(_ssl\.c:\d+\)$", "", text)
    if isinstance(error, TimeoutError | socket.timeout) or "timed out" in text.lower():
        return "timed out"
    if not text or len(text) > 100:
        return type(error).__name__
    return text[:1].lower() + text[1:]
