"""Users on Graph: each mailbox's directory object id, GET /users/{id | userPrincipalName}, and GET /users with
`$filter=mail eq '...'` (or userPrincipalName).

Entra ID gives every user an immutable object id (a GUID) and a user principal name (UPN): in most tenants the
user's e-mail address, but not in all (a UPN in the tenant's onmicrosoft.com domain, or jdoe@corp.example for
john.doe@example.org). The directory's /users/{x} takes the id or the UPN only, so a client that knows an address
filters on `mail` (an `eq` filter needs no advanced query parameters). Mailbox routes (/users/{x}/messages ...) are
Exchange Online's, which knows a mailbox by its address too (see `find`). The sandbox derives the id from the
address, so it stays the same across restarts, as a real object id does. Some APIs take only the id: presence
(graph_presence.py) refuses an address.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from mailbot.sandbox.graph_wire import Call, GraphError, Reply, pick, select_suffix
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.records import Mailbox, UnknownMailbox

_DIRECTORY = uuid.UUID("5f0c3c1e-6b7a-4d8e-9a51-2f6f1d0c7a11")  # the sandbox tenant's namespace for object ids
_PROPERTIES = frozenset({"id", "displayName", "mail", "userPrincipalName", "accountEnabled"})
# The filters answered: one property equal to a string literal (quotes doubled inside it, as OData writes them).
_FILTER = re.compile(r"\s*(mail|userPrincipalName)\s+eq\s+'((?:[^']|'')*)'\s*", re.IGNORECASE)


def object_id(mailbox: str) -> str:
    """The directory object id of the user behind `mailbox` (an address)."""
    return str(uuid.uuid5(_DIRECTORY, mailbox.lower()))


def is_object_id(segment: str) -> bool:
    """Whether a /users/{x} segment is an object id (a GUID) rather than a user principal name."""
    try:
        uuid.UUID(segment)
    except ValueError:
        return False
    return True


def find(org: Organisation, segment: str, *, by_address: bool = True) -> Mailbox:
    """The mailbox a /users/{x} segment names: by object id or user principal name, or (`by_address`, as Exchange
    Online's mailbox routes do, not the directory) by its address; UnknownMailbox otherwise."""
    if by_address:
        try:
            return org.mailbox(segment)
        except UnknownMailbox:
            pass
    wanted = str(uuid.UUID(segment)) if is_object_id(segment) else segment.lower()
    for mailbox in org.mailboxes():
        if wanted in (object_id(mailbox.email), mailbox.principal_name):
            return mailbox
    raise UnknownMailbox(segment)


def named(call: Call) -> Mailbox:
    """The user the path's {user} names, for routes outside Exchange (no mailbox access policy applies); 404 as
    Entra ID words it when the directory has no such user."""
    segment = call.params["user"]
    try:
        return find(call.org, segment, by_address=False)
    except UnknownMailbox:
        raise GraphError(404, "Request_ResourceNotFound", f"Resource '{segment}' does not exist or one of its "
                         "queried reference-property objects are not present.") from None  # fmt: skip


def get_user(call: Call) -> Reply:
    """GET /users/{id | userPrincipalName}: a directory read."""
    mailbox = named(call)
    names = call.selected(_PROPERTIES, "user")
    context = {"@odata.context": f"{call.base}/$metadata#users{select_suffix(names)}/$entity"}
    return Reply(200, pick({**context, **_user(mailbox)}, names))


def list_users(call: Call) -> Reply:
    """GET /users, all of them or those `$filter=mail eq '...'` (or userPrincipalName) matches, ignoring case as
    the directory does; any other filter is refused."""
    names = call.selected(_PROPERTIES, "user")
    users = [_user(m) for m in sorted(call.org.mailboxes(), key=lambda m: m.email)]
    text = call.arg("$filter")
    if text is not None:
        found = _FILTER.fullmatch(text)
        if found is None:
            raise GraphError(400, "Request_UnsupportedQuery", f"Unsupported query filter clause: {text}. The "
                             "sandbox answers `mail eq '...'` and `userPrincipalName eq '...'`.")  # fmt: skip
        name, value = found.group(1).lower(), found.group(2).replace("''", "'").lower()
        users = [u for u in users if str(u["mail" if name == "mail" else "userPrincipalName"]).lower() == value]
    context = f"{call.base}/$metadata#users{select_suffix(names)}"
    return Reply(200, {"@odata.context": context, "value": [pick(u, names) for u in users]})


def _user(mailbox: Mailbox) -> dict[str, Any]:
    return {"id": object_id(mailbox.email), "displayName": mailbox.name, "mail": mailbox.email,
            "userPrincipalName": mailbox.principal_name, "accountEnabled": True}  # fmt: skip
