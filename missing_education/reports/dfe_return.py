"""The DfE CME return as the DfE collects it: aggregate counts, derived from case states.

What is counted (docs/reports.md explains it for coordinators, with the reason mapping):

* **CME at the census date**: each child whose case was open in the procedure on that day
  (investigating, located, awaiting a place, with the Fair Access panel, s437 notice served,
  escalated or monitored), of compulsory school age that day, living in the area; by sex,
  national curriculum year, length of time missing education and primary reason (DfE).
* **CME at any time in the academic year so far**: each child once, however many times
  they went missing, whose CME episode (from the day they last attended, or the referral
  when that is not known, to the day before the case closed) overlaps the days from
  1 September to the census date while of compulsory school age.
* Never counted: cases closed as not CME (on a roll all along, a duplicate, not of
  compulsory school age), children who live outside the area, and cases never triaged;
  at the census date also children handed over to the council they moved to. Suitable
  home education ends an episode (the case closes); unsuitable home education (s437 notice
  served) and awaiting a place are CME.
* Length of time missing runs from the day the child last attended a school (or came off
  its roll), as the notification gives it; not from the referral.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from missing_education.domain import Outcome, Status
from missing_education.reports.facts import CaseFacts
from missing_education.rules.calendar import CalendarPeriod, SchoolCalendar
from missing_education.rules.school_age import compulsory_school_age, year_group

# Term name -> the months in which its half terms start.
SEASONS: dict[str, tuple[int, int]] = {"autumn": (9, 12), "spring": (1, 3), "summer": (4, 8)}
_TERM_NAME = re.compile(r"^(autumn|spring|summer)-(\d{4})$")

# Length of time missing education on the census date, in calendar days (upper bound, not
# included). [?] Our bands: the DfE's own bands were not in the published material we read.
LENGTH_BANDS: tuple[tuple[str, int | None], ...] = (
    ("less_than_4_weeks", 28),
    ("4_weeks_to_less_than_3_months", 91),
    ("3_months_to_less_than_6_months", 182),
    ("6_months_to_less_than_1_year", 365),
    ("1_year_or_more", None),
)

# Primary reason for CME, as the return reports it, with what each means.
DFE_REASONS: dict[str, str] = {
    "awaiting_school_place": "located, awaiting a school place (applied, or with Fair Access)",
    "unsuitable_education": "receiving education judged unsuitable (s437 notice served)",
    "whereabouts_unknown": "whereabouts unknown after enquiries",
    "removed_from_roll_destination_unknown": "taken off a school roll, destination unknown",
    "did_not_take_up_school_place": "allocated a school place but did not arrive",
    "never_registered_at_school": "never registered at a school at compulsory school age",
    "failed_transition": "did not move on to the next phase of school",
    "permanently_excluded": "permanently excluded, no provision in place",
    "moved_into_area": "moved into the area, not yet at a school",
    "other": "another reason, given in the notification",
    "not_known": "no reason recorded yet",
}
# Notification reasons (folded) -> the DfE reason, while enquiries go on.
REASON_MAP: dict[str, str] = {
    "deleted_from_roll_ground_i": "removed_from_roll_destination_unknown",
    "deleted_from_roll": "removed_from_roll_destination_unknown",
    "removed_from_roll": "removed_from_roll_destination_unknown",
    "did_not_arrive": "did_not_take_up_school_place",
    "moved_address_unknown": "whereabouts_unknown",
    "whereabouts_unknown": "whereabouts_unknown",
    "not_registered_at_five": "never_registered_at_school",
    "never_registered": "never_registered_at_school",
    "failed_transition": "failed_transition",
    "permanently_excluded": "permanently_excluded",
    "ehe_unsuitable": "unsuitable_education",
    "unsuitable_ehe": "unsuitable_education",
    "moved_into_area": "moved_into_area",
    "new_to_area": "moved_into_area",
    "awaiting_school_place": "awaiting_school_place",
}
# What the case's stage on the census date says, which outweighs the notification's reason.
STAGE_REASONS: dict[Status, str] = {
    Status.LOCATED: "awaiting_school_place",
    Status.AWAITING_ADMISSION: "awaiting_school_place",
    Status.FAIR_ACCESS: "awaiting_school_place",
    Status.S437_ISSUED: "unsuitable_education",
    # The attendance order route: not yet in school, so still missing education.
    Status.S438_ISSUED: "unsuitable_education",
    Status.ATTENDANCE_ORDER: "unsuitable_education",
    Status.PROSECUTION: "unsuitable_education",
    Status.ESCALATED: "whereabouts_unknown",
    Status.MONITORING: "whereabouts_unknown",
}
# Stages in which a child is missing education on a day (received: not yet triaged).
CME_STAGES = frozenset(STAGE_REASONS) | {Status.INVESTIGATING}

COLUMNS: tuple[str, ...] = (
    "case_reference",
    "sex",
    "year_group",
    "length_of_time_missing",
    "primary_reason",
    "cme_since",
    "cme_since_from",
    "stage_on_census_date",
)

# Why a case is not in the census-date count, in the order the rules are applied.
EXCLUSIONS: dict[str, str] = {
    "not_cme": "closed as not CME: on a roll all along, a duplicate, or not of school age",
    "lives_outside_area": "lives outside the council's area: handed to their council",
    "not_triaged": "not yet triaged into the procedure",
    "not_missing_on_census_date": "not open in the procedure on the census date",
    "moved_to_another_council": "handed over to the council the family moved to",
    "not_of_compulsory_school_age": "not of compulsory school age on the census date",
}
_NEVER_CME = {Outcome.NOT_CME: "not_cme", Outcome.OUT_OF_AREA: "lives_outside_area"}


class TermError(ValueError):
    """The term is not named as `autumn-2026`, or the calendar has no dates for it."""


@dataclass(frozen=True)
class Term:
    """A school term: its name and first and last days."""

    name: str
    start: date
    end: date


@dataclass(frozen=True)
class CensusChild:
    """One child missing education on the census date (no name, no date of birth)."""

    case_reference: str
    sex: str
    year_group: int | None
    length_of_time_missing: str
    primary_reason: str
    cme_since: date
    cme_since_from: str  # "date_last_attended", or "referral_date" when that was not given
    stage_on_census_date: str

    def cells(self) -> tuple[Any, ...]:
        """The row in the order of COLUMNS."""
        return tuple(getattr(self, column) for column in COLUMNS)


@dataclass(frozen=True)
class DfeReturn:
    """The census-date children, the in-year count, and what was left out and why."""

    term: Term
    census_date: date
    year_from: date
    rows: tuple[CensusChild, ...]
    in_year_children: int
    excluded: dict[str, list[str]]

    def summary(self) -> dict[str, Any]:
        """The return's figures: every category listed, zeros included."""
        return {
            "term": self.term.name,
            "term_start": self.term.start.isoformat(),
            "term_end": self.term.end.isoformat(),
            "census_date": self.census_date.isoformat(),
            "cme_at_census_date": len(self.rows),
            "by_sex": _all(("F", "M", "U"), (r.sex for r in self.rows)),
            "by_year_group": _counts(
                "unknown" if r.year_group is None else str(r.year_group) for r in self.rows
            ),
            "by_length_of_time_missing": _all(
                [band for band, _ in LENGTH_BANDS], (r.length_of_time_missing for r in self.rows)
            ),
            "by_primary_reason": _all(DFE_REASONS, (r.primary_reason for r in self.rows)),
            "start_taken_from_referral_date": sum(
                1 for r in self.rows if r.cme_since_from == "referral_date"
            ),
            "academic_year_from": self.year_from.isoformat(),
            "cme_in_year_so_far": self.in_year_children,
            "excluded": {rule: len(refs) for rule, refs in self.excluded.items()},
        }

    def summary_rows(self) -> list[tuple[str, str, int | str]]:
        """The summary flattened to (group, item, value) rows for a CSV."""
        s = self.summary()
        rows: list[tuple[str, str, int | str]] = [
            ("term", "name", s["term"]),
            ("term", "start", s["term_start"]),
            ("term", "end", s["term_end"]),
            ("census", "date", s["census_date"]),
            ("census", "cme_at_census_date", s["cme_at_census_date"]),
            ("census", "start_taken_from_referral_date", s["start_taken_from_referral_date"]),
        ]
        for group, key in (
            ("sex", "by_sex"),
            ("year_group", "by_year_group"),
            ("length_of_time_missing", "by_length_of_time_missing"),
            ("primary_reason", "by_primary_reason"),
        ):
            rows += [(group, item, n) for item, n in s[key].items()]
        rows += [
            ("in_year", "academic_year_from", s["academic_year_from"]),
            ("in_year", "cme_in_year_so_far", s["cme_in_year_so_far"]),
        ]
        rows += [("excluded", rule, n) for rule, n in s["excluded"].items()]
        return rows


def _counts(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0])))


def _all(categories: Iterable[str], values: Iterable[str]) -> dict[str, int]:
    counted = Counter(values)
    return {category: counted.get(category, 0) for category in categories}


def length_band(days: int) -> str:
    """The length-of-time band for a number of calendar days missing."""
    for band, below in LENGTH_BANDS:
        if below is None or days < below:
            return band
    raise AssertionError("the last band has no upper bound")  # pragma: no cover


def primary_reason(stage: Status | None, notification_reason: str) -> str:
    """The DfE primary reason: from the case's stage, else the notification's reason."""
    if stage in STAGE_REASONS:
        return STAGE_REASONS[stage]
    folded = re.sub(r"[^0-9a-z]+", "_", notification_reason.casefold()).strip("_")
    if not folded:
        return "not_known"
    return REASON_MAP.get(folded, "other")


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


def dfe_return(
    cases: Sequence[CaseFacts], term: Term, calendar: SchoolCalendar, *, as_of: date
) -> DfeReturn:
    """The return for a term, counted on `as_of` (the census date; at most the term's end)."""
    census = min(term.end, as_of)
    if census < term.start:
        raise TermError(f"{term.name} starts {term.start.isoformat()}: nothing to count yet")
    year_from = date(term.start.year if term.start.month >= 9 else term.start.year - 1, 9, 1)
    rows: list[CensusChild] = []
    excluded: dict[str, list[str]] = {rule: [] for rule in EXCLUSIONS}
    in_year: set[str] = set()
    for case in sorted(cases, key=lambda c: c.case_id):
        never = _NEVER_CME.get(case.outcome) if case.outcome else None
        if never is None and not case.was_triaged_as_cme():
            never = "not_triaged"
        if never is not None:
            excluded[never].append(case.reference)
            continue
        csa_first, csa_last = date.min, date.max
        if case.date_of_birth is not None:
            span = compulsory_school_age(case.date_of_birth, calendar.autumn_term_start)
            csa_first, csa_last = span.starts, span.ends
        since, since_from = case.referral_date, "referral_date"
        if case.date_last_attended is not None and case.date_last_attended <= since:
            since, since_from = case.date_last_attended, "date_last_attended"
        # The episode: from becoming CME to the day before closure, within school age.
        first = max(since, csa_first)
        last = min(
            case.closed_on - timedelta(days=1) if case.closed_on else census, census, csa_last
        )
        if case.referral_date <= census and first <= last and last >= year_from:
            in_year.add(case.child_key or case.reference)
        stage = case.status_on(census)
        if stage not in CME_STAGES and stage is not Status.HANDOVER:
            excluded["not_missing_on_census_date"].append(case.reference)
            continue
        if stage is Status.HANDOVER:
            excluded["moved_to_another_council"].append(case.reference)
            continue
        if not csa_first <= census <= csa_last:
            excluded["not_of_compulsory_school_age"].append(case.reference)
            continue
        rows.append(
            CensusChild(
                case_reference=case.reference,
                sex=case.sex if case.sex in ("M", "F") else "U",
                year_group=(year_group(case.date_of_birth, census) if case.date_of_birth else None),
                length_of_time_missing=length_band((census - first).days),
                primary_reason=primary_reason(stage, case.reason),
                cme_since=first,
                cme_since_from=since_from,
                stage_on_census_date=stage.value if stage else "",
            )
        )
    return DfeReturn(
        term=term,
        census_date=census,
        year_from=year_from,
        rows=tuple(rows),
        in_year_children=len(in_year),
        excluded=excluded,
    )
