"""The annual assessment's comparisons and next year's targets (pure: no I/O, no clock).

Results are keyed by (figure, channel): figure as in config/assessment.py MEASURES, channel `email`,
`voicemail` or `all`. The standard asks every message answered by its due time: 100 % on time, per channel.

Next year's target closes half the gap between this year's result and the best in view (the standard for the
share answered on time; otherwise the best target or peer figure entered for it), rounded towards better to
one decimal. It is never worse than this year's result; a result already as good as the best in view is held.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mailbot.config.assessment import MEASURES, Benchmark

Key = tuple[str, str]  # (figure, channel)
STANDARD = 100.0
STANDARD_KEYS: tuple[Key, ...] = (("on_time_percent", "email"), ("on_time_percent", "voicemail"))
ALWAYS: tuple[Key, ...] = (
    *STANDARD_KEYS, ("median_hours", "email"), ("median_hours", "voicemail"), ("complaints_per_1000", "all"),
    ("satisfaction", "all"),
)  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    """This year's result beside the standard, a target or a peer figure."""

    against: str
    kind: str  # standard, target or peer
    figure: str
    channel: str
    theirs: float
    ours: float | None
    verdict: str
    source: str = ""

    @property
    def difference(self) -> float | None:
        return None if self.ours is None else round(self.ours - self.theirs, 2)


@dataclass(frozen=True)
class Target:
    figure: str
    channel: str
    this_year: float | None
    best: float | None  # the best in view, None when there is nothing to aim at
    best_from: str  # where the best in view comes from
    target: float | None  # None without a result this year


def better(figure: str, ours: float, theirs: float) -> bool:
    return ours > theirs if MEASURES[figure].higher_is_better else ours < theirs


def comparisons(results: Mapping[Key, float | None], benchmarks: Sequence[Benchmark]) -> list[Comparison]:
    """The standard first (per channel), then each benchmark in the order policy.yaml lists them."""
    rows = [
        Comparison("The standard", "standard", figure, channel, STANDARD, results.get((figure, channel)),
                   _verdict("standard", figure, results.get((figure, channel)), STANDARD))
        for figure, channel in STANDARD_KEYS
    ]  # fmt: skip
    for mark in benchmarks:
        ours = results.get((mark.figure, mark.channel))
        rows.append(Comparison(mark.name, mark.kind, mark.figure, mark.channel, mark.value, ours,
                               _verdict(mark.kind, mark.figure, ours, mark.value), mark.source))  # fmt: skip
    return rows


def _verdict(kind: str, figure: str, ours: float | None, theirs: float) -> str:
    if ours is None:
        return "no result this year"
    if kind in ("standard", "target"):
        return "met" if ours == theirs or better(figure, ours, theirs) else "not met"
    if ours == theirs:
        return "same as peers"
    return "better than peers" if better(figure, ours, theirs) else "behind peers"


def next_targets(results: Mapping[Key, float | None], benchmarks: Sequence[Benchmark]) -> list[Target]:
    """A target for each figure the assessment always shows, then any other a benchmark names."""
    keys = list(dict.fromkeys([*ALWAYS, *((mark.figure, mark.channel) for mark in benchmarks)]))
    return [_target(figure, channel, results.get((figure, channel)), benchmarks) for figure, channel in keys]


def _target(figure: str, channel: str, ours: float | None, benchmarks: Sequence[Benchmark]) -> Target:
    views = [(mark.value, f"{mark.name} ({mark.kind})") for mark in benchmarks
             if (mark.figure, mark.channel) == (figure, channel)]  # fmt: skip
    if figure == "on_time_percent":  # the standard asks every message answered on time, whatever its channel
        views.append((STANDARD, "the standard"))
    higher = MEASURES[figure].higher_is_better
    best = max(views, key=lambda view: view[0] if higher else -view[0], default=None)
    aim, aim_from = (None, "") if best is None else best
    if ours is None or aim is None or not better(figure, aim, ours):
        return Target(figure, channel, ours, aim, aim_from, ours)  # nothing to go on, or hold what was reached
    halfway = ours + (aim - ours) / 2
    rounded = math.ceil(halfway * 10 - 1e-9) / 10 if higher else math.floor(halfway * 10 + 1e-9) / 10
    return Target(figure, channel, ours, aim, aim_from, min(rounded, aim) if higher else max(rounded, aim))
