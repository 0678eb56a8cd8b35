"""The weekly report's figures on the fixed council, against sums worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.domain import Outcome
from missing_education.reports import Period, ReportData, missing_school_days, weekly_figures
from missing_education.reports.figures import (
    caseload,
    new_and_closed,
    officer_workload,
    outcomes,
    overdue_steps,
    reasons,
    reengagement,
    vulnerabilities,
)
from missing_education.rules.calendar import SchoolCalendar

PERIOD = Period(date(2026, 11, 16), date(2026, 11, 29))  # Monday to Sunday, two weeks


def nov(day: int) -> date:
    return date(2026, 11, day)


def test_the_caseload_counts_open_cases_at_the_end_of_each_day_by_stage(
    weekly_data: ReportData,
) -> None:
    table = caseload(weekly_data, PERIOD)
    assert table.columns == (
        "date",
        "investigating",
        "awaiting_place",
        "handover_or_s437",
        "not_located",
        "open",
    )
    by_day = {row[0]: row[1:] for row in table.rows}
    assert len(by_day) == 14
    assert by_day[nov(16)] == (3, 0, 0, 0, 3)  # A, B, E investigating
    assert by_day[nov(17)] == (4, 0, 0, 0, 4)  # C arrives
    assert by_day[nov(18)] == (3, 1, 0, 0, 4)  # B located; D opened and closed at triage
    assert by_day[nov(20)] == (2, 1, 0, 0, 3)  # A closed
    assert by_day[nov(23)] == (3, 1, 0, 0, 4)  # F opened
    assert by_day[nov(24)] == (2, 1, 0, 1, 4)  # C escalated
    assert by_day[nov(27)] == (0, 1, 0, 1, 2)  # E and F closed
    assert by_day[nov(29)] == (0, 1, 0, 1, 2)


def test_new_and_closed_are_counted_per_week_starting_monday(weekly_data: ReportData) -> None:
    table = new_and_closed(weekly_data, PERIOD)
    assert table.rows == (
        (nov(16), 3, 2, 3),  # new A, C, D; closed A, D; open B, C, E
        (nov(23), 1, 2, 2),  # new F; closed E, F; open B, C
    )


def test_a_week_cut_by_the_period_counts_only_the_days_inside_it(
    weekly_data: ReportData,
) -> None:
    table = new_and_closed(weekly_data, Period(nov(18), nov(24)))
    assert table.rows == (
        (nov(16), 1, 2, 3),  # Wed 18 to Sun 22: new D; closed A, D
        (nov(23), 1, 0, 4),  # Mon 23 to Tue 24: new F
    )


def test_time_to_reengagement_counts_school_days_from_referral_to_closure(
    weekly_data: ReportData,
) -> None:
    per_child, by_reason = reengagement(weekly_data, PERIOD)
    # A: referred Mon 16, on roll Fri 20: 16, 17, 18, 19 = 4 school days, 4 days.
    # F: referred Thu 19, EHE Fri 27: 19, 20, 23, 24, 25, 26 = 6 school days, 8 days.
    # E moved abroad: not back in education, not counted.
    assert per_child.rows == (
        ("CME-000001", "did_not_arrive", "on_roll_here", nov(16), nov(20), 4, 4),
        ("CME-000006", "ehe_unsuitable", "elective_home_education", nov(19), nov(27), 6, 8),
    )
    assert by_reason.rows == (("did_not_arrive", 1, 4.0, 4), ("ehe_unsuitable", 1, 6.0, 6))


def test_outcomes_list_every_outcome_and_count_closures_in_the_period(
    weekly_data: ReportData,
) -> None:
    counts = {row[0]: row[1] for row in outcomes(weekly_data, PERIOD).rows}
    assert len(counts) == len(Outcome)
    assert {k: v for k, v in counts.items() if v} == {
        "on_roll_here": 1,  # A (G closed in October)
        "not_cme": 1,  # D
        "moved_abroad": 1,  # E
        "elective_home_education": 1,  # F
    }


def test_reasons_and_vulnerabilities_count_cases_worked_in_the_period(
    weekly_data: ReportData,
) -> None:
    # Worked: A to F (G closed before the period began).
    assert reasons(weekly_data, PERIOD).rows == (
        ("did_not_arrive", 2),
        ("moved_address_unknown", 2),
        ("ehe_unsuitable", 1),
        ("not_recorded", 1),
    )
    assert vulnerabilities(weekly_data, PERIOD).rows == (
        ("sen", 2),
        ("grt", 1),
        ("young_carer", 1),
        ("none_recorded", 3),  # C, D, F
    )


def test_overdue_steps_are_split_by_what_happened_after_the_time_limit(
    weekly_data: ReportData,
) -> None:
    rows = {row[0]: row[1:] for row in overdue_steps(weekly_data, PERIOD).rows}
    assert "monitoring_review" not in rows  # a review date, not a time limit
    assert rows["locate_child"] == (0, 1, 0, 1)  # C: escalated by the review
    assert rows["school_enquiry_reply"] == (1, 0, 0, 1)  # B: the school replied late
    assert rows["home_visit"] == (0, 0, 1, 1)  # E: nobody has acted yet
    assert sum(r[3] for r in rows.values()) == 3


def test_officer_workload_counts_visits_assigned_made_and_open(weekly_data: ReportData) -> None:
    table = officer_workload(weekly_data, PERIOD)
    assert table.rows == (
        ("EWO1", 10, 1, 2, 0),  # assigned A's visit; made A's and B's
        ("EWO2", 5, 1, 0, 1),  # assigned C's; C's still open (E's case closed)
        ("unassigned", None, 0, 0, 1),  # B's second visit (F's case closed)
    )


def test_officers_are_named_by_code_only(weekly_data: ReportData) -> None:
    text = repr(weekly_figures(weekly_data, PERIOD))
    assert "EWO1" in text
    assert "Sam Fletcher" not in text and "Priya Nair" not in text


def test_the_headline_gathers_each_charts_figures(weekly_data: ReportData) -> None:
    figures = weekly_figures(weekly_data, PERIOD)
    assert figures.headline == {
        "open_cases": 2,
        "new_cases": 4,
        "closed_cases": 4,
        "reengaged": 2,
        "median_school_days_to_reengagement": 5.0,
        "not_located": 1,
        "overdue_steps": 3,
        "cases_worked": 6,
        "visits_open": 1,
        "visits_waiting_for_officer": 1,
    }
    assert [s.key for s in figures.sections] == [
        "caseload",
        "new-and-closed",
        "reengagement",
        "outcomes",
        "reasons-and-vulnerabilities",
        "overdue-steps",
        "officer-workload",
    ]
    assert figures.section("caseload").headline == (
        "2 cases open on 2026-11-29 (highest 4 on 2026-11-17); 1 not located."
    )
    assert figures.section("reengagement").headline == (
        "2 children back in education; median 5 school days from notification."
    )


def test_an_empty_database_gives_zeros_not_errors(calendar: SchoolCalendar) -> None:
    figures = weekly_figures(ReportData((), (), (), (), calendar), PERIOD)
    assert figures.headline["open_cases"] == 0
    assert figures.headline["median_school_days_to_reengagement"] is None
    assert figures.section("reengagement").tables[0].rows == ()


@pytest.mark.parametrize(
    ("first", "until", "days"),
    [
        (nov(16), nov(16), 0),  # closed the day it was referred
        (nov(16), nov(17), 1),
        (nov(2), nov(9), 4),  # 2 November is an INSET day
        (date(2026, 12, 18), date(2027, 1, 6), 2),  # Fri 18 Dec, then Tue 5 Jan
        (nov(21), nov(23), 0),  # a weekend
    ],
)
def test_missing_school_days_count_from_the_first_day_up_to_not_including_the_last(
    calendar: SchoolCalendar, first: date, until: date, days: int
) -> None:
    assert missing_school_days(calendar, first, until) == days
