"""The report's charts, drawn by matplotlib without a display (Agg) and readable in grey print: black and grey
only, hatched bars, markers on lines, labelled axes, a title, and the standard marked. Each is drawn as inline
SVG for the page and as a high-resolution PNG for the PDF (fpdf2 draws no hatching from SVG)."""

from __future__ import annotations

import io
import math
from collections.abc import Collection, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mailbot.assessment.document import Chart

STANDARD = 100.0  # the standard is every message answered by its due time
STANDARD_LABEL = "Standard: every message answered on time (100 %)"
PNG_DPI = 150  # about 160 dots per inch at the PDF's chart width: sharp in print, and quick to draw
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
    figure, axes = pyplot.subplots(figsize=(7.5, 1.6 + 0.25 * max(len(names), 3)))
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


def response_times(
    email: Sequence[float], voicemail: Sequence[float], limits: Sequence[tuple[float, str]], title: str
) -> Chart:
    """How many first answers took how many business hours, e-mail (light, hatched) and voicemail (dark) side by
    side, the standard's limits as labelled vertical lines; the last bar holds everything beyond the axis."""
    figure, axes = pyplot.subplots(figsize=(7.5, 3.4))
    top = max([*(hours for hours, _ in limits), 1.0]) * 2
    width = max(1.0, math.ceil(top / 16))
    edges = [width * n for n in range(math.ceil(top / width) + 1)]
    data = [[min(value, edges[-1] - width / 2) for value in values] for values in (email, voicemail)]
    _, _, bars = axes.hist(data, bins=edges, color=["lightgray", "dimgray"], edgecolor="black",
                           label=["E-mail", "Voicemail"])  # fmt: skip
    for container, hatch in zip(bars, ("//", ""), strict=True):  # type: ignore[arg-type]
        for patch in container:
            patch.set_hatch(hatch)
    for (hours, label), style in zip(limits, ("--", ":"), strict=False):
        axes.axvline(hours, color="black", linestyle=style, linewidth=1.5, label=label)
    axes.set_xlim(0, edges[-1])
    _finish(axes, title, f"Business hours to first answer ({width:g} h per bar; the last bar: that or more)",
            "Messages answered", scale=False)  # fmt: skip
    return _chart(figure, title)


def volume_by_weekday_hour(
    counts: Mapping[tuple[int, int], int], open_hours: Collection[tuple[int, int]], zone: str, title: str
) -> Chart:
    """Messages received per weekday (rows) and hour of the day (columns) in `zone`, darker for more, the count in
    each cell; the office's opening hours outlined."""
    grid = [[counts.get((day, hour), 0) for hour in range(24)] for day in range(7)]
    figure, axes = pyplot.subplots(figsize=(7.5, 3.4))
    image = axes.imshow(grid, cmap="Greys", aspect="auto", vmin=0, vmax=max(1, *(max(row) for row in grid)))
    darkest = max(1, *(max(row) for row in grid))
    for day, row in enumerate(grid):
        for hour, value in enumerate(row):
            if value:
                axes.text(hour, day, str(value), ha="center", va="center", fontsize=6,
                          color="white" if value > darkest / 2 else "black")  # fmt: skip
    for index, (day, hour) in enumerate(sorted(open_hours)):
        axes.add_patch(Rectangle((hour - 0.5, day - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=0.8,
                                 label="Office hours" if index == 0 else None))  # fmt: skip
    axes.set_xticks(range(0, 24, 2))
    axes.set_yticks(range(7), list(WEEKDAYS))
    figure.colorbar(image, ax=axes, label="Messages received", fraction=0.04)
    axes.set_title(title)
    axes.set_xlabel(f"Hour of the day ({zone})")
    axes.set_ylabel("Weekday")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), fontsize=8, frameon=False)
    return _chart(figure, title)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _finish(axes: Axes, title: str, xlabel: str, ylabel: str, *, horizontal: bool = False, scale: bool = True) -> None:
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if not scale:
        pass
    elif horizontal:
        axes.set_xlim(0, 115)
    else:
        axes.set_ylim(0, 115)
    # Under the axis label whatever the chart's height: the gap is in points (fontsize units), not axes fractions.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, 0), borderaxespad=4.6, ncol=2, fontsize=8, frameon=False)
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
