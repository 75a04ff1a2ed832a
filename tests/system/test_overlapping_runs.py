"""Two mailbot processes started at the same moment on the same state, as two cron lines or two hosts might start
them: everything is still sent once, and each process says only what it did itself.

Each pair runs against one sandbox served by `mailbot sandbox serve` (its mailboxes are the proof), on SQLite with
EWS and on PostgreSQL with Microsoft Graph.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

MONDAY = "2026-11-23"
STAFF = ("maria.reyes", "james.okafor", "li.chen", "anna.brandt")


class Served:
    """A `mailbot sandbox serve` process and the service.yaml copy pointed at it."""

    def __init__(self, config: Path, kind: str, state_url: str) -> None:
        self.config = config
        command = [sys.executable, "-m", "mailbot", "sandbox", "serve", "--config", config.name, "--backend", kind,
                   "--port", "0", "--now", f"{MONDAY}T07:00-05:00"]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=config.parent, stdout=subprocess.PIPE, text=True)
        printed = self._printed_until("sandbox_ca_bundle: " if kind == "graph" else "sandbox_url: ")
        self.url = next(line.split(": ", 1)[1] for line in printed if line.startswith("sandbox_url: "))
        bundle = next((line.split(": ", 1)[1] for line in printed if line.startswith("sandbox_ca_bundle: ")), None)
        self.tls = ssl.create_default_context(cafile=str(config.parent / bundle)) if bundle else None
        service = yaml.safe_load(config.read_text())
        service["backend"].update({"kind": kind, "sandbox_url": self.url}, **({"sandbox_ca_bundle": bundle} if bundle
                                  else {}))  # fmt: skip
        service["state"]["url"] = state_url
        config.write_text(yaml.safe_dump(service))

    def _printed_until(self, last: str) -> list[str]:
        """The lines `sandbox serve` printed, up to the one starting with `last` (the service.yaml lines come last)."""
        printed: list[str] = []
        while not (printed and printed[-1].startswith(last)):
            line = self.process.stdout.readline()  # type: ignore[union-attr]
            if not line:
                pytest.fail(f"`sandbox serve` printed only {printed} (exit code {self.process.wait()})")
            printed.append(line.strip())
        return printed

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}/admin/{path}", data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(request, timeout=30, context=self.tls) as response:
            return json.load(response)

    def together(self, now: str, *args: str) -> list[subprocess.CompletedProcess[str]]:
        """Start the same command twice at once at `now` (the sandbox's clock moved there too); both results.

        The two meet at the sandbox's gate on their first request, so they overlap whatever their start-up took.
        """
        self.admin("clock", {"now": now})
        self.admin("faults", {"kind": "gate", "parties": 2})
        command = [sys.executable, "-m", "mailbot", *args, "--config", self.config.name, "--now", now]
        started = [subprocess.Popen(command, cwd=self.config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for _ in range(2)]  # fmt: skip
        finished = [subprocess.CompletedProcess(command, 0, *p.communicate(timeout=180)) for p in started]
        for process, result in zip(started, finished, strict=True):
            result.returncode = process.returncode
        return finished

    def sent_by_mailbot(self) -> list[tuple[str, str]]:
        """(mailbox, subject) of every message from mailbot in the staff's inboxes."""
        return [(box, m["subject"]) for box in STAFF for m in self.admin(f"mailboxes/{box}@example.org/inbox")
                if m["sender"]["email"] == "mailbot@example.org"]  # fmt: skip

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(params=[("ews", "sqlite"), pytest.param(("graph", "postgres"), marks=pytest.mark.postgres)],
                ids=["ews-sqlite", "graph-postgres"])  # fmt: skip
def served(request: pytest.FixtureRequest, example_config: Path) -> Iterator[Served]:
    """The example organisation on a served sandbox, its state in SQLite (EWS) or a PostgreSQL schema (Graph)."""
    kind, database = request.param
    state_url = "sqlite:///state/mailbot.sqlite3" if database == "sqlite" else request.getfixturevalue(
        "postgres_schema_url")  # fmt: skip
    server = Served(example_config, kind, state_url)
    yield server
    server.stop()


def lines(results: list[subprocess.CompletedProcess[str]], start: str) -> list[str]:
    return sorted(line for result in results for line in result.stdout.splitlines() if line.startswith(start))


def test_two_runs_at_once_send_everything_once(served: Served) -> None:
    """The weekly status, automatic replies, nudges and the digest, each run twice at the same moment: every person
    gets each message once, and between them the two runs report each thing done once."""
    weekly = served.together(f"{MONDAY}T07:30-05:00", "weekly-status")
    oof = served.together(f"{MONDAY}T08:00-05:00", "oof", "apply")
    synced = served.together(f"{MONDAY}T09:00-05:00", "track", "sync")
    nudged = served.together(f"{MONDAY}T16:00-05:00", "nudge")
    digests = served.together(f"{MONDAY}T17:15-05:00", "digest", "--send")
    runs = [*weekly, *oof, *synced, *nudged, *digests]
    assert [] == [r.stderr for r in runs if "Traceback" in r.stderr or "database is locked" in r.stderr]
    sent = served.sent_by_mailbot()
    assert [] == [message for message, count in Counter(sent).items() if count > 1]
    kinds = Counter((box, "nudge" if "need an answer" in subject else subject.split(" ")[0]) for box, subject in sent)
    assert {("maria.reyes", "Your"): 1, ("james.okafor", "Your"): 1, ("li.chen", "Your"): 1, ("anna.brandt", "Your"): 1,
            ("james.okafor", "nudge"): 1, ("li.chen", "nudge"): 1, ("maria.reyes", "Service"): 1} == kinds  # fmt: skip
    assert ["nudged James Okafor: 4 member messages need an answer soon",
            "nudged Li Chen: 5 member messages need an answer soon"] == lines(nudged, "nudged ")  # fmt: skip
    assert 1 == len(lines(digests, "sent Maria Reyes the digest: "))
    li = "Li Chen <li.chen@example.org>: mailbot "
    assert [f"{li}keeps the automatic reply", f"{li}set the automatic reply"] == lines(oof, li)
