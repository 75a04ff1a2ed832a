"""Mailbot's memory between runs: sync states, tracked messages, sent keys, OOF records, weekly
statuses, audit, job runs.

`StateStore` is the port the rest of mailbot depends on; `open_store()` gives the SQLAlchemy implementation
for a SQLite file or PostgreSQL, migrated to the current schema.
"""

from mailbot.store.port import (
    AuditEntry,
    ComplaintRecord,
    JobRun,
    LeftOutRecord,
    OofRecord,
    ScoreRecord,
    StateStore,
    SurveyRecord,
    WeeklyStatusRecord,
)
from mailbot.store.store import SqlStore, open_store

__all__ = [
    "AuditEntry",
    "ComplaintRecord",
    "JobRun",
    "LeftOutRecord",
    "OofRecord",
    "ScoreRecord",
    "SqlStore",
    "StateStore",
    "SurveyRecord",
    "WeeklyStatusRecord",
    "open_store",
]
