"""Shared fixtures: the repository root and a private copy of the example configuration."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["sandbox_fixtures"]

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def example_config(tmp_path: Path) -> Path:
    """A copy of service.yaml, config/ and message_templates/ that a test may break; returns the service.yaml."""
    shutil.copy(ROOT / "service.yaml", tmp_path / "service.yaml")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    shutil.copytree(ROOT / "message_templates", tmp_path / "message_templates")
    return tmp_path / "service.yaml"
