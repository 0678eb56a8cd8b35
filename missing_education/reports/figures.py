"""The report's figures, computed from plain facts: each chart's table and its headline.

Every function here is pure: the same facts and period give the same tables. Tables hold
counts, codes, dates and case references, never a child's name or address.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from missing_education.domain import Outcome, Status
from missing_education.domain.deadline import Step
from missing_education.reports.facts import CaseFacts, Period, ReportData, missing_school_days

Cell = str | int | float | date | None

# The stages the caseload chart stacks, each a set of case statuses.
STAGES: tuple[tuple[str, str, frozenset[Status]], ...] = (
    (
        "investigating",
        "Received or investigating",
        frozenset({Status.RECEIVED, Status.INVESTIGATING}),
    ),
    (
        "awaiting_place",
        "Located, awaiting a school place",
        frozenset({Status.LOCATED, Status.AWAITING_ADMISSION, Status.FAIR_ACCESS}),
    ),
    (
        "handover_or_s437",
        "Handed over, or on the attendance order route",
        frozenset(
            {
                Status.HANDOVER,
                Status.S437_ISSUED,
                Status.S438_ISSUED,
                Status.ATTENDANCE_ORDER,
                Status.PROSECUTION,
            }
        ),
    ),
    (
        "not_located",
        "Not located (escalated or monitoring)",
        frozenset({Status.ESCALATED, Status.MONITORING}),
    ),
)

# Closures that put the child back into education ("re-engaged in appropriate education
# provision", the CME policy's aim); moves, custody, death and unknown whereabouts are not.
RE_ENGAGED: frozenset[Outcome] = frozenset(
    {
        Outcome.ON_ROLL_HERE,
        Outcome.ON_ROLL_ELSEWHERE,
        Outcome.ALTERNATIVE_PROVISION,
        Outcome.EHE,
    }
)

# Steps with a time limit; the monthly monitoring review is a date for the next review,
# acted on when it comes, not a limit anyone can miss.
TIMED_STEPS: tuple[Step, ...] = tuple(s for s in Step if s is not Step.MONITORING_REVIEW)

NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class Table:
    """A table behind a chart, written as CSV: named columns, one tuple per row."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def column(self, name: str) -> list[Cell]:
        """Every value in one column."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def records(self) -> list[dict[str, Cell]]:
        """The rows as dictionaries keyed by column."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Section:
    """One chart of the report: what it shows, its headline sentence and its tables."""

    key: str
    title: str
    explains: str
    headline: str
    tables: tuple[Table, ...]


@dataclass(frozen=True)
class ReportFigures:
    """Every figure of a report over one period."""

    period: Period
    headline: dict[str, int | float | None]
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def section(self, key: str) -> Section:
        """A section by key."""
        return next(s for s in self.sections if s.key == key)

    def tables(self) -> list[Table]:
        """Every table of every section, in order."""
        return [t for s in self.sections for t in s.tables]


def count(value: Cell) -> int:
    """A table cell as a whole number (0 for empty or text)."""
    return int(value) if isinstance(value, int | float) else 0


def _median(values: Sequence[int]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def _number(value: float | None) -> str:
    if value is None:
        return "none"
    return f"{value:g}"


def caseload(data: ReportData, period: Period) -> Table:
    """Open cases at the end of each day of the period, by stage."""
    rows: list[tuple[Cell, ...]] = []
    for day in period.days():
        counts = Counter(c.status_on(day) for c in data.cases)
        by_stage = [sum(counts[s] for s in statuses) for _, _, statuses in STAGES]
        rows.append((day, *by_stage, sum(by_stage)))
    return Table(
        "caseload",
        "Open cases at the end of each day, by stage",
        ("date", *(key for key, _, _ in STAGES), "open"),
        tuple(rows),
    )


def new_and_closed(data: ReportData, period: Period) -> Table:
    """Cases opened and closed in each week (Monday to Sunday) of the period."""
    rows = []
    for monday in period.weeks():
        sunday = monday + timedelta(days=6)
        days = Period(max(monday, period.start), min(sunday, period.end))
        new = sum(1 for c in data.cases if c.opened_on in days)
        closed = sum(1 for c in data.cases if c.closed_on in days)
        still_open = sum(1 for c in data.cases if c.is_open_on(days.end))
        rows.append((monday, new, closed, still_open))
    return Table(
        "new-and-closed",
        "New and closed cases per week",
        ("week_starting", "new", "closed", "open_at_week_end"),
        tuple(rows),
    )


def reengaged_cases(data: ReportData, period: Period) -> list[CaseFacts]:
    """Cases closed in the period with the child back in education."""
    found = [
        c
        for c in data.cases
        if c.closed_on in period and c.outcome in RE_ENGAGED and c.closed_on is not None
    ]
    return sorted(found, key=lambda c: (c.closed_on or c.opened_on, c.reference))


def reengagement(data: ReportData, period: Period) -> tuple[Table, Table]:
    """Time from notification to re-engagement: one row per child, and medians by reason."""
    rows = []
    for case in reengaged_cases(data, period):
        assert case.closed_on is not None and case.outcome is not None
        rows.append(
            (
                case.reference,
                case.reason or NOT_RECORDED,
                case.outcome.value,
                case.referral_date,
                case.closed_on,
                missing_school_days(data.calendar, case.referral_date, case.closed_on),
                (case.closed_on - case.referral_date).days,
            )
        )
    per_case = Table(
        "reengagement",
        "Time from notification to re-engagement, per child",
        (
            "case_reference",
            "reason",
            "outcome",
            "referral_date",
            "closed_on",
            "school_days",
            "calendar_days",
        ),
        tuple(rows),
    )
    by_reason: dict[str, list[int]] = {}
    for row in rows:
        by_reason.setdefault(str(row[1]), []).append(count(row[5]))
    summary = Table(
        "reengagement-by-reason",
        "Median school days from notification to re-engagement, by reason",
        ("reason", "cases", "median_school_days", "longest_school_days"),
        tuple(
            (reason, len(days), _median(days), max(days))
            for reason, days in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ),
    )
    return per_case, summary


def outcomes(data: ReportData, period: Period) -> Table:
    """Cases closed in the period, by outcome (every outcome listed, zeros included)."""
    counts = Counter(c.outcome for c in data.cases if c.closed_on in period)
    return Table(
        "outcomes",
        "Cases closed in the period, by outcome",
        ("outcome", "cases"),
        tuple((o.value, counts[o]) for o in Outcome),
    )


def _worked(data: ReportData, period: Period) -> list[CaseFacts]:
    return [c for c in data.cases if c.worked_between(period.start, period.end)]


def _ranked(counts: Counter[str]) -> list[tuple[Cell, ...]]:
    return [(code, n) for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def reasons(data: ReportData, period: Period) -> Table:
    """Cases worked in the period (open on any day of it), by the reason notified."""
    counts = Counter(c.reason or NOT_RECORDED for c in _worked(data, period))
    return Table(
        "reasons",
        "Cases worked in the period, by reason",
        ("reason", "cases"),
        tuple(_ranked(counts)),
    )


def vulnerabilities(data: ReportData, period: Period) -> Table:
    """Cases worked in the period with each vulnerability code (a case may have several)."""
    worked = _worked(data, period)
    counts = Counter(code for c in worked for code in sorted(set(c.vulnerabilities)))
    rows = _ranked(counts)
    rows.append(("none_recorded", sum(1 for c in worked if not c.vulnerabilities)))
    return Table(
        "vulnerabilities",
        "Cases worked in the period, by vulnerable group",
        ("vulnerability", "cases"),
        tuple(rows),
    )


def overdue_steps(data: ReportData, period: Period) -> Table:
    """Steps whose time limit ran out in the period, by step and by what happened next.

    A step is overdue from the day after its due date (the due date is the last day allowed).
    `met_late`: done after the limit; `escalated`: the daily review acted on it (reminder,
    escalation or referral); `still_overdue`: neither yet.
    """
    counts: dict[Step, Counter[str]] = {step: Counter() for step in TIMED_STEPS}
    for d in data.deadlines:
        if d.step not in counts or (d.due + timedelta(days=1)) not in period:
            continue
        if d.met_on is not None and d.met_on <= d.due:
            continue
        if d.met_on is not None:
            counts[d.step]["met_late"] += 1
        elif d.acted_on is not None:
            counts[d.step]["escalated"] += 1
        else:
            counts[d.step]["still_overdue"] += 1
    rows = []
    for step, c in counts.items():
        total = c["met_late"] + c["escalated"] + c["still_overdue"]
        rows.append((step.value, c["met_late"], c["escalated"], c["still_overdue"], total))
    return Table(
        "overdue-steps",
        "Steps that went past their time limit in the period",
        ("step", "met_late", "escalated", "still_overdue", "total"),
        tuple(rows),
    )


def officer_workload(data: ReportData, period: Period) -> Table:
    """Home visits per officer: assigned and made in the period, and open at its end."""
    closed_by_end = {
        c.case_id for c in data.cases if c.closed_on is not None and c.closed_on <= period.end
    }

    def open_at_end(visit_officer: int | None) -> int:
        return sum(
            1
            for v in data.visits
            if v.officer_id == visit_officer
            and v.requested_on <= period.end
            and (v.assigned_on is None or v.assigned_on <= period.end)
            and (v.visited_on is None or v.visited_on > period.end)
            and v.case_id not in closed_by_end
        )

    rows: list[tuple[Cell, ...]] = []
    for officer in sorted(data.officers, key=lambda o: o.code):
        mine = [v for v in data.visits if v.officer_id == officer.id]
        rows.append(
            (
                officer.code,
                officer.capacity,
                sum(1 for v in mine if v.assigned_on in period),
                sum(1 for v in mine if v.visited_on in period),
                open_at_end(officer.id),
            )
        )
    rows.append(("unassigned", None, 0, 0, open_at_end(None)))
    return Table(
        "officer-workload",
        "Home visits per officer",
        ("officer", "capacity", "assigned", "visited", "open_at_end"),
        tuple(rows),
    )


def weekly_figures(data: ReportData, period: Period) -> ReportFigures:
    """Every figure of the report, with the headline sentence of each chart."""
    load = caseload(data, period)
    weekly = new_and_closed(data, period)
    per_child, by_reason = reengagement(data, period)
    closed = outcomes(data, period)
    why = reasons(data, period)
    groups = vulnerabilities(data, period)
    overdue = overdue_steps(data, period)
    officers = officer_workload(data, period)

    open_counts = [count(v) for v in load.column("open")]
    peak = max(open_counts)
    peak_day = load.column("date")[open_counts.index(peak)]
    end_row = load.records()[-1]
    days = [count(v) for v in per_child.column("school_days")]
    median_days = _median(days)
    closed_total = sum(count(v) for v in closed.column("cases"))
    worked = len(_worked(data, period))
    overdue_total = sum(count(v) for v in overdue.column("total"))
    visits = officers.records()
    waiting = count(visits[-1]["open_at_end"])
    headline: dict[str, int | float | None] = {
        "open_cases": open_counts[-1],
        "new_cases": sum(count(v) for v in weekly.column("new")),
        "closed_cases": closed_total,
        "reengaged": len(days),
        "median_school_days_to_reengagement": median_days,
        "not_located": count(end_row["not_located"]),
        "overdue_steps": overdue_total,
        "cases_worked": worked,
        "visits_open": sum(count(r["open_at_end"]) for r in visits[:-1]),
        "visits_waiting_for_officer": waiting,
    }

    def top(table: Table, skip: str = "") -> str:
        ranked = [r for r in table.rows if r[0] != skip and count(r[-1]) > 0]
        ranked.sort(key=lambda r: -count(r[-1]))
        return f"{ranked[0][0]} ({ranked[0][-1]})" if ranked else "none"

    overdue_top = max(overdue.rows, key=lambda r: count(r[4]))
    last_week = weekly.rows[-1]
    sections = (
        Section(
            "caseload",
            "Open caseload over time",
            "Cases open at the end of each day, stacked by the stage the case had reached.",
            f"{open_counts[-1]} cases open on {period.end.isoformat()} "
            f"(highest {peak} on {peak_day}); {end_row['not_located']} not located.",
            (load,),
        ),
        Section(
            "new-and-closed",
            "New and closed cases per week",
            "Cases opened (notifications that became cases) and cases closed, per week "
            "starting Monday; weeks cut by the period count only its days.",
            f"{headline['new_cases']} new and {closed_total} closed in the period; in the "
            f"week of {last_week[0]}: {last_week[1]} new, {last_week[2]} closed.",
            (weekly,),
        ),
        Section(
            "reengagement",
            "Time from notification to re-engagement",
            "For each child whose case closed in the period back in education (on a roll "
            "here or elsewhere in England, alternative provision, or elective home "
            "education): school days from the referral date up to the closure date, "
            "distribution and median by reason.",
            f"{len(days)} children back in education; median {_number(median_days)} school "
            "days from notification.",
            (per_child, by_reason),
        ),
        Section(
            "outcomes",
            "Outcomes",
            "Cases closed in the period, by closure outcome.",
            f"{closed_total} cases closed; most often {top(closed)}.",
            (closed,),
        ),
        Section(
            "reasons-and-vulnerabilities",
            "Reasons and vulnerable groups",
            "Cases open on at least one day of the period, by the reason given in the "
            "notification and by each vulnerability recorded (a case may have several).",
            f"{worked} cases worked; most common reason {top(why)}; most common vulnerable "
            f"group {top(groups, skip='none_recorded')}.",
            (why, groups),
        ),
        Section(
            "overdue-steps",
            "Overdue steps by stage",
            "Steps whose time limit ran out in the period, by step: done late, acted on by "
            "the daily case review (reminder, escalation or referral), or still overdue.",
            f"{overdue_total} steps went overdue"
            + (f"; most often {overdue_top[0]} ({overdue_top[4]})." if overdue_total else "."),
            (overdue,),
        ),
        Section(
            "officer-workload",
            "Workload per officer",
            "Home visits per education welfare officer (by code): assigned and made in the "
            "period, and still open at its end against the officer's capacity.",
            f"{headline['visits_open']} visits open at the end across "
            f"{len(visits) - 1} officers; {waiting} waiting for an officer.",
            (officers,),
        ),
    )
    return ReportFigures(period=period, headline=headline, sections=sections)
