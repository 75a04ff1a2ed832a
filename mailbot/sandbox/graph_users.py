"""Users on Graph: each mailbox's directory object id, and GET /users/{id | userPrincipalName}.

Entra ID gives every user an immutable object id (a GUID); Graph's /users/{x} segment takes it or the user
principal name, which the sandbox takes to be the mailbox's address. The sandbox derives the id from the address,
so it stays the same across restarts, as a real object id does. Some APIs take only the id: presence
(graph_presence.py) refuses an address.
"""

from __future__ import annotations

import uuid

from mailbot.sandbox.graph_wire import Call, GraphError, Reply, pick, select_suffix
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.records import Mailbox, UnknownMailbox

_DIRECTORY = uuid.UUID("5f0c3c1e-6b7a-4d8e-9a51-2f6f1d0c7a11")  # the sandbox tenant's namespace for object ids
_PROPERTIES = frozenset({"id", "displayName", "mail", "userPrincipalName", "accountEnabled"})


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


def find(org: Organisation, segment: str) -> Mailbox:
    """The mailbox a /users/{x} segment names, by object id or user principal name; UnknownMailbox otherwise."""
    if is_object_id(segment):
        wanted = str(uuid.UUID(segment))
        for mailbox in org.mailboxes():
            if object_id(mailbox.email) == wanted:
                return mailbox
        raise UnknownMailbox(segment)
    return org.mailbox(segment)


def named(call: Call) -> Mailbox:
    """The user the path's {user} names, for routes outside Exchange (no mailbox access policy applies); 404 as
    Entra ID words it when the directory has no such user."""
    segment = call.params["user"]
    try:
        return find(call.org, segment)
    except UnknownMailbox:
        raise GraphError(404, "Request_ResourceNotFound", f"Resource '{segment}' does not exist or one of its "
                         "queried reference-property objects are not present.") from None  # fmt: skip


def get_user(call: Call) -> Reply:
    """GET /users/{id | userPrincipalName}: a directory read."""
    mailbox = named(call)
    names = call.selected(_PROPERTIES, "user")
    full = {
        "@odata.context": f"{call.base}/$metadata#users{select_suffix(names)}/$entity",
        "id": object_id(mailbox.email),
        "displayName": mailbox.name,
        "mail": mailbox.email,
        "userPrincipalName": mailbox.email,
        "accountEnabled": True,
    }
    return Reply(200, pick(full, names))
