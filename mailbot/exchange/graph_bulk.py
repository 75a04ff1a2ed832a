"""Many GETs for one mailbox in JSON $batch requests, each batch fully parallel and at most as large as the
mailbox's concurrency (4 on Exchange Online).

Graph refuses a batch that mixes `dependsOn` chains with independent requests (400, "Batch should be either fully
sequential or fully parallel"), and runs a parallel batch's requests side by side, where Exchange Online throttles
a fifth concurrent request for a mailbox (429 ApplicationThrottled, MailboxConcurrency). So each batch holds at most
`max_concurrent` independent requests and takes that many of the mailbox's places. Parallel rather than one
sequential chain of 20: the server then works on the mailbox's 4 requests at once, and a message deleted meanwhile
(404) fails alone instead of failing the rest of a chain with 424. Throttled requests (429/503 in their own
sub-response) go again after their Retry-After, within the backend's retry budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailbot.errors import BackendError
from mailbot.exchange.graph_errors import refused, retry_after
from mailbot.exchange.graph_http import GraphHttp

Answer = tuple[int, dict[str, Any]]  # (HTTP status, JSON body) of one request in a $batch


def batch_get(http: GraphHttp, mailbox: str, paths: Sequence[str]) -> list[Answer]:
    """GET each path (relative to the API root) for `mailbox`; answers in `paths` order, throttled ones retried."""
    answers: dict[int, Answer] = {}
    size = max(1, http.max_concurrent)
    for first in range(0, len(paths), size):
        answers.update(_batch(http, mailbox, paths, list(range(first, min(first + size, len(paths))))))
    return [answers[i] for i in range(len(paths))]


def _batch(http: GraphHttp, mailbox: str, paths: Sequence[str], pending: list[int]) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    waited = 0.0
    while pending:
        requests = [{"id": str(i), "method": "GET", "url": paths[i]} for i in pending]
        answer = http.call("POST", mailbox, "/$batch", body={"requests": requests}, weight=len(pending)).json()
        again, wait = [], 0.0
        for sub in answer.get("responses", []):
            index, status = int(sub["id"]), int(sub["status"])
            if status in (429, 503):
                again.append(index)
                wait = max(wait, retry_after(sub.get("headers") or {}))
            elif status == 401:
                raise refused(http.where)
            else:
                answers[index] = (status, sub.get("body") or {})
        if any(i not in answers and i not in again for i in pending):
            raise BackendError(f"Microsoft Graph at {http.where} left requests out of a $batch answer")
        pending = sorted(again)
        if pending:
            waited = http.back_off(mailbox, wait, waited)
    return answers
