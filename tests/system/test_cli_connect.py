"""`mailbot check --connect` as IT runs it, on each backend: one line per mailbox, a sentence per missing right,
exit 1 when a mailbox is not fully usable, exit 2 in one sentence when Exchange refuses mailbot altogether.

The embedded sandbox serves the shipped configuration; a configuration for a real server (sandbox: false) points
at a sandbox this test serves, so its mailboxes can be compared before and after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from mailbot.jobs.check_access import SUBJECT
from mailbot.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[2]
MONDAY = "2026-11-23T09:00-05:00"
PETR_LINE = ("  Petr Novak <petr.novak@example.org> (departed): NOT USABLE, missing: automatic replies (read), "
             "automatic replies (change), Inbox, Sent Items")  # fmt: skip
REFUSED = {  # how each backend names what to grant
    "ews": "mailbot may not impersonate petr.novak@example.org: grant the service account ApplicationImpersonation",
    "graph": "mailbot may not use petr.novak@example.org: the app may not access this mailbox (ErrorAccessDenied",
}
SECRET = {"ews": "MAILBOT_EWS_PASSWORD", "graph": "MAILBOT_GRAPH_CLIENT_SECRET"}
_PROXIES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "REQUESTS_CA_BUNDLE",
            "CURL_CA_BUNDLE")  # fmt: skip


def mailbot(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in _PROXIES} | (env or {})
    return subprocess.run([sys.executable, "-m", "mailbot", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env=environ)  # fmt: skip


def real_server(config: Path, server: SandboxServer, kind: str) -> Path:
    """Make the copied service.yaml a configuration for a real server: the sandbox `server`, reached as Exchange
    Server (EWS, Basic) or Exchange Online (Graph, the scenario's app, trusting only the sandbox's CA)."""
    settings = yaml.safe_load(config.read_text())
    backend = settings["backend"]
    backend.update(kind=kind, sandbox=False)
    backend["ews"] = {"endpoint": server.ews_url, "auth": "basic", "username": server.org.service_account,
                      "password": {"env": SECRET["ews"]}, "retry_max_wait_seconds": 5}  # fmt: skip
    if kind == "graph":
        app = server.org.apps.apps()[0]
        backend["graph"] = {"tenant_id": app.tenant_id, "client_id": app.client_id, "authority": server.url,
                            "base_url": server.graph_url, "ca_bundle": str(server.ca_bundle_path),
                            "client_secret": {"env": SECRET["graph"]}, "retry_max_wait_seconds": 5}  # fmt: skip
    config.write_text(yaml.safe_dump(settings))
    return config


def right_secret(server: SandboxServer, kind: str) -> dict[str, str]:
    secret = server.org.service_password if kind == "ews" else server.org.apps.apps()[0].secret
    return {SECRET[kind]: secret or ""}


def mailboxes(server: SandboxServer) -> dict[str, Any]:
    org, folders = server.org, ("inbox", "sentitems", "drafts", "deleteditems")
    return {box.email: (org.get_oof(box.email), {f: sorted(m.subject for m in org.messages(box.email, f))
                                                 for f in folders}) for box in org.mailboxes()}  # fmt: skip


def test_the_shipped_example_shows_petrs_mailbox_not_usable(backend_kind: str) -> None:
    """On the shipped configuration Petr Novak's mailbox is not usable, named with what is missing and what to
    grant; the six others are OK; exit 1."""
    result = mailbot("check", "--connect", "--config", ROOT / "service.yaml", "--backend", backend_kind,
                     "--now", MONDAY)  # fmt: skip
    lines = result.stdout.splitlines()
    assert (1, "") == (result.returncode, result.stderr)
    assert PETR_LINE in lines and 6 == sum(line.endswith(": OK") for line in lines)
    assert REFUSED[backend_kind] in result.stdout
    assert "7 mailbox(es) checked: 6 fully usable, 1 not usable (Petr Novak)." == lines[-1]


def test_a_roster_granted_in_full_exits_0(example_config: Path, backend_kind: str) -> None:
    """With impersonation (on Graph: the access policy) covering Petr's mailbox too, every mailbox is OK."""
    scenario = example_config.parent / "config/sandbox.yaml"
    text = scenario.read_text()
    scenario.write_text(text.replace("  - help@example.org\n", "  - help@example.org\n  - petr.novak@example.org\n", 1))
    result = mailbot("check", "--connect", "--config", example_config, "--backend", backend_kind, "--now", MONDAY)
    assert (0, "7 mailbox(es) checked: 7 fully usable.") == (result.returncode, result.stdout.splitlines()[-1])


def test_the_check_changes_nothing_lasting(example_config: Path, make_sandbox: Any, backend_kind: str) -> None:
    """Against a server mailbot reaches as a real one, replies, drafts and mail are as before the check, apart from
    the one message the service mailbox sent itself."""
    server = make_sandbox()
    before = mailboxes(server)
    config = real_server(example_config, server, backend_kind)
    result = mailbot("check", "--connect", "--now", MONDAY, "--config", config, env=right_secret(server, backend_kind))
    after = mailboxes(server)
    service = server.org.service_account
    oof, folders = before[service]
    assert 1 == result.returncode, result.stderr
    assert {**before, service: (oof, {**folders, "inbox": [SUBJECT], "sentitems": [SUBJECT]})} == after


def test_a_wrong_service_password_is_one_sentence(example_config: Path, make_sandbox: Any, backend_kind: str) -> None:
    """Credentials Exchange refuses end the check at once in one sentence naming the setting to fix; exit 2."""
    server = make_sandbox()
    config = real_server(example_config, server, backend_kind)
    result = mailbot("check", "--connect", "--now", MONDAY, "--config", config, env={SECRET[backend_kind]: "wrong"})
    [sentence] = result.stderr.splitlines()
    assert (2, True) == (result.returncode, sentence.startswith("mailbot: "))
    assert f"check backend.{backend_kind} in service.yaml" in sentence


def test_a_schedule_that_ended_is_told_in_office_time(backend_kind: str) -> None:
    """On Thursday Anna's own reply, scheduled to Wednesday, has ended: the note says when in her office's time,
    its zone named, not as a UTC timestamp."""
    result = mailbot("check", "--connect", "--config", ROOT / "service.yaml", "--backend", backend_kind,
                     "--now", "2026-11-26T09:00-05:00")  # fmt: skip
    expected = (
        "Not proven: mailbot did not change the automatic replies of anna.brandt@example.org: the "
        "scheduled reply ended Wed 25 Nov 2026 00:00 EST, and Exchange refuses to save a schedule that is "
        "over."
    )
    assert expected in result.stdout.splitlines(), result.stdout
