"""Users in the tenant's directory (Entra ID), for the Graph backend: each mailbox's user object id, which presence
takes instead of an address.

The directory knows a user by object id or user principal name (UPN), and the UPN is the e-mail address in most
tenants but not in all (jdoe@corp.example for john.doe@example.org, or a name in the tenant's onmicrosoft.com domain).
So an address is looked up as a UPN first and, when no user has that UPN, as a user's primary address (`mail`), with
an `eq` filter Graph answers without advanced query parameters. Object ids never change: each is looked up once.
"""

from __future__ import annotations

import threading
from urllib.parse import quote, urlencode

from mailbot.errors import MailboxAccessDenied, MailboxError
from mailbot.exchange.graph_errors import NotFound
from mailbot.exchange.graph_http import GraphHttp
from mailbot.exchange.graph_mapping import user_path


class ObjectIds:
    """Object ids of the users behind mailboxes, looked up through `http` and kept."""

    def __init__(self, http: GraphHttp) -> None:
        self._http = http
        self._known: dict[str, str] = {}  # address (lower case) -> object id
        self._lock = threading.Lock()

    def of(self, mailbox: str) -> str:
        """The object id of the user whose address `mailbox` is; MailboxError naming the cause if there is none."""
        with self._lock:
            known = self._known.get(mailbox.lower())
        if known is not None:
            return known
        try:
            found = self._look_up(mailbox)
        except MailboxAccessDenied as exc:
            raise MailboxError(mailbox, f"cannot look up the user's object id, which presence needs (the app needs "
                               f"the User.Read.All application permission): {exc.reason}") from None  # fmt: skip
        with self._lock:
            self._known[mailbox.lower()] = found
        return found

    def _look_up(self, mailbox: str) -> str:
        try:
            return str(self._http.get(mailbox, f"{user_path(mailbox)}?$select=id")["id"])
        except NotFound:
            pass  # no user has it as UPN: look for the user whose primary address it is
        literal = mailbox.replace("'", "''")  # OData doubles a quote inside a string literal
        query = urlencode({"$filter": f"mail eq '{literal}'", "$select": "id"}, quote_via=quote, safe="$'")
        users = self._http.get(mailbox, f"/users?{query}").get("value") or []
        if not users:
            raise MailboxError(mailbox, "no user in the directory has this address as user principal name or as "
                               "primary address, so presence cannot be set")  # fmt: skip
        return str(users[0]["id"])
