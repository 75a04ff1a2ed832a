"""Worker processes for the report: a large report's charts are drawn, and the previous period measured, while
the command itself counts the period and writes the CSV files."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from types import TracebackType
from typing import ParamSpec, TypeVar

Args = ParamSpec("Args")
Result = TypeVar("Result")
MOST = 4


class Workers:
    """One worker process per core beyond the first (at most MOST); on a machine of one core, the work is done in
    this process when started.

    Workers start from a clean server process (forkserver) with the report's modules imported, never as forks of
    the command holding database connections: a forked copy of a PostgreSQL connection would end the server
    session of the original when it is closed. A worker opens its own connections."""

    def __init__(self, preload: str) -> None:
        self._preload = preload
        self._pool: Executor | None = None

    def __enter__(self) -> Workers:
        workers = min((os.cpu_count() or 1) - 1, MOST)
        if workers > 0:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            if "forkserver" in methods:
                context.set_forkserver_preload([self._preload])
            self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def start(self, work: Callable[Args, Result], *args: Args.args, **kwargs: Args.kwargs) -> Callable[[], Result]:
        """Start `work(*args)` (a module-level function; picklable arguments); the returned function waits for its
        result (raising what the work raised)."""
        if self._pool is None:
            done = work(*args, **kwargs)
            return lambda: done
        return self._pool.submit(work, *args, **kwargs).result
