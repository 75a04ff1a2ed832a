"""Microsoft Graph v1.0 over the sandbox organisation, as a WSGI app for everything under /v1.0/.

Each request goes through the same steps: a bearer token issued for Graph (401 InvalidAuthenticationToken with a
Bearer challenge otherwise), a concurrency slot for the mailbox the path names by address, user principal name or
object id (the 5th at once gets 429) and its request rate (10,000 in 10 minutes), the next armed fault from the
shared switchboard, then the mailbox check (404 unknown, 403 when the app may not use it) and the route. Routes
outside Exchange Online, directory reads (GET /users and /users/{x}) and Teams presence, skip the slot, the rate and
the mailbox check. A $batch sends each of its sub-requests through these steps, side by side or one after another
(graph_batch.py).
Graph's URL segments are case-insensitive, hence the small router here rather than werkzeug's.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any

import structlog
from werkzeug.wrappers import Request, Response

from mailbot.sandbox import (
    graph_batch,
    graph_calendar,
    graph_mail,
    graph_presence,
    graph_send,
    graph_settings,
    graph_users,
)
from mailbot.sandbox.faults import Faults
from mailbot.sandbox.graph_throttle import MAILBOX_CONCURRENCY, MailboxRate, MailboxSlots, suffer
from mailbot.sandbox.graph_wire import CHALLENGE, JSON_TYPE, NOT_FOUND, Call, GraphError, Reply
from mailbot.sandbox.org import Organisation
from mailbot.sandbox.records import GRAPH_RESOURCE, ItemNotFound, UnknownMailbox

log = structlog.get_logger(__name__)

Handler = Callable[[Call], Reply]
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "users", graph_users.list_users),
    ("GET", "users/{user}", graph_users.get_user),
    ("GET", "users/{user}/calendarView", graph_calendar.calendar_view),
    ("GET", "users/{user}/calendar/calendarView", graph_calendar.calendar_view),
    ("GET", "users/{user}/mailboxSettings", graph_settings.get_settings),
    ("PATCH", "users/{user}/mailboxSettings", graph_settings.patch_settings),
    ("GET", "users/{user}/mailboxSettings/automaticRepliesSetting", graph_settings.get_automatic_replies),
    ("GET", "users/{user}/mailFolders/{folder}/messages/delta", graph_mail.delta),
    ("GET", "users/{user}/messages/{id}", graph_mail.get_message),
    ("GET", "users/{user}/messages/{id}/attachments", graph_mail.list_attachments),
    ("GET", "users/{user}/messages/{id}/attachments/{attachment}", graph_mail.get_attachment),
    ("POST", "users/{user}/messages", graph_send.create_draft),
    ("DELETE", "users/{user}/messages/{id}", graph_send.delete_message),
    ("POST", "users/{user}/messages/{id}/permanentDelete", graph_send.permanent_delete),
    ("POST", "users/{user}/sendMail", graph_send.send_mail),
    ("GET", "users/{user}/presence", graph_presence.get_presence),
    ("POST", "users/{user}/presence/setStatusMessage", graph_presence.set_status_message),
]
# Entra ID's directory and Teams presence, outside Exchange Online: no mailbox slot or rate, and no mailbox access
# policy (it governs Outlook resources only). Their handlers find the user themselves.
NOT_MAILBOX = {"users", "users/{user}", "users/{user}/presence", "users/{user}/presence/setStatusMessage"}
_ACCESS_DENIED = "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings."


class GraphApp:
    """/v1.0/...: the routes of the Graph wire contract, for app-only tokens acting as the service account."""

    def __init__(self, org: Organisation, faults: Faults, max_concurrent: int = MAILBOX_CONCURRENCY) -> None:
        self.org, self.faults = org, faults
        self.slots = MailboxSlots(max_concurrent)
        self.rate = MailboxRate(org.clock)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.handle(Request(environ))(environ, start_response)

    def peak_concurrency(self, mailbox: str) -> int:
        """The most requests for `mailbox` that were in flight at once (refused ones included)."""
        return self.slots.peak(mailbox)

    def handle(self, request: Request) -> Response:
        request.get_data()  # always drain the body, so a kept-alive connection stays in step
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        try:
            reply = self._answer(request)
        except GraphError as error:
            reply = Reply(error.status, self._error(request, request_id, error), error.headers)
        except ConnectionError:
            raise  # the drop_connection fault: the server closes the socket without answering
        except Exception as exc:  # a sandbox bug must look like a server error, not a dropped connection
            log.exception("graph_request_failed", path=request.path)
            failure = GraphError(500, "InternalServerError", f"An internal server error occurred: {exc}")
            reply = Reply(500, self._error(request, request_id, failure))
        log.debug("graph", method=request.method, path=request.path, status=reply.status,
                  ms=round((time.monotonic() - started) * 1000, 1))  # fmt: skip
        return self._respond(request, request_id, reply)

    def _answer(self, request: Request) -> Reply:
        self._authenticate(request)
        segments = [s for s in request.path.split("/") if s][1:]  # after "v1.0"
        if [s.lower() for s in segments] == ["$batch"]:
            if request.method != "POST":
                raise GraphError(405, "BadRequest", "Specified HTTP method is not allowed for the request target.")
            return graph_batch.run(request, self.handle)
        pattern, handler, params = _route(request.method, segments)
        if pattern in NOT_MAILBOX:
            suffer(self.faults)
            return handler(Call(self.org, request, params))
        user = params["user"]  # every other route acts on one mailbox
        try:
            email: str | None = graph_users.find(self.org, user).email
        except UnknownMailbox:
            email = None
        with self.slots.hold(email or user):  # the mailbox's slot, however the path names it
            self.rate.count(email or user)
            suffer(self.faults)
            try:
                return handler(Call(self.org, request, params, self._allowed(user, email)))
            except ItemNotFound:
                raise GraphError(404, "ErrorItemNotFound", NOT_FOUND) from None

    def _authenticate(self, request: Request) -> None:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        token = self.org.bearer_token(credentials.strip()) if scheme.lower() == "bearer" else None
        challenge = {"WWW-Authenticate": CHALLENGE}
        if token is None or not token.valid_at(self.org.clock.now()):
            raise GraphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.",
                             challenge)  # fmt: skip
        if not token.accepted_by(GRAPH_RESOURCE):
            raise GraphError(401, "InvalidAuthenticationToken", "Invalid audience.", challenge)

    def _allowed(self, user: str, email: str | None) -> str:
        """The mailbox the path names (`email`, None if none), if the app may use it."""
        if email is None:
            raise GraphError(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        if not self.org.may_impersonate(email):
            raise GraphError(403, "ErrorAccessDenied", _ACCESS_DENIED)
        return email

    def _error(self, request: Request, request_id: str, error: GraphError) -> dict[str, Any]:
        inner = {"date": self.org.clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                 "request-id": request_id, "client-request-id": _client_request_id(request, request_id)}  # fmt: skip
        return {"error": {"code": error.code, "message": error.message, "innerError": inner}}

    def _respond(self, request: Request, request_id: str, reply: Reply) -> Response:
        headers = {"request-id": request_id, "client-request-id": _client_request_id(request, request_id),
                   "Cache-Control": "no-cache", **reply.headers}  # fmt: skip
        if reply.body is None:
            return Response(b"", reply.status, headers)
        headers["OData-Version"] = "4.0"
        return Response(json.dumps(reply.body), reply.status, headers, content_type=JSON_TYPE)


def _route(method: str, segments: list[str]) -> tuple[str, Handler, dict[str, str]]:
    """The route's pattern, handler and path parameters for a request; literal segments match whatever their case."""
    if segments and segments[0].lower() == "me":
        raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
    allowed = False
    for verb, pattern, handler in ROUTES:
        parts = pattern.split("/")
        if len(parts) != len(segments):
            continue
        params = {p[1:-1]: s for p, s in zip(parts, segments, strict=True) if p.startswith("{")}
        if all(p.startswith("{") or p.lower() == s.lower() for p, s in zip(parts, segments, strict=True)):
            if verb == method:
                return pattern, handler, params
            allowed = True
    if allowed:
        raise GraphError(405, "BadRequest", "Specified HTTP method is not allowed for the request target.")
    raise GraphError(400, "BadRequest", f"Resource not found for the segment '{segments[-1] if segments else ''}'.")


def _client_request_id(request: Request, request_id: str) -> str:
    return request.headers.get("client-request-id") or request_id
