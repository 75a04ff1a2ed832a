"""Presence on Graph: POST /users/{u}/presence/setStatusMessage and GET /users/{u}/presence.

The sandbox has no Teams clients, so availability and activity follow the mailbox: automatic replies on or an
out-of-office event now read as Away/OutOfOffice, a busy or tentative event as Busy/InAMeeting, else Available.
A status message shows until its expiry on the sandbox clock.

Presence is a Teams service, outside Exchange Online: Exchange's mailbox limits and its application access policy
(which governs Outlook resources only) do not apply, and it knows users by their directory object id only. Where
other /users/{x} routes take an address (user principal name) too, presence refuses one with 400, so a client must
look the id up first (GET /users/{upn}?$select=id). Microsoft documents the route as /users/{userId}/presence and no
error text for an address; the sandbox's wording is its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from mailbot.sandbox.events import oof_active
from mailbot.sandbox.graph_time import NEVER, date_time_zone, parse_date_time_zone, timestamp
from mailbot.sandbox.graph_users import is_object_id, named, object_id
from mailbot.sandbox.graph_wire import Call, GraphError, Reply


def set_status_message(call: Call) -> Reply:
    user = _user(call)
    status = call.json().get("statusMessage")
    message = status.get("message") if isinstance(status, dict) else None
    if not isinstance(message, dict) or not isinstance(message.get("content"), str):
        raise GraphError(400, "BadRequest", "statusMessage.message.content is required.")
    if str(message.get("contentType", "text")).lower() != "text":
        raise GraphError(400, "BadRequest", "The only supported status message contentType is text.")
    expiry = status.get("expiryDateTime") if isinstance(status, dict) else None
    expires = parse_date_time_zone(expiry, "expiryDateTime") if expiry is not None else None
    call.org.set_status_message(user, message["content"], expires)
    return Reply(200)


def get_presence(call: Call) -> Reply:
    org, user = call.org, _user(call)
    now = org.clock.now()
    oof = org.get_oof(user)
    current = org.calendar_view(user, now, now + timedelta(seconds=1))
    if oof_active(oof, now) or any(o.entry.show_as == "oof" for o in current):
        availability, activity = "Away", "OutOfOffice"
    elif any(o.entry.show_as in ("busy", "tentative") for o in current):
        availability, activity = "Busy", "InAMeeting"
    else:
        availability, activity = "Available", "Available"
    shown = org.status_message_record(user)
    status: dict[str, Any] | None = None
    if shown is not None:
        status = {
            "message": {"content": shown.text, "contentType": "text"},
            "expiryDateTime": NEVER if shown.expires is None else date_time_zone(shown.expires, "UTC"),
            "publishedDateTime": timestamp(shown.published),
        }
    return Reply(200, {
        "@odata.context": call.context("presence/$entity"),
        "id": object_id(user),
        "availability": availability,
        "activity": activity,
        "statusMessage": status,
        "outOfOfficeSettings": {"message": oof.internal_reply or None, "isOutOfOffice": oof_active(oof, now)},
    })  # fmt: skip


def _user(call: Call) -> str:
    """The address of the user the path names by object id; an address there is refused."""
    segment = call.params["user"]
    if not is_object_id(segment):
        raise GraphError(400, "BadRequest", f"Invalid user id '{segment}': presence takes the user's object id "
                         "(a GUID), not a user principal name or e-mail address.")  # fmt: skip
    return named(call).email
