"""The annual assessment's comparisons and next year's targets: half the gap to the best in view, never worse."""

from __future__ import annotations

from mailbot.assessment.targets import comparisons, next_targets
from mailbot.config.assessment import Benchmark


def mark(figure: str, value: float, kind: str = "peer", channel: str = "all", name: str = "Peers") -> Benchmark:
    return Benchmark(name=name, figure=figure, value=value, kind=kind, channel=channel)  # type: ignore[arg-type]


def target_of(results: dict[tuple[str, str], float | None], marks: list[Benchmark], key: tuple[str, str]) -> object:
    return next((t.target, t.best, t.best_from) for t in next_targets(results, marks) if (t.figure, t.channel) == key)


def test_the_share_on_time_closes_half_the_gap_to_the_standard() -> None:
    """80 % on time this year aims at 90 % next year: halfway to the standard's 100 %."""
    results = {("on_time_percent", "email"): 80.0}
    assert (90.0, 100.0, "the standard") == target_of(results, [], ("on_time_percent", "email"))


def test_rounding_is_towards_better_and_never_past_the_best() -> None:
    """Halfway from 99.9 % is 99.95 %: rounded up to 100 %, not beyond; hours round down, not below the peers."""
    assert (100.0, 100.0, "the standard") == target_of({("on_time_percent", "voicemail"): 99.9}, [],
                                                       ("on_time_percent", "voicemail"))  # fmt: skip
    peers = [mark("median_hours", 6.0, channel="email")]
    assert (6.0, 6.0, "Peers (peer)") == target_of({("median_hours", "email"): 6.05}, peers, ("median_hours", "email"))


def test_a_lower_figure_is_better_for_hours_and_complaints() -> None:
    """Ten business hours against peers' six aims at eight; complaints at 3 per 1,000 against peers' 4 are held."""
    marks = [mark("median_hours", 6.0, channel="email"), mark("complaints_per_1000", 4.0)]
    results = {("median_hours", "email"): 10.0, ("complaints_per_1000", "all"): 3.0}
    assert (8.0, 6.0, "Peers (peer)") == target_of(results, marks, ("median_hours", "email"))
    assert (3.0, 4.0, "Peers (peer)") == target_of(results, marks, ("complaints_per_1000", "all"))


def test_the_best_of_several_benchmarks_is_aimed_at() -> None:
    """A board target of 4.0 and peers at 4.6 for satisfaction: from 4.0 this year the aim is 4.6, target 4.3."""
    marks = [mark("satisfaction", 4.0, "target", name="Board"), mark("satisfaction", 4.6)]
    assert (4.3, 4.6, "Peers (peer)") == target_of({("satisfaction", "all"): 4.0}, marks, ("satisfaction", "all"))


def test_without_a_result_or_anything_to_aim_at() -> None:
    """No survey scores: no target; median hours with no benchmark: this year's result is held."""
    results = {("median_hours", "voicemail"): 5.5}
    assert (None, None, "") == target_of(results, [], ("satisfaction", "all"))
    assert (5.5, None, "") == target_of(results, [], ("median_hours", "voicemail"))


def test_a_figure_a_benchmark_names_gets_a_target_too() -> None:
    """The 90th percentile is not among the figures always shown; a benchmark for it adds its row."""
    marks = [mark("p90_hours", 8.0, channel="voicemail")]
    assert (10.0, 8.0, "Peers (peer)") == target_of(
        {("p90_hours", "voicemail"): 12.0}, marks, ("p90_hours", "voicemail")
    )


def test_comparisons_say_met_or_behind_and_by_how_much() -> None:
    """The standard per channel first, then each benchmark as listed, with the signed difference and a verdict."""
    marks = [mark("on_time_percent", 95.0, "target", name="Board"), mark("median_hours", 6.0, channel="email"),
             mark("satisfaction", 4.2)]  # fmt: skip
    results = {("on_time_percent", "email"): 100.0, ("on_time_percent", "voicemail"): 90.0,
               ("on_time_percent", "all"): 96.5, ("median_hours", "email"): 7.5}  # fmt: skip
    rows = [(r.against, r.channel, r.difference, r.verdict) for r in comparisons(results, marks)]
    assert [
        ("The standard", "email", 0.0, "met"),
        ("The standard", "voicemail", -10.0, "not met"),
        ("Board", "all", 1.5, "met"),
        ("Peers", "email", 1.5, "behind peers"),
        ("Peers", "all", None, "no result this year"),
    ] == rows
