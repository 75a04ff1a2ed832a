"""The `mailbot` command against an Exchange Server as organisations run it: EWS over HTTPS with a certificate from
their internal CA (`backend.ews.ca_bundle`), the service account logging on with NTLM."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_fixtures import _TLS_ENVIRONMENT, EXAMPLE_SCENARIO, EXAMPLE_WEEK

from mailbot.sandbox import SandboxCA, SandboxServer, load_scenario

NOW = "2026-11-23T09:00-05:00"


@pytest.fixture
def exchange(sandbox_ca: SandboxCA, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """The example organisation's Exchange over HTTPS, its certificate signed by the test CA; no TLS settings from
    the environment."""
    for name in _TLS_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    server = SandboxServer(load_scenario(EXAMPLE_SCENARIO, week=EXAMPLE_WEEK), tls=sandbox_ca).start()
    yield server
    server.stop()


def production_config(example_config: Path, server: SandboxServer, ca_bundle: Path) -> Path:
    """The example service.yaml pointed at `server` as at a real Exchange, logging on as EXAMPLE\\mailbot."""
    text = example_config.read_text().replace("sandbox: true", "sandbox: false")
    text = text.replace("https://mail.example.org/EWS/Exchange.asmx", server.ews_url)
    text = text.replace("'EXAMPLE\\svc-mailbot'", "'EXAMPLE\\mailbot'")
    example_config.write_text(text.replace("    auth: ntlm", f"    auth: ntlm\n    ca_bundle: {ca_bundle}"))
    return example_config


def mailbot(*args: str | Path, password: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "MAILBOT_EWS_PASSWORD": password,
        "MAILBOT_SURVEY_SECRET": "survey key",
    }  # nothing else: no CA bundle from outside
    return subprocess.run([sys.executable, "-m", "mailbot", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env=env)  # fmt: skip


def test_tracking_runs_over_ntlm_and_the_internal_ca(
    exchange: SandboxServer, sandbox_ca: SandboxCA, example_config: Path
) -> None:
    """`track sync` reads the shared help desk over NTLM on HTTPS, trusting the CA bundle IT named."""
    config = production_config(example_config, exchange, sandbox_ca.ca_bundle_path)
    result = mailbot("track", "sync", "--config", config, "--now", NOW, password=exchange.org.service_password)
    assert 1 == result.returncode, result.stderr  # Petr's mailbox is off limits in the example: a partial failure
    assert "tracking 'Lost membership card' from jordan.lee@mail.example in help@example.org" in result.stdout


def test_a_wrong_password_is_one_sentence(exchange: SandboxServer, sandbox_ca: SandboxCA, example_config: Path) -> None:
    """A password Exchange refuses ends in exit 2 and one sentence about the service account, without a trace."""
    config = production_config(example_config, exchange, sandbox_ca.ca_bundle_path)
    result = mailbot("track", "sync", "--config", config, "--now", NOW, password="not-the-password")
    expected = (f"mailbot: EWS at {exchange.ews_url} refused the service account's credentials; check backend.ews "
                "in service.yaml")  # fmt: skip
    assert (2, expected) == (result.returncode, result.stderr.strip().splitlines()[-1])
    assert "Traceback" not in result.stderr
