"""Shared fixtures: the repository root and a private copy of the example configuration."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["sandbox_fixtures"]

ROOT = Path(__file__).resolve().parent.parent
# The sandbox scenario's mail arrives before the tests' first sync: they track as if mailbot went live that day.
LIVE_SINCE = "2026-11-01"


@pytest.fixture
def live_since() -> str:
    """The `tracking.since` date the tests' copies of the example organisation use (LIVE_SINCE)."""
    return LIVE_SINCE


@pytest.fixture(scope="session", autouse=True)
def strict_sandbox() -> Iterator[None]:
    """Commands the tests run (in-process or as subprocesses) check every EWS message against the schema."""
    previous = os.environ.get("MAILBOT_SANDBOX_STRICT")
    os.environ["MAILBOT_SANDBOX_STRICT"] = "1"
    yield
    if previous is None:
        del os.environ["MAILBOT_SANDBOX_STRICT"]
    else:
        os.environ["MAILBOT_SANDBOX_STRICT"] = previous


@pytest.fixture
def example_config(tmp_path: Path) -> Path:
    """A copy of service.yaml, config/ and message_templates/ that a test may break; returns the service.yaml.

    Its policy.yaml tracks mail from LIVE_SINCE (the shipped one says `first run`).
    """
    shutil.copy(ROOT / "service.yaml", tmp_path / "service.yaml")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "message_templates", tmp_path / "message_templates")
    policy = tmp_path / "config/policy.yaml"
    shipped = policy.read_text()
    assert "  since: first run " in shipped, "config/policy.yaml no longer says `since: first run`"
    policy.write_text(shipped.replace("  since: first run ", f"  since: {LIVE_SINCE} ", 1))
    return tmp_path / "service.yaml"


@pytest.fixture
def two_offices(example_config: Path) -> Path:
    """The example copy as an organisation with offices in Berlin (everyone, under Maria Reyes) and Sydney (Anna
    Brandt, who supervises James Okafor there), German and Australian holidays; returns the service.yaml."""
    policy_file, people_file = (example_config.parent / "config" / name for name in ("policy.yaml", "people.yaml"))
    policy = yaml.safe_load(policy_file.read_text())
    hours = {"mon-fri": "08:00-17:00"}
    policy["offices"] = {
        "berlin": {"timezone": "Europe/Berlin", "hours": hours, "holidays": {"country": "DE", "subdivision": "BE"}},
        "sydney": {"timezone": "Australia/Sydney", "hours": hours, "holidays": {"country": "AU", "subdivision": "NSW"}},
    }
    policy_file.write_text(yaml.safe_dump(policy))
    people = yaml.safe_load(people_file.read_text())
    for entry in [*people["people"], *people["shared_mailboxes"]]:
        entry["office"] = "sydney" if entry.get("id") in ("abrandt", "jokafor") else "berlin"
        if entry.get("id") == "jokafor":
            entry["supervisor"] = "abrandt"
    people_file.write_text(yaml.safe_dump(people))
    return example_config
