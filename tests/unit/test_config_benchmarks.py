"""policy.yaml `assessment.benchmarks`: the shipped ones load, and a bad entry is one sentence naming its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import load_settings
from mailbot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

BENCHMARKS = """
assessment:
  benchmarks:
    - name: Board target
      figure: on_time_percent
      value: {value}
      kind: {kind}
    - {{name: Peers, figure: {figure}, value: 4, kind: peer, source: Survey}}
"""


def with_benchmarks(service_file: Path, value: str = "95", kind: str = "target", figure: str = "median_hours") -> Path:
    """The copied policy.yaml with its `assessment:` replaced by two benchmarks; returns policy.yaml."""
    policy = service_file.parent / "config/policy.yaml"
    text = policy.read_text()
    policy.write_text(text[: text.index("\nassessment:")] + BENCHMARKS.format(value=value, kind=kind, figure=figure))
    return policy


def line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_shipped_benchmarks_load() -> None:
    """The example organisation names a target and a peer figure, each with what it measures and where it is from."""
    benchmarks = load_settings(ROOT / "service.yaml").policy.assessment.benchmarks
    assert {"target", "peer"} == {b.kind for b in benchmarks}
    assert all(b.source for b in benchmarks)


def test_benchmarks_as_written(example_config: Path) -> None:
    """Each entry keeps its name, figure, value, kind, source; the channel is both kinds unless said."""
    with_benchmarks(example_config)
    first, second = load_settings(example_config).policy.assessment.benchmarks
    assert ("Board target", "on_time_percent", 95.0, "target", "all", "") == (
        first.name, first.figure, first.value, first.kind, first.channel, first.source)  # fmt: skip
    assert ("median_hours", "peer", "Survey") == (second.figure, second.kind, second.source)


@pytest.mark.parametrize(
    ("change", "line", "problem"),
    [
        ({"value": "120"}, "value: 120", "assessment.benchmarks[0].value: on_time_percent (answered within the "
                                         "standard, %) is 0 to 100, not 120"),
        ({"kind": "rival"}, "kind: rival", "assessment.benchmarks[0].kind: 'rival' is neither `target` (ours to "
                                           "reach) nor `peer` (what others achieve)"),
        ({"figure": "happiness"}, "name: Peers", "assessment.benchmarks[1].figure: 'happiness' is not a figure the "
         "assessment reports; use one of on_time_percent, median_hours, p90_hours, complaints_per_1000, satisfaction"),
    ],
)  # fmt: skip
def test_a_bad_benchmark_is_one_sentence_at_its_line(
    example_config: Path, change: dict[str, str], line: str, problem: str
) -> None:
    """A value out of range, an unknown kind or figure is reported alone, naming policy.yaml, the line and the key."""
    policy = with_benchmarks(example_config, **change)
    with pytest.raises(ConfigError) as caught:
        load_settings(example_config)
    assert [f"{policy}:{line_of(policy, line)}: {problem}"] == caught.value.problems
