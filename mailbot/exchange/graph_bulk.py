"""Many GETs for one mailbox in JSON $batch requests: 20 to a batch, in as many lanes as the mailbox may have
requests in flight.

Graph runs a batch's requests side by side, and Exchange Online throttles a fifth concurrent request for a mailbox
(429 MailboxConcurrency). So each batch is cut into lanes chained with `dependsOn` (one request after another), at
most `max_concurrent` lanes, and the batch takes that many of the mailbox's places. A request that fails makes the
rest of its lane fail too (424 Failed Dependency): those, and throttled ones, go again in the next round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mailbot.errors import BackendError
from mailbot.exchange.graph_errors import refused, retry_after
from mailbot.exchange.graph_http import GraphHttp

BATCH_LIMIT = 20  # requests per JSON $batch, Graph's limit
Answer = tuple[int, dict[str, Any]]  # (HTTP status, JSON body) of one request in a $batch


def batch_get(http: GraphHttp, mailbox: str, paths: Sequence[str]) -> list[Answer]:
    """GET each path (relative to the API root) for `mailbox`; answers in `paths` order, throttled ones retried."""
    answers: dict[int, Answer] = {}
    for first in range(0, len(paths), BATCH_LIMIT):
        answers.update(_batch(http, mailbox, paths, list(range(first, min(first + BATCH_LIMIT, len(paths))))))
    return [answers[i] for i in range(len(paths))]


def _batch(http: GraphHttp, mailbox: str, paths: Sequence[str], pending: list[int]) -> dict[int, Answer]:
    answers: dict[int, Answer] = {}
    waited = 0.0
    while pending:
        lanes = min(http.max_concurrent, len(pending))
        requests = [{"id": str(i), "method": "GET", "url": paths[i],
                     **({"dependsOn": [str(pending[n - lanes])]} if n >= lanes else {})}
                    for n, i in enumerate(pending)]  # fmt: skip
        answer = http.call("POST", mailbox, "/$batch", body={"requests": requests}, weight=lanes).json()
        again, wait = [], 0.0
        for sub in answer.get("responses", []):
            index, status = int(sub["id"]), int(sub["status"])
            if status in (429, 503):
                again.append(index)
                wait = max(wait, retry_after(sub.get("headers") or {}))
            elif status == 424:  # an earlier request in its lane failed; it was never run
                again.append(index)
            elif status == 401:
                raise refused(http.where)
            else:
                answers[index] = (status, sub.get("body") or {})
        if any(i not in answers and i not in again for i in pending):
            raise BackendError(f"Microsoft Graph at {http.where} left requests out of a $batch answer")
        pending = sorted(again)
        if pending and wait:
            waited = http.back_off(wait, waited)
    return answers
