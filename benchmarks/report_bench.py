"""How long `mailbot report --period year` takes for a year of a 200-person organisation, on SQLite and PostgreSQL.

    python3 tasks.py bench                       # 200 people, 250,000 tracked messages, both databases
    python benchmarks/report_bench.py --messages 2000 --people 20 --backends sqlite

The organisation is the example one (config/) with people added to 200 in teams of ten; the year's messages, and
as many in the year before (the report compares the two), go straight into the state database (about 85 % e-mail,
15 % voicemail; most answered on time, some late, a few still open; one in two hundred a complaint). Timings are
printed as ratios against a baseline measured in the same run, on the same data: the naive way, every row of the
year loaded into Python and counted there. Then the plan (EXPLAIN) of the report's slowest statements. Nothing
here is a test: the suite only runs it on a few rows.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import chain
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mailbot.assessment.command import write_report  # noqa: E402
from mailbot.config import Settings, load_settings  # noqa: E402
from mailbot.store import SqlStore, open_store  # noqa: E402
from mailbot.store.models import ComplaintRow, TrackedRow  # noqa: E402

YEAR = 2026
NOW = datetime(YEAR, 12, 31, 23, tzinfo=UTC)  # the report's moment: --period year is the year containing it
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIRST = ["Ana", "Björn", "Chloé", "Dmitri", "Eszter", "Farid", "Grete", "Hiroshi", "Ines", "Jürgen", "Kasia", "Luis"]
LAST = ["Novák", "Okafor", "Ørsted", "Papadopoulos", "Quintero", "Reyes", "Šimek", "Tanaka", "Úlfarsson", "Weiß"]


def organisation(folder: Path, people: int) -> Settings:
    """A copy of the example organisation with `people` people in teams of ten (the shipped ones kept)."""
    shutil.copy(ROOT / "service.yaml", folder / "service.yaml")
    shutil.copytree(ROOT / "config", folder / "config")
    shutil.copytree(ROOT / "message_templates", folder / "message_templates")
    roster_file = folder / "config" / "people.yaml"
    roster = yaml.safe_load(roster_file.read_text(encoding="utf-8"))
    for n in range(len(roster["people"]), people):
        roster["people"].append({
            "id": f"p{n:04d}", "name": f"{FIRST[n % len(FIRST)]} {LAST[n // len(FIRST) % len(LAST)]} {n}",
            "email": f"p{n:04d}@example.org", "team": f"Team {n // 10:02d}", "office": "main",
        })  # fmt: skip
    roster_file.write_text(yaml.safe_dump(roster, allow_unicode=True), encoding="utf-8")
    return load_settings(folder / "service.yaml")


def rows(settings: Settings, messages: int, year: int = YEAR) -> Iterator[tuple[dict[str, Any], bool]]:
    """A year's tracked messages as table rows (deterministic), each with whether it is a complaint."""
    rng = random.Random(year)
    owners = [(p.id, str(p.email)) for p in settings.people()] + [
        (str(b.email).lower(), str(b.email).lower()) for b in settings.roster.shared_mailboxes
    ]
    members = [f"member{n}@example.net" for n in range(messages // 12 + 1)]
    tz = settings.first_office.tz
    start = datetime(year, 1, 1, tzinfo=tz)
    for n in range(messages):
        owner, mailbox = owners[n % len(owners)]
        day = start + timedelta(days=rng.randrange(365))
        while day.weekday() >= 5 and rng.random() < 0.9:  # few messages at weekends
            day += timedelta(days=1)
        received = day.replace(hour=rng.choice([7, 8, 9, 9, 10, 10, 11, 12, 13, 14, 14, 15, 16, 17, 19]),
                               minute=rng.randrange(60))  # fmt: skip
        voicemail = rng.random() < 0.15
        due = received.replace(hour=17, minute=0) if voicemail else received + timedelta(days=1)
        if due <= received or due.weekday() >= 5:
            due += timedelta(days=(7 - due.weekday()) % 7 or 1)
        fate = rng.random()
        answered = (None if fate < 0.04 else received + (due - received) * rng.uniform(0.05, 0.95) if fate < 0.84
                    else due + timedelta(hours=rng.uniform(1, 72)))  # fmt: skip
        if answered is not None and answered > NOW:
            answered = None
        yield {
            "mailbox": mailbox, "message_id": f"<{n}.{year}@bench.example>", "conversation_id": f"c{n}.{year}",
            "owner_id": owner,
            "sender": "um@example.org" if voicemail else rng.choice(members), "subject": f"Question {n}",
            "kind": "voicemail" if voicemail else "email", "received_at": received.astimezone(UTC),
            "due_at": due.astimezone(UTC), "answered_at": answered and answered.astimezone(UTC), "categories": "[]",
            "item_id": "", "sender_name": "", "resolution": "" if answered is None else "reply", "web_link": "",
        }, rng.random() < 0.005  # fmt: skip


def fill(store: SqlStore, settings: Settings, messages: int) -> None:
    """Insert the year and the year before it (the report compares the two) in batches, as many messages in each;
    complaints get their row too (noted and escalated on arrival)."""
    batch: list[dict[str, Any]] = []
    complaints: list[dict[str, Any]] = []
    with store.engine.begin() as connection:
        for row, complaint in chain(rows(settings, messages, YEAR - 1), rows(settings, messages)):
            batch.append(row)
            if complaint:
                noted = row["received_at"]
                complaints.append(
                    {
                        "mailbox": row["mailbox"],
                        "message_id": row["message_id"],
                        "noted_at": noted,
                        "reason": "keyword",
                        "escalated_at": noted,
                        "outcome": "sent to a supervisor",
                    }
                )
            if len(batch) == 5000:
                connection.execute(insert(TrackedRow.__table__), batch)
                batch = []
        if batch:
            connection.execute(insert(TrackedRow.__table__), batch)
        if complaints:
            connection.execute(insert(ComplaintRow.__table__), complaints)
    with store.engine.begin() as connection:  # fresh statistics, as a database in use would have
        connection.execute(text("ANALYZE"))


def naive(store: SqlStore, settings: Settings) -> Counter[tuple[str, str, str]]:
    """The baseline: load every tracked message of the year into Python and count there."""
    tz = settings.first_office.tz
    start, end = datetime(YEAR, 1, 1, tzinfo=tz), datetime(YEAR + 1, 1, 1, tzinfo=tz)
    counted: Counter[tuple[str, str, str]] = Counter()
    with store.engine.connect() as connection:
        for row in connection.execute(select(TrackedRow).where(TrackedRow.received_at >= start,
                                                               TrackedRow.received_at < end)):  # fmt: skip
            answered = row.answered_at is not None and row.answered_at <= NOW
            counted[(row.owner_id, row.kind, "volume")] += 1
            counted[(row.owner_id, row.kind, "decided")] += answered or row.due_at <= NOW
            counted[(row.owner_id, row.kind, "within")] += answered and row.answered_at <= row.due_at
    return counted


@contextmanager
def statements(engine: Engine) -> Iterator[list[tuple[float, str, Any]]]:
    """Record each statement the engine runs with its parameters and how long it took."""
    seen: list[tuple[float, str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        seen.append((time.perf_counter() - conn.info.pop("bench_started"), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        result = connection.exec_driver_sql(prefix + statement, parameters)
        return [" | ".join(str(value) for value in row) for row in result]


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Seconds on the clock, and of this process's CPU (steadier on a busy machine; PostgreSQL's work is not in it)."""
    began, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - began, time.process_time() - cpu


def bench(name: str, url: str, settings: Settings, messages: int, out: Path, profile: bool) -> None:
    with open_store(url) as store:
        began = time.perf_counter()
        fill(store, settings, messages)
        took = time.perf_counter() - began
        print(f"\n== {name}: {messages:,} tracked messages of {YEAR} (as many of {YEAR - 1}) written in {took:.1f} s")
        baseline, baseline_cpu = min(timed(lambda: naive(store, settings)) for _ in range(2))
        report = lambda: write_report(settings, store, NOW, "year", None, None, out)  # noqa: E731
        with statements(store.engine) as seen:
            took, took_cpu = timed(report)
        print(
            f"baseline (every row of the year into Python, counted there): {baseline:.2f} s = 1.00 "
            f"(CPU {baseline_cpu:.2f} s = 1.00)"
        )
        print(
            f"mailbot report --period year (all files, {len(seen)} statements): {took:.2f} s = "
            f"{took / baseline:.2f} x baseline (CPU {took_cpu:.2f} s = {took_cpu / baseline_cpu:.2f} x)"
        )
        in_sql = sum(duration for duration, _, _ in seen)
        print(f"  of which in the database: {in_sql:.2f} s = {in_sql / baseline:.2f} x baseline")
        slowest: dict[str, tuple[float, Any]] = {}
        for duration, statement, parameters in seen:
            total, _ = slowest.get(statement, (0.0, None))
            slowest[statement] = (total + duration, parameters)
        for statement, (total, parameters) in sorted(slowest.items(), key=lambda item: -item[1][0])[:3]:
            print(f"\n-- {total:.3f} s in total: {' '.join(statement.split())[:300]}")
            for line in explain(store.engine, statement, parameters):
                print(f"   {line}")
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(report)
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats("mailbot", 30)
            print(stream.getvalue())


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A URL whose connections see only a new schema of their own, dropped afterwards."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    schema = f"mailbot_bench_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        parsed = make_url(url)
        yield parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=250_000)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres", help="Comma-separated: sqlite, postgres.")
    parser.add_argument("--postgres-url", default=os.environ.get("MAILBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
                        help="A server to make (and drop) a schema in; default: MAILBOT_TEST_POSTGRES_URL or "
                        f"{DEFAULT_POSTGRES}.")  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="Also show where the report's time goes (cProfile).")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mailbot-bench-") as temporary:
        folder = Path(temporary)
        settings = organisation(folder, args.people)
        print(f"{len(settings.people())} people in {len({p.team for p in settings.people()})} teams")
        for name in args.backends.split(","):
            if name == "sqlite":
                bench("SQLite", f"sqlite:///{folder / 'bench.sqlite3'}", settings, args.messages, folder / "sqlite",
                      args.profile)  # fmt: skip
            elif name == "postgres":
                with postgres_schema(args.postgres_url) as url:
                    bench("PostgreSQL", url, settings, args.messages, folder / "postgres", args.profile)
            else:
                parser.error(f"unknown backend {name!r}; choose sqlite or postgres")


if __name__ == "__main__":
    main()
