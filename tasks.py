#!/usr/bin/env python3
"""Developer tasks with nothing but Python: `python3 tasks.py demo` and `python3 tasks.py test`
(and for developers, `python3 tasks.py bench`).

Each task first makes .venv from the hashed lock (requirements.lock) if it is missing or stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".installed"
INPUTS = [ROOT / "requirements.lock", ROOT / "pyproject.toml"]


def run(*cmd: str | Path) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    code = subprocess.call([str(c) for c in cmd], cwd=ROOT)
    if code:
        sys.exit(code)


def ensure_venv() -> None:
    """Create or refresh .venv when the lock or pyproject changed since the last install."""
    if STAMP.exists() and all(STAMP.stat().st_mtime >= p.stat().st_mtime for p in INPUTS):
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run(*pip, "--require-hashes", "-r", ROOT / "requirements.lock")
    run(*pip, "--no-deps", "-e", ROOT)
    STAMP.touch()


def task_demo(args: list[str]) -> None:
    """Check the shipped configuration, then run the demo week on the embedded sandbox Exchange."""
    run(BIN / "mailbot", "check", "--config", ROOT / "service.yaml")
    run(BIN / "mailbot", "demo", "--config", ROOT / "service.yaml", *args)


def task_test(args: list[str]) -> None:
    """Lint, type-check and run the whole test suite, one pytest-xdist worker per core (extra arguments go to
    pytest instead of the defaults, e.g. `python3 tasks.py test tests/unit -q`)."""
    run(BIN / "ruff", "check", "mailbot", "tests", "tasks.py")
    run(BIN / "ruff", "format", "--check", "mailbot", "tests", "tasks.py")
    run(BIN / "mypy")
    run(BIN / "python", "-m", "pytest", *(args or ["-q", "-n", "auto"]))


def task_bench(args: list[str]) -> None:
    """Developers: time a year's report of a 200-person organisation on SQLite and PostgreSQL (see benchmarks/)."""
    run(BIN / "python", ROOT / "benchmarks" / "report_bench.py", *args)


def task_lock(args: list[str]) -> None:
    """Maintainers: re-pin requirements.lock (with hashes) after changing dependencies in pyproject.toml."""
    run(BIN / "python", "-m", "pip", "install", "--quiet", "uv")
    run(BIN / "python", "-m", "uv", "pip", "compile", "pyproject.toml", "--extra", "dev", "--generate-hashes",
        "--python-version", "3.11", "--quiet", "-o", "requirements.lock", *args)  # fmt: skip


TASKS = {"demo": task_demo, "test": task_test, "bench": task_bench, "lock": task_lock}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print("usage: python3 tasks.py {" + ",".join(TASKS) + "} [args...]", file=sys.stderr)
        sys.exit(2)
    if sys.version_info < (3, 11):
        sys.exit(f"mailbot needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    ensure_venv()
    TASKS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
