"""POST /v1.0/$batch: up to 20 requests (URLs relative to /v1.0) in one, each answered with its own status,
headers and body (https://learn.microsoft.com/graph/json-batching).

Graph checks the whole batch before running any of it, and refuses it with 400 when: the body is no `requests`
list, it holds more than 20, an id is missing or repeated (ids are case-insensitive), a method or relative url is
missing, a body comes without a Content-Type header, a `dependsOn` names no earlier request, or the batch is neither
fully parallel (no request depends on another) nor fully sequential (every request after the first depends on an
earlier one): "Batch should be either fully sequential or fully parallel".

A parallel batch runs its requests side by side, each on its own thread, as Graph dispatches them; each goes through
the whole front end as if it had come alone, taking its mailbox's concurrency slot and meeting the next armed
fault, and all of them are in flight at once (graph_throttle.together). So a parallel batch of five requests for one
mailbox has a fifth request over Exchange Online's limit of 4, answered 429 with Retry-After in its own
sub-response while the others succeed. A sequential batch runs one request after another, and one whose dependency
failed gets 424 Failed Dependency. A dropped-connection fault drops the whole batch's connection, as a network
failure would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from mailbot.sandbox.graph_throttle import together
from mailbot.sandbox.graph_wire import GraphError, Reply

MAX_REQUESTS = 20
MIXED = "Batch should be either fully sequential or fully parallel"
_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")

Handle = Callable[[Request], Response]


def run(request: Request, handle: Handle) -> Reply:
    """Answer a batch; `handle` answers one sub-request as the front end answers any request."""
    subs = _requests(request)
    environs = [_environ(request, sub) for sub in subs]
    if any(_depends_on(sub) for sub in subs):
        responses = _one_after_another(subs, environs, handle)
    else:
        responses = _side_by_side(subs, environs, handle)
    return Reply(200, {"responses": responses})


def _one_after_another(subs: list[dict[str, Any]], environs: list[dict[str, Any]], handle: Handle) -> list[Any]:
    statuses: dict[str, int] = {}
    responses = []
    for sub, environ in zip(subs, environs, strict=True):
        failed = [d for d in _depends_on(sub) if statuses[d.lower()] >= 400]
        if failed:
            answer = _failed_dependency(str(sub["id"]), failed[0])
        else:
            answer = _answer(str(sub["id"]), handle(Request(environ)))
        statuses[str(sub["id"]).lower()] = int(answer["status"])
        responses.append(answer)
    return responses


def _side_by_side(subs: list[dict[str, Any]], environs: list[dict[str, Any]], handle: Handle) -> list[Any]:
    start = threading.Barrier(len(subs), timeout=60)  # all in flight at once, as Graph dispatches them

    def one(sub: dict[str, Any], environ: dict[str, Any]) -> dict[str, Any]:
        with together(start):
            return _answer(str(sub["id"]), handle(Request(environ)))

    with ThreadPoolExecutor(max_workers=len(subs), thread_name_prefix="graph-batch") as pool:
        futures = [pool.submit(one, sub, environ) for sub, environ in zip(subs, environs, strict=True)]
        return [future.result() for future in futures]  # a dropped connection inside drops the batch's


def _requests(request: Request) -> list[dict[str, Any]]:
    """The batch's requests, checked as Graph checks them before running any."""
    try:
        payload = json.loads(request.get_data() or b"null")
    except ValueError:
        payload = None
    subs = payload.get("requests") if isinstance(payload, dict) else None
    if not isinstance(subs, list) or not subs or not all(isinstance(s, dict) for s in subs):
        raise _bad("Invalid batch payload format: the body needs a 'requests' list of at least one request.")
    if len(subs) > MAX_REQUESTS:
        raise _bad(f"Batch request limit exceeded: a batch holds at most {MAX_REQUESTS} requests, this one "
                   f"{len(subs)}.")  # fmt: skip
    seen: set[str] = set()
    for sub in subs:
        _check(sub, seen)
        seen.add(str(sub["id"]).lower())
    chained = [bool(_depends_on(sub)) for sub in subs[1:]]  # the first can depend on nothing (checked above)
    if any(chained) and not all(chained):
        raise _bad(MIXED)
    return subs


def _check(sub: dict[str, Any], earlier: set[str]) -> None:
    """One request of a batch, given the ids of the requests before it."""
    sub_id = sub.get("id")
    if not isinstance(sub_id, str) or not sub_id.strip():
        raise _bad("Every request in a batch needs an id (a string).")
    if sub_id.lower() in earlier:
        raise _bad(f"Batch request ids must be unique: '{sub_id}' is used twice.")
    url = sub.get("url")
    if str(sub.get("method", "")).upper() not in _METHODS or not isinstance(url, str) or not url or "://" in url:
        raise _bad(f"Request {sub_id} needs a method ({', '.join(_METHODS)}) and a url relative to the version, "
                   "like /users/{id}/messages.")  # fmt: skip
    if url.lstrip("/").lower().startswith("$batch"):
        raise _bad("A batch cannot contain another batch.")
    headers = sub.get("headers")
    if headers is not None and not isinstance(headers, dict):
        raise _bad(f"The headers of request {sub_id} must be an object.")
    if "body" in sub and not any(str(k).lower() == "content-type" for k in headers or {}):
        raise _bad(f"Request {sub_id} has a body, so its headers must give its Content-Type.")
    depends = sub.get("dependsOn")
    if depends is not None and not (isinstance(depends, list) and all(isinstance(d, str) for d in depends)):
        raise _bad(f"The dependsOn of request {sub_id} must be a list of request ids.")
    for dependency in _depends_on(sub):
        if dependency.lower() not in earlier:
            raise _bad(f"Invalid dependency for request Id {sub_id}: '{dependency}' is not an earlier request of "
                       "this batch.")  # fmt: skip


def _depends_on(sub: dict[str, Any]) -> list[str]:
    return [str(d) for d in sub.get("dependsOn") or []]


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def _environ(outer: Request, sub: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ of a sub-request: same host and credentials as the batch, its own method, URL and body."""
    headers = {"Authorization": outer.headers.get("Authorization", "")}
    headers.update({str(k): str(v) for k, v in (sub.get("headers") or {}).items()})
    data = json.dumps(sub["body"]).encode() if "body" in sub else None
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
