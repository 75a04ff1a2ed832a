"""POST /v1.0/$batch: up to 20 requests (URLs relative to /v1.0) in one, each answered with its own status,
headers and body.

The sandbox runs the sub-requests one after another, each through the whole front end as if it had come alone:
its own mailbox concurrency slot and its own fault from the switchboard, so a single sub-request can be throttled
(429 with a Retry-After header in its sub-response) while the others succeed. A dropped-connection fault drops the
whole batch's connection, as a network failure would. `dependsOn` is honoured: a sub-request whose dependency
failed gets 424 Failed Dependency.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from mailbot.sandbox.graph_wire import GraphError, Reply

MAX_REQUESTS = 20
_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def run(request: Request, handle: Callable[[Request], Response]) -> Reply:
    """Answer a batch; `handle` answers one sub-request as the front end answers any request."""
    subs = _requests(request)
    statuses: dict[str, int] = {}
    responses = []
    for sub in subs:
        sub_id = str(sub["id"])
        failed = [d for d in sub.get("dependsOn") or [] if statuses.get(str(d).lower(), 200) >= 400]
        if failed:
            answer = _failed_dependency(sub_id, str(failed[0]))
        else:
            answer = _answer(sub_id, handle(Request(_environ(request, sub))))
        statuses[sub_id.lower()] = int(answer["status"])
        responses.append(answer)
    return Reply(200, {"responses": responses})


def _requests(request: Request) -> list[dict[str, Any]]:
    """The batch's requests, checked as Graph checks them before running any."""
    try:
        payload = json.loads(request.get_data() or b"null")
    except ValueError:
        payload = None
    subs = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(subs, list) or not all(isinstance(s, dict) for s in subs):
        raise GraphError(400, "BadRequest", "Invalid batch payload format: the body needs a 'requests' list.")
    if len(subs) > MAX_REQUESTS:
        raise GraphError(400, "BadRequest", f"Batch request limit exceeded: a batch holds at most {MAX_REQUESTS} "
                         f"requests, this one {len(subs)}.")  # fmt: skip
    ids = [str(s.get("id", "")).lower() for s in subs]
    if "" in ids or len(set(ids)) != len(ids):
        raise GraphError(400, "BadRequest", "Every request in a batch needs an id, unique within the batch.")
    for sub in subs:
        url = str(sub.get("url", ""))
        if str(sub.get("method", "")).upper() not in _METHODS or not url or "://" in url:
            raise GraphError(400, "BadRequest", f"Request {sub['id']} needs a method ({', '.join(_METHODS)}) and a "
                             "url relative to the version, like /users/{id}/messages.")  # fmt: skip
        if url.lstrip("/").lower().startswith("$batch"):
            raise GraphError(400, "BadRequest", "A batch cannot contain another batch.")
    return subs


def _environ(outer: Request, sub: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ of a sub-request: same host and credentials as the batch, its own method, URL and body."""
    headers = {"Authorization": outer.headers.get("Authorization", "")}
    headers.update({str(k): str(v) for k, v in (sub.get("headers") or {}).items()})
    data = None
    if "body" in sub:
        data = json.dumps(sub["body"]).encode()
        headers.setdefault("Content-Type", "application/json")
    builder = EnvironBuilder(path="/v1.0/" + str(sub["url"]).lstrip("/"), base_url=outer.host_url,
                             method=str(sub["method"]).upper(), headers=list(headers.items()), data=data)  # fmt: skip
    environ = builder.get_environ()
    environ["REMOTE_ADDR"] = outer.remote_addr or "127.0.0.1"
    return environ


def _failed_dependency(sub_id: str, dependency: str) -> dict[str, Any]:
    error = {"code": "FailedDependency", "message": f"The request depends on request {dependency}, which failed."}
    return {"id": sub_id, "status": 424, "headers": {"Content-Type": "application/json"}, "body": {"error": error}}


def _answer(sub_id: str, response: Response) -> dict[str, Any]:
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    answer: dict[str, Any] = {"id": sub_id, "status": response.status_code, "headers": headers}
    data = response.get_data()
    if data and (response.mimetype or "").endswith("json"):
        answer["body"] = json.loads(data)
    return answer
