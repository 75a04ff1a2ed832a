"""The report's charts, drawn by matplotlib without a display (Agg) and readable in grey print: black and grey
only, hatched bars, markers on lines, labelled axes, a title, and the standard marked. Each is drawn as inline
SVG for the page and as a high-resolution PNG for the PDF (fpdf2 draws no hatching from SVG)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mailbot.assessment.document import Chart

STANDARD = 100.0  # the standard is every message answered by its due time
STANDARD_LABEL = "Standard: every message answered on time (100 %)"
PNG_DPI = 200  # sharp in print at the PDF's chart width
PNG_PIXELS = 6000


def weekly_on_time(weeks: Sequence[str], rates: Sequence[float | None], title: str) -> Chart:
    """On-time rate per week (a gap where nothing was decided) against the standard's line."""
    figure, axes = pyplot.subplots(figsize=(7.5, 3.4))
    values = [math.nan if rate is None else rate for rate in rates]  # a week with nothing decided is a gap
    axes.plot(list(weeks), values, color="black", marker="o", label="Answered on time")
    axes.axhline(STANDARD, color="dimgray", linestyle="--", linewidth=1.5, label=STANDARD_LABEL)
    _finish(axes, title, "Week beginning", "Answered within the standard (%)")
    return _chart(figure, title)


def person_on_time(names: Sequence[str], rates: Sequence[float | None], title: str) -> Chart:
    """One hatched bar per person or shared mailbox (none where nothing was decided), the standard as a line."""
    figure, axes = pyplot.subplots(figsize=(7.5, 1.6 + 0.4 * max(len(names), 1)))
    values = [rate or 0.0 for rate in rates]
    bars = axes.barh(list(names), values, color="lightgray", edgecolor="black", hatch="//", label="Answered on time")
    for bar, rate in zip(bars, rates, strict=True):
        text = "nothing due" if rate is None else f"{rate:.0f} %"
        axes.annotate(text, (bar.get_width(), bar.get_y() + bar.get_height() / 2), xytext=(4, 0),
                      textcoords="offset points", va="center", fontsize=8)  # fmt: skip
    axes.axvline(STANDARD, color="dimgray", linestyle="--", linewidth=1.5, label=STANDARD_LABEL)
    axes.invert_yaxis()
    _finish(axes, title, "Answered within the standard (%)", "Person or shared mailbox", horizontal=True)
    return _chart(figure, title)


def _finish(axes: Axes, title: str, xlabel: str, ylabel: str, *, horizontal: bool = False) -> None:
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if horizontal:
        axes.set_xlim(0, 115)
    else:
        axes.set_ylim(0, 115)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
    axes.grid(axis="x" if horizontal else "y", color="lightgray", linewidth=0.5)


def _chart(figure: Figure, title: str) -> Chart:
    """The figure as an <svg> element with real text (searchable, escaped by matplotlib, no XML prologue) and as
    a PNG of at most PNG_PIXELS on its longer side (a chart of many people stays a few megabytes)."""
    buffer = io.StringIO()
    picture = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "mailbot"}):
        figure.tight_layout()
        # Laid out once; the crop ("tight", with savefig's padding) found once for both files. Left to savefig,
        # each file would draw the whole figure twice: once to lay it out or measure it, once to save it.
        figure.set_layout_engine(None)
        canvas = figure.canvas
        assert isinstance(canvas, FigureCanvasAgg)  # matplotlib.use("Agg") above
        renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]
        crop = figure.get_tightbbox(renderer).padded(matplotlib.rcParams["savefig.pad_inches"])
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches=crop)
        dpi = min(PNG_DPI, PNG_PIXELS / max(crop.width, crop.height))
        figure.savefig(picture, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches=crop)
    pyplot.close(figure)
    text = buffer.getvalue()
    return Chart(title, text[text.index("<svg") :], picture.getvalue())
