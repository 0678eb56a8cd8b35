"""The report's charts, drawn with matplotlib's Agg canvas and saved as PNG and SVG files."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, cast

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from missing_education.reports.figures import STAGES, Section, Table, count

# GOV.UK colours: blue, green, orange, purple, red, grey.
PALETTE = ("#1d70b8", "#00703c", "#f47738", "#4c2c92", "#d4351c", "#505a5f")
INK = "#0b0c0c"
STYLE: dict[str, Any] = {
    "font.family": "DejaVu Sans",  # bundled with matplotlib: the same glyphs everywhere
    "font.size": 9,
    "axes.edgecolor": "#b1b4b6",
    "axes.labelcolor": INK,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "cme-report",  # stable element ids: the same figures give the same SVG
}
EMPTY = "Nothing to show for this period"
DPI = 150


def label(code: object) -> str:
    """A code as a chart label: `on_roll_here` becomes `on roll here`."""
    return str(code).replace("_", " ")


def _ints(table: Table, column: str) -> list[int]:
    return [count(v) for v in table.column(column)]


def _empty(ax: Axes) -> None:
    ax.text(0.5, 0.5, EMPTY, ha="center", va="center", transform=ax.transAxes, color="#505a5f")
    ax.set_xticks([])
    ax.set_yticks([])


def _hbars(ax: Axes, labels: Sequence[str], values: Sequence[int], title: str) -> None:
    ax.set_title(title, loc="left")
    if not any(values):
        _empty(ax)
        return
    positions = range(len(values))
    ax.barh(positions, values, color=PALETTE[0])
    ax.set_yticks(list(positions), [label(x) for x in labels])
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    for y, value in zip(positions, values, strict=True):
        ax.text(value, y, f" {value}", va="center", fontsize=8)


def _day_axis(ax: Axes, days: Sequence[date]) -> None:
    # Days are plotted at 0, 1, 2, ...; Mondays are labelled, at most about ten of them.
    mondays = [i for i, d in enumerate(days) if d.weekday() == 0] or [0]
    ticks = mondays[:: math.ceil(len(mondays) / 10)]
    ax.set_xticks(ticks, [f"{days[i].day} {days[i]:%b}" for i in ticks])
    ax.set_xlim(0, max(len(days) - 1, 1))


def caseload_chart(section: Section, figure: Figure) -> None:
    """Open cases per day, stacked by stage."""
    table = section.tables[0]
    ax = figure.subplots()
    days: list[date] = [d for d in table.column("date") if isinstance(d, date)]
    series = [_ints(table, key) for key, _, _ in STAGES]
    ax.stackplot(
        range(len(days)),
        *series,
        labels=[name for _, name, _ in STAGES],
        colors=PALETTE[: len(STAGES)],
        alpha=0.9,
        step="post",
    )
    ax.set_ylabel("open cases")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _day_axis(ax, days)
    ax.set_xlabel("week starting")
    figure.legend(loc="outside lower center", ncols=2, fontsize=8)


def new_and_closed_chart(section: Section, figure: Figure) -> None:
    """New and closed cases per week, side by side."""
    table = section.tables[0]
    ax = figure.subplots()
    weeks = [d for d in table.column("week_starting") if isinstance(d, date)]
    positions = list(range(len(weeks)))
    width = 0.4
    ax.bar(
        [p - width / 2 for p in positions],
        _ints(table, "new"),
        width,
        label="new",
        color=PALETTE[0],
    )
    ax.bar(
        [p + width / 2 for p in positions],
        _ints(table, "closed"),
        width,
        label="closed",
        color=PALETTE[1],
    )
    ax.set_xticks(positions, [f"{w.day} {w:%b}" for w in weeks], rotation=45, ha="right")
    ax.set_xlabel("week starting")
    ax.set_ylabel("cases")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper right")


def reengagement_chart(section: Section, figure: Figure) -> None:
    """The distribution of school days to re-engagement, and the median by reason."""
    per_child, by_reason = section.tables
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": (3, 2)})
    days = _ints(per_child, "school_days")
    left.set_title("School days from notification", loc="left")
    if days:
        top = max(days)
        bins = list(range(0, top + 6, 5))
        left.hist(days, bins=bins, color=PALETTE[0], edgecolor="white")
        middle = float(statistics.median(days))
        left.axvline(middle, color=PALETTE[4], linestyle="--")
        left.text(middle, left.get_ylim()[1] * 0.95, f" median {middle:g}", color=PALETTE[4])
        left.set_xlabel("school days")
        left.set_ylabel("children")
        left.yaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        _empty(left)
    reasons = [str(r) for r in by_reason.column("reason")]
    medians = [
        float(m) if isinstance(m, int | float) else 0.0
        for m in by_reason.column("median_school_days")
    ]
    counts = _ints(by_reason, "cases")
    right.set_title("Median by reason", loc="left")
    if reasons:
        positions = range(len(reasons))
        right.barh(positions, medians, color=PALETTE[1])
        right.set_yticks(list(positions), [label(r) for r in reasons])
        right.invert_yaxis()
        for y, (m, n) in enumerate(zip(medians, counts, strict=True)):
            right.text(m, y, f" {m:g} (n={n})", va="center", fontsize=8)
        right.set_xlabel("school days")
    else:
        _empty(right)


def outcomes_chart(section: Section, figure: Figure) -> None:
    """Closed cases by outcome."""
    table = section.tables[0]
    ax = figure.subplots()
    _hbars(ax, [str(x) for x in table.column("outcome")], _ints(table, "cases"), "Cases closed")


def reasons_chart(section: Section, figure: Figure) -> None:
    """Cases by reason and by vulnerable group, side by side."""
    why, groups = section.tables
    left, right = figure.subplots(1, 2)
    _hbars(left, [str(x) for x in why.column("reason")], _ints(why, "cases"), "Reason")
    _hbars(
        right,
        [str(x) for x in groups.column("vulnerability")],
        _ints(groups, "cases"),
        "Vulnerable group",
    )


def overdue_chart(section: Section, figure: Figure) -> None:
    """Overdue steps by step, stacked by what happened next."""
    table = section.tables[0]
    ax = figure.subplots()
    steps = [label(s) for s in table.column("step")]
    if not any(_ints(table, "total")):
        _empty(ax)
        return
    left = [0] * len(steps)
    for column, colour in zip(
        ("met_late", "escalated", "still_overdue"), PALETTE[1:4], strict=True
    ):
        values = _ints(table, column)
        ax.barh(range(len(steps)), values, left=left, label=label(column), color=colour)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(list(range(len(steps))), steps)
    ax.invert_yaxis()
    ax.set_xlabel("steps")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right")


def officer_chart(section: Section, figure: Figure) -> None:
    """Visits assigned, made and open per officer, with each officer's capacity."""
    table = section.tables[0]
    ax = figure.subplots()
    officers = [str(o) for o in table.column("officer")]
    positions = list(range(len(officers)))
    width = 0.26
    for n, column in enumerate(("assigned", "visited", "open_at_end")):
        ax.bar(
            [p + (n - 1) * width for p in positions],
            _ints(table, column),
            width,
            label=label(column),
            color=PALETTE[n],
        )
    capacity = [
        (p, count(c)) for p, c in zip(positions, table.column("capacity"), strict=True) if c
    ]
    if capacity:
        ax.scatter(
            [p + width for p, _ in capacity],
            [c for _, c in capacity],
            marker="_",
            s=300,
            color=INK,
            label="capacity",
            zorder=3,
        )
    ax.set_xticks(positions, officers)
    ax.set_ylabel("home visits")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper right", fontsize=8)


CHARTS: dict[str, Callable[[Section, Figure], None]] = {
    "caseload": caseload_chart,
    "new-and-closed": new_and_closed_chart,
    "reengagement": reengagement_chart,
    "outcomes": outcomes_chart,
    "reasons-and-vulnerabilities": reasons_chart,
    "overdue-steps": overdue_chart,
    "officer-workload": officer_chart,
}


def draw(section: Section) -> Figure:
    """The section's chart as a matplotlib figure on an Agg canvas."""
    figure = Figure(figsize=(9, 4.4), layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(section.title, x=0.01, ha="left", fontweight="bold", fontsize=11)
    CHARTS[section.key](section, figure)
    return figure


def save_chart(section: Section, folder: Path) -> tuple[Path, Path]:
    """Draw a section's chart into `folder` as `<key>.png` and `<key>.svg`."""
    with matplotlib.rc_context(cast(Any, STYLE)):
        figure = draw(section)
        png, svg = folder / f"{section.key}.png", folder / f"{section.key}.svg"
        figure.savefig(png, dpi=DPI, metadata={"Software": None})
        figure.savefig(svg, metadata={"Date": None, "Creator": None})
    return png, svg
