"""The DfE termly CME return, derived from case states: which children count, and their rows.

The rules (docs/reports.md explains them for coordinators):

* Terms come from the council's default calendar: its `term` periods that start in
  September to December of year Y make `autumn-Y`, January to March `spring-Y`, April to
  August `summer-Y`; the half terms of a term are merged (first start to last end).
* A case counts in a term when the child was missing education on at least one day of it:
  the case went past triage into the procedure, did not end as `not_cme` (never missing
  education: on a roll, a duplicate, not of compulsory school age), and its CME episode,
  from the referral date up to the day before closure (or the term's end if still open),
  clipped to compulsory school age, overlaps the term. Children located but awaiting a
  school place, and children whose home education was judged unsuitable (s437 notice
  served), are still missing education: being found does not end a CME episode, closure does.
* Time missing is counted in school days on the council calendar, from the referral date
  up to, not including, the closure date (or up to and including the last day counted).
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from missing_education.domain import Outcome
from missing_education.reports.facts import CaseFacts, missing_school_days
from missing_education.rules.calendar import CalendarPeriod, SchoolCalendar
from missing_education.rules.school_age import compulsory_school_age, year_group

# Term name -> the months in which its half terms start.
SEASONS: dict[str, tuple[int, int]] = {"autumn": (9, 12), "spring": (1, 3), "summer": (4, 8)}
_TERM_NAME = re.compile(r"^(autumn|spring|summer)-(\d{4})$")

COLUMNS: tuple[str, ...] = (
    "case_reference",
    "sex",
    "year_group",
    "primary_reason",
    "cme_from",
    "cme_until",
    "school_days_missing",
    "school_days_missing_in_term",
    "status_at_term_end",
    "outcome",
)
STILL_MISSING = "still_missing_education"

# Why a case is not in the return, in the order the rules are applied.
EXCLUSIONS: dict[str, str] = {
    "not_cme": "closed as not CME: on a roll, a duplicate, or not of compulsory school age",
    "not_triaged": "not yet triaged into the procedure",
    "referred_after_term": "referred after the term (or after the day counted up to)",
    "ceased_before_term": "closed before the term began",
    "closed_on_referral_day": "closed on the day it was referred: no day missing",
    "not_of_compulsory_school_age": "not of compulsory school age on any day missing in the term",
}


class TermError(ValueError):
    """The term is not named as `autumn-2026`, or the calendar has no dates for it."""


@dataclass(frozen=True)
class Term:
    """A school term: its name and first and last days."""

    name: str
    start: date
    end: date


@dataclass(frozen=True)
class DfeRow:
    """One child counted as missing education in the term (no name, no date of birth)."""

    case_reference: str
    sex: str
    year_group: int | None
    primary_reason: str
    cme_from: date
    cme_until: date | None
    school_days_missing: int
    school_days_missing_in_term: int
    status_at_term_end: str
    outcome: str

    def cells(self) -> tuple[Any, ...]:
        """The row in the order of COLUMNS."""
        return tuple(getattr(self, column) for column in COLUMNS)


@dataclass(frozen=True)
class DfeReturn:
    """The rows of a term's return, what was left out and why, and the summary."""

    term: Term
    counted_up_to: date
    rows: tuple[DfeRow, ...]
    excluded: dict[str, list[str]]

    def summary(self) -> dict[str, Any]:
        """Counts by outcome, sex, year group and reason; exclusions by rule."""
        days = [r.school_days_missing for r in self.rows]
        return {
            "term": self.term.name,
            "term_start": self.term.start.isoformat(),
            "term_end": self.term.end.isoformat(),
            "counted_up_to": self.counted_up_to.isoformat(),
            "children": len(self.rows),
            "new_in_term": sum(1 for r in self.rows if r.cme_from >= self.term.start),
            "still_missing_at_end": sum(1 for r in self.rows if not r.outcome),
            "median_school_days_missing": (
                round(float(statistics.median(days)), 1) if days else None
            ),
            "by_outcome": _counts(r.outcome or STILL_MISSING for r in self.rows),
            "by_sex": _counts(r.sex for r in self.rows),
            "by_year_group": _counts(
                "unknown" if r.year_group is None else str(r.year_group) for r in self.rows
            ),
            "by_reason": _counts(r.primary_reason for r in self.rows),
            "excluded": {rule: len(refs) for rule, refs in self.excluded.items()},
        }

    def summary_rows(self) -> list[tuple[str, str, int | float | str | None]]:
        """The summary flattened to (group, item, value) rows for a CSV."""
        s = self.summary()
        rows: list[tuple[str, str, int | float | str | None]] = [
            ("term", "name", s["term"]),
            ("term", "start", s["term_start"]),
            ("term", "end", s["term_end"]),
            ("term", "counted_up_to", s["counted_up_to"]),
            ("all", "children", s["children"]),
            ("all", "new_in_term", s["new_in_term"]),
            ("all", "still_missing_at_end", s["still_missing_at_end"]),
            ("all", "median_school_days_missing", s["median_school_days_missing"]),
        ]
        for group, key in (
            ("outcome", "by_outcome"),
            ("sex", "by_sex"),
            ("year_group", "by_year_group"),
            ("reason", "by_reason"),
            ("excluded", "excluded"),
        ):
            rows += [(group, item, n) for item, n in s[key].items()]
        return rows


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def parse_term(name: str) -> tuple[str, int]:
    """The season and year of a term name such as `autumn-2026`."""
    match = _TERM_NAME.match(name.strip().lower())
    if not match:
        raise TermError(f"a term is named autumn-YYYY, spring-YYYY or summer-YYYY, not {name!r}")
    return match.group(1), int(match.group(2))


def term_dates(name: str, periods: Iterable[CalendarPeriod]) -> Term:
    """The term's first and last days from the council's default term periods."""
    season, year = parse_term(name)
    first_month, last_month = SEASONS[season]
    halves = [
        p
        for p in periods
        if p.kind == "term"
        and p.school_urn is None
        and p.start_date.year == year
        and first_month <= p.start_date.month <= last_month
    ]
    if not halves:
        raise TermError(
            f"the council calendar has no term dates for {season}-{year}: load them with "
            "`cme calendar import`"
        )
    return Term(
        name=f"{season}-{year}",
        start=min(p.start_date for p in halves),
        end=max(p.end_date for p in halves),
    )


def _exclusion(case: CaseFacts, term: Term, last: date) -> str | None:
    if case.outcome is Outcome.NOT_CME:
        return "not_cme"
    if not case.was_triaged_as_cme():
        return "not_triaged"
    if case.referral_date > last:
        return "referred_after_term"
    if case.closed_on is not None and case.closed_on <= term.start:
        return "ceased_before_term"
    if case.closed_on is not None and case.closed_on <= case.referral_date:
        return "closed_on_referral_day"
    return None


def dfe_return(
    cases: Sequence[CaseFacts], term: Term, calendar: SchoolCalendar, *, as_of: date
) -> DfeReturn:
    """The term's return: a row for each child missing education on a day of the term."""
    last = min(term.end, as_of)
    if last < term.start:
        raise TermError(f"{term.name} starts {term.start.isoformat()}: nothing to count yet")
    rows: list[DfeRow] = []
    excluded: dict[str, list[str]] = {rule: [] for rule in EXCLUSIONS}
    for case in sorted(cases, key=lambda c: c.case_id):
        rule = _exclusion(case, term, last)
        csa_first, csa_last = date.min, date.max
        if case.date_of_birth is not None:
            span = compulsory_school_age(case.date_of_birth)
            csa_first, csa_last = span.starts, span.ends
        # The CME episode: referral date to the day before closure, within school age.
        ceased = case.closed_on if case.closed_on is not None and case.closed_on <= last else None
        episode_first = max(case.referral_date, csa_first)
        episode_last = min(ceased - timedelta(days=1) if ceased else last, csa_last, last)
        in_term_first = max(episode_first, term.start)
        if rule is None and in_term_first > episode_last:
            rule = "not_of_compulsory_school_age"
        if rule is not None:
            excluded[rule].append(case.reference)
            continue
        until = episode_last + timedelta(days=1)
        status = case.status_on(last)
        rows.append(
            DfeRow(
                case_reference=case.reference,
                sex=case.sex if case.sex in ("M", "F") else "U",
                year_group=(
                    year_group(case.date_of_birth, term.start) if case.date_of_birth else None
                ),
                primary_reason=case.reason or "not_recorded",
                cme_from=case.referral_date,
                cme_until=ceased,
                school_days_missing=missing_school_days(calendar, episode_first, until),
                school_days_missing_in_term=missing_school_days(calendar, in_term_first, until),
                status_at_term_end=status.value if status else "",
                outcome=case.outcome.value if ceased and case.outcome else "",
            )
        )
    return DfeReturn(term=term, counted_up_to=last, rows=tuple(rows), excluded=excluded)
