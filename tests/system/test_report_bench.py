"""The report benchmark (benchmarks/report_bench.py, `tasks.py bench`) runs end to end on a few rows."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_reports_ratios_and_plans(capsys: pytest.CaptureFixture[str]) -> None:
    """On SQLite with a few hundred messages it prints the baseline, the report as a ratio of it, and query plans."""
    spec = importlib.util.spec_from_file_location("report_bench", ROOT / "benchmarks" / "report_bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--messages", "300", "--people", "12", "--backends", "sqlite"])
    out = capsys.readouterr().out
    assert "== SQLite: 300 tracked messages of 2026" in out
    assert "= 1.00" in out and "x baseline" in out
    assert "SCAN tracked" in out or "SEARCH tracked" in out
