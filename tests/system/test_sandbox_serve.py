"""`mailbot sandbox serve` as a user runs it: a process of its own serving HTTPS, which other `mailbot` commands
reach through backend.sandbox_url and backend.sandbox_ca_bundle, on Microsoft Graph."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

NOW = "2026-11-23T09:00-05:00"


def mailbot(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mailbot", *map(str, args)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip


@pytest.fixture
def served(example_config: Path) -> Iterator[list[str]]:
    """A `mailbot sandbox serve --backend graph` process on a free port; yields the lines it printed."""
    command = [sys.executable, "-m", "mailbot", "sandbox", "serve", "--config", str(example_config), "--backend",
               "graph", "--port", "0", "--now", NOW]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield _lines_until(process, "  sandbox_ca_bundle: ")
    finally:
        process.terminate()
        process.wait(timeout=30)


def _lines_until(process: subprocess.Popen[str], last: str) -> list[str]:
    """What the process printed, up to the line starting with `last` (failing if it ends or stalls first)."""
    printed: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [printed.put(line) for line in process.stdout or ()], daemon=True).start()
    lines: list[str] = []
    while not (lines and lines[-1].startswith(last)):
        try:
            lines.append(printed.get(timeout=60).rstrip("\n"))
        except queue.Empty:
            pytest.fail(f"`sandbox serve` printed only {lines} (exit code {process.poll()})")
    return lines


def test_graph_commands_reach_a_sandbox_served_over_https(example_config: Path, served: list[str]) -> None:
    """`sandbox serve --backend graph` serves HTTPS and prints the service.yaml lines; with them, `check`, `oof
    plan` and `track sync --backend graph` work against it, trusting the CA bundle it wrote."""
    url = next(line.split(": ", 1)[1] for line in served if line.startswith("  sandbox_url: "))
    assert (["  sandbox: true", "  sandbox_ca_bundle: sandbox-ca.pem"], True, True) == (
        [line for line in served if line in ("  sandbox: true", "  sandbox_ca_bundle: sandbox-ca.pem")],
        url.startswith("https://127.0.0.1:"), (example_config.parent / "sandbox-ca.pem").is_file())  # fmt: skip
    text = example_config.read_text()
    lines = f"  sandbox_url: {url}\n  sandbox_ca_bundle: sandbox-ca.pem\n"
    example_config.write_text(text.replace("  service_account:", lines + "  service_account:", 1))
    check = mailbot("check", "--config", example_config, "--backend", "graph", "--now", NOW)
    assert f"  backend: graph via the sandbox Exchange at {url}, acting as mailbot@example.org" in check.stdout
    plan = mailbot("oof", "plan", "--config", example_config, "--backend", "graph", "--now", NOW)
    assert 1 == plan.returncode, plan.stderr  # Petr's mailbox is off limits in the example: a partial failure
    assert "Li Chen <li.chen@example.org>: mailbot will set the automatic reply" in plan.stdout
    synced = mailbot("track", "sync", "--config", example_config, "--backend", "graph", "--now", NOW)
    assert "tracking 'Lost membership card' from jordan.lee@mail.example in help@example.org" in synced.stdout
    assert "could not" not in synced.stdout and "Traceback" not in synced.stderr + plan.stderr


def test_a_plain_http_sandbox_for_graph_is_caught_by_check(example_config: Path) -> None:
    """`mailbot check` says at once that Graph cannot use a sandbox served over plain HTTP, and what to do."""
    text = example_config.read_text()
    example_config.write_text(text.replace("  service_account:", "  sandbox_url: http://127.0.0.1:8765\n"
                                           "  service_account:", 1))  # fmt: skip
    result = mailbot("check", "--config", example_config, "--backend", "graph")
    assert (2, True) == (result.returncode, "backend.sandbox_url: Microsoft Graph needs the sandbox over HTTPS; "
                         "start it with `mailbot sandbox serve --tls`" in result.stderr)  # fmt: skip
