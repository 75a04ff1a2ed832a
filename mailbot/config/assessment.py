"""policy.yaml `assessment:`: the targets and peer figures the organisation compares itself with in the annual
assessment (`mailbot report --period year`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from mailbot.config.service import Strict


@dataclass(frozen=True)
class Measure:
    """A figure a benchmark can name: what it is called, its unit, its allowed range and which way is better."""

    label: str
    unit: str
    low: float
    high: float | None
    higher_is_better: bool


MEASURES = {
    "on_time_percent": Measure("answered within the standard", "%", 0, 100, True),
    "median_hours": Measure("median business hours to the first answer", "business hours", 0, None, False),
    "p90_hours": Measure("90th percentile business hours to the first answer", "business hours", 0, None, False),
    "complaints_per_1000": Measure("complaints per 1,000 member messages", "per 1,000", 0, None, False),
    "satisfaction": Measure("average satisfaction score (1 to 5)", "of 5", 1, 5, True),
}


class Benchmark(Strict):
    """One figure to compare with: a target the organisation set itself, or what peers achieve."""

    name: str = Field(min_length=1, description="How the assessment names it, e.g. `Board target 2027`.")
    figure: str = Field(description="What is compared: " + ", ".join(MEASURES) + ".")
    value: float = Field(description="The target or the peers' figure, in the figure's unit.")
    kind: Literal["target", "peer"] = Field(description="`target`: ours to reach; `peer`: what others achieve.")
    channel: Literal["all", "email", "voicemail"] = Field(
        default="all", description="E-mail, voicemail, or both together (`all`)."
    )
    source: str = Field(default="", description="Where the figure comes from, e.g. a survey or a board decision.")

    @field_validator("figure")
    @classmethod
    def _known_figure(cls, figure: str) -> str:
        if figure not in MEASURES:
            raise ValueError(f"{figure!r} is not a figure the assessment reports; use one of {', '.join(MEASURES)}")
        return figure

    @field_validator("value")
    @classmethod
    def _in_range(cls, value: float, info: ValidationInfo) -> float:
        measure = MEASURES.get(info.data.get("figure", ""))
        if measure is None:  # the figure itself is wrong; that is the problem to tell
            return value
        if value < measure.low or (measure.high is not None and value > measure.high):
            span = f"{measure.low:g} to {measure.high:g}" if measure.high is not None else f"{measure.low:g} or more"
            raise ValueError(f"{info.data['figure']} ({measure.label}, {measure.unit}) is {span}, not {value:g}")
        return value

    @field_validator("kind", mode="before")
    @classmethod
    def _known_kind(cls, kind: object) -> object:
        if kind not in ("target", "peer"):
            raise ValueError(f"{str(kind)!r} is neither `target` (ours to reach) nor `peer` (what others achieve)")
        return kind


class AssessmentPolicy(Strict):
    benchmarks: list[Benchmark] = Field(
        default=[], description="Targets and peer figures the annual assessment compares this year's figures with."
    )
