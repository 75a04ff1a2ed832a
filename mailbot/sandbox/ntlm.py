"""Integrated Windows authentication for the sandbox's EWS, as IIS does it for Exchange Server: NTLM, also inside
Negotiate, through pyspnego's acceptor.

NTLM authenticates a TCP connection, not a request: the client sends its NEGOTIATE message, gets a 401 carrying the
CHALLENGE, answers on the same connection with AUTHENTICATE, and from then on that connection is the service
account's until it closes. The server keeps that per-connection state in the WSGI environ under CONNECTION.

The service account logs on as Windows accepts it: `DOMAIN\\user` with the NetBIOS or the DNS domain name, or its
user principal name (here its e-mail address) with no domain. The NetBIOS name is the first label of the address's
domain in capitals (at most 15 characters) and the user name its local part (at most 20), as AD would limit them.
Over HTTPS the channel binding is checked (Extended Protection): a client that bound its logon to another TLS
certificate, as one talking through a TLS-intercepting relay would, is refused.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
import threading
import weakref
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import spnego
from spnego._ntlm_raw.crypto import ntowfv1
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

CONNECTION = "mailbot.sandbox.connection"  # environ key: a dict living as long as the TCP connection
SCHEMES = ("Negotiate", "NTLM")  # as IIS offers them, in its order
_CONTEXT, _PRINCIPAL = "ntlm_context", "ntlm_principal"
# pyspnego's NTLM acceptor finds users only in the file named by NTLM_USER_FILE, which is one per process; each
# sandbox has its own file, so the variable names it just while that sandbox's acceptor runs.
_USER_FILE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """A handshake step's result: the account now logged on, or a challenge to send back with a 401, or neither
    (refused)."""

    principal: str | None = None
    challenge: str | None = None


class WindowsLogon:
    """The service account's Windows logon for one sandbox, checked by NTLM on each connection."""

    def __init__(self, account: str, password: str, channel_binding: bytes | None = None) -> None:
        self.account = account.lower()
        self._password = password
        self._bindings = GssChannelBindings(application_data=channel_binding) if channel_binding else None
        self._user_file: str | None = None
        self._lock = threading.Lock()

    def logon_names(self) -> list[str]:
        """The names the account may log on with: DOMAIN\\user (NetBIOS and DNS domain) and its UPN."""
        local, _, domain = self.account.partition("@")
        user = local[:20]
        return [f"{domain.split('.')[0].upper()[:15]}\\{user}", f"{domain}\\{user}", self.account]

    def authenticated(self, connection: MutableMapping[str, Any] | None) -> str | None:
        """The account this connection logged on as earlier, if it did."""
        return None if connection is None else connection.get(_PRINCIPAL)

    def step(self, connection: MutableMapping[str, Any] | None, scheme: str, token: str) -> Outcome:
        """Take one message of the handshake (`scheme` is NTLM or Negotiate, `token` its base64 value)."""
        if connection is None:  # not served by SandboxServer: no connection to authenticate
            return Outcome()
        connection.pop(_PRINCIPAL, None)  # a new handshake replaces whatever logon the connection had
        try:
            data = base64.b64decode(token.strip(), validate=True)
        except binascii.Error:
            return Outcome()
        context = connection.get(_CONTEXT)
        try:
            with self._user_file_set():
                if context is None or _opens_handshake(data):
                    context = connection[_CONTEXT] = self._acceptor(scheme)
                answer = context.step(data)
        except SpnegoError:  # a wrong password, an unknown user, bad bindings or a garbled message
            connection.pop(_CONTEXT, None)
            return Outcome()
        if not context.complete:
            return Outcome(challenge=f"{scheme} {base64.b64encode(answer or b'').decode()}")
        del connection[_CONTEXT]
        connection[_PRINCIPAL] = self.account  # only the service account's names are in the user file
        return Outcome(principal=self.account)

    def _acceptor(self, scheme: str) -> Any:
        if scheme.lower() == "ntlm":
            protocol, options = "ntlm", spnego.NegotiateOptions.use_ntlm
        else:
            protocol, options = "negotiate", spnego.NegotiateOptions.use_negotiate
        return spnego.server(protocol=protocol, options=options, channel_bindings=self._bindings, service="HTTP")

    @contextmanager
    def _user_file_set(self) -> Iterator[None]:
        with _USER_FILE_LOCK:
            before = os.environ.get("NTLM_USER_FILE")
            os.environ["NTLM_USER_FILE"] = self._user_file_path()
            try:
                yield
            finally:
                if before is None:
                    del os.environ["NTLM_USER_FILE"]
                else:
                    os.environ["NTLM_USER_FILE"] = before

    def _user_file_path(self) -> str:
        """The account's names with its NT hash, in smbpasswd's format (a password may hold any character)."""
        with self._lock:
            if self._user_file is None:
                handle, path = tempfile.mkstemp(prefix="sandbox-ntlm-", suffix=".users")  # readable by us alone
                nt_hash = ntowfv1(self._password).hex().upper()
                lines = [f"{name}:0:{'0' * 32}:{nt_hash}:[U]:LCT-00000000\n" for name in self.logon_names()]
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    file.writelines(lines)
                weakref.finalize(self, os.unlink, path)
                self._user_file = path
            return self._user_file


def _opens_handshake(data: bytes) -> bool:
    """A NEGOTIATE message, bare or as SPNEGO's first token, starts a handshake over."""
    return data.startswith(b"NTLMSSP\x00\x01\x00\x00\x00") or data[:1] == b"\x60"
