"""Shared fixtures: the repository root and a private copy of the example configuration."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["sandbox_fixtures"]

ROOT = Path(__file__).resolve().parent.parent


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
    """A copy of service.yaml, config/ and message_templates/ that a test may break; returns the service.yaml."""
    shutil.copy(ROOT / "service.yaml", tmp_path / "service.yaml")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "message_templates", tmp_path / "message_templates")
    return tmp_path / "service.yaml"
