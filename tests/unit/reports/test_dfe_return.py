"""The DfE termly return: term dates from the calendar, who counts, and the figures per child."""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.reports import (
    DFE_COLUMNS,
    CaseFacts,
    Term,
    TermError,
    dfe_return,
    term_dates,
)
from missing_education.rules.calendar import SchoolCalendar

AUTUMN = Term("autumn-2026", date(2026, 9, 3), date(2026, 12, 18))


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [
        ("autumn-2026", date(2026, 9, 3), date(2026, 12, 18)),  # the academy's dates ignored
        ("spring-2027", date(2027, 1, 5), date(2027, 3, 26)),  # half terms merged
        ("summer-2027", date(2027, 4, 12), date(2027, 7, 21)),
        (" Summer-2027 ", date(2027, 4, 12), date(2027, 7, 21)),
    ],
)
def test_terms_come_from_the_council_calendar_with_half_terms_merged(
    calendar: SchoolCalendar, name: str, start: date, end: date
) -> None:
    term = term_dates(name, calendar.periods("144556") + calendar.periods())
    assert (term.start, term.end) == (start, end)
    assert term.name == name.strip().lower()


def test_a_term_the_calendar_does_not_have_is_refused_with_what_to_do(
    calendar: SchoolCalendar,
) -> None:
    with pytest.raises(TermError, match=r"no term dates for autumn-2027.*cme calendar import"):
        term_dates("autumn-2027", calendar.periods())


@pytest.mark.parametrize("name", ["winter-2026", "autumn 2026", "autumn-26", ""])
def test_a_badly_named_term_is_refused(calendar: SchoolCalendar, name: str) -> None:
    with pytest.raises(TermError, match="autumn-YYYY"):
        term_dates(name, calendar.periods())


def test_the_return_counts_each_child_missing_education_on_a_day_of_the_term(
    all_cases: tuple[CaseFacts, ...], calendar: SchoolCalendar
) -> None:
    result = dfe_return(all_cases, AUTUMN, calendar, as_of=date(2027, 1, 10))
    rows = {r.case_reference: r.cells() for r in result.rows}
    assert DFE_COLUMNS[1:3] == ("sex", "year_group")
    assert rows == {
        # A: on roll 20 Nov; missing Mon 16 to Thu 19.
        "CME-000001": (
            "CME-000001", "F", 7, "did_not_arrive", date(2026, 11, 16), date(2026, 11, 20),
            4, 4, "closed", "on_roll_here",
        ),
        # B: located 18 Nov, awaiting a place at the end of term, so still missing
        # education: Tue 10 Nov to Fri 18 Dec = 4 + 5 x 5 = 29 school days.
        "CME-000002": (
            "CME-000002", "M", 9, "did_not_arrive", date(2026, 11, 10), None,
            29, 29, "awaiting_admission", "",
        ),
        # E: referred on the INSET day 2 November, moved abroad 27 November: 3-6 Nov (4),
        # 9-13 (5), 16-20 (5), 23-26 (4) = 18.
        "CME-000005": (
            "CME-000005", "M", 6, "moved_address_unknown", date(2026, 11, 2),
            date(2026, 11, 27), 18, 18, "closed", "moved_abroad",
        ),
        # F: referred Thu 19 November, home education shown 27 November.
        "CME-000006": (
            "CME-000006", "F", 3, "ehe_unsuitable", date(2026, 11, 19), date(2026, 11, 27),
            6, 6, "closed", "elective_home_education",
        ),
        # G: 1 to 19 October: 1-2 (2), 5-9 (5), 12-16 (5), 19 (1) = 13.
        "CME-000007": (
            "CME-000007", "M", 7, "failed_transition", date(2026, 10, 1), date(2026, 10, 20),
            13, 13, "closed", "on_roll_here",
        ),
        # H: home education judged unsuitable, s437 notice served: still CME. Referred in
        # the summer holiday (before the loaded terms every weekday that is not a bank
        # holiday counts): 20-21 Aug (2), 24-28 Aug (5), 1-2 Sep (2; 31 Aug a bank holiday)
        # = 9, then the whole autumn term: 37 + 34 = 71. Sex not recorded: U.
        "CME-000008": (
            "CME-000008", "U", 9, "ehe_unsuitable", date(2026, 8, 20), None,
            80, 71, "s437_issued", "",
        ),
    }  # fmt: skip
    assert result.excluded == {
        "not_cme": ["CME-000004"],
        "not_triaged": ["CME-000009"],
        "referred_after_term": ["CME-000010"],
        "ceased_before_term": ["CME-000011"],
        "closed_on_referral_day": ["CME-000012"],
        # C turned 16 in June 2026: past compulsory school age all term.
        "not_of_compulsory_school_age": ["CME-000003"],
    }


def test_the_summary_counts_by_outcome_sex_year_group_and_reason(
    all_cases: tuple[CaseFacts, ...], calendar: SchoolCalendar
) -> None:
    summary = dfe_return(all_cases, AUTUMN, calendar, as_of=date(2027, 1, 10)).summary()
    assert summary["children"] == 6
    assert summary["new_in_term"] == 5  # all but H, referred in the summer holiday
    assert summary["still_missing_at_end"] == 2
    assert summary["median_school_days_missing"] == 15.5  # 4, 6, 13, 18, 29, 80
    assert summary["by_outcome"] == {
        "on_roll_here": 2,
        "still_missing_education": 2,
        "elective_home_education": 1,
        "moved_abroad": 1,
    }
    assert summary["by_sex"] == {"M": 3, "F": 2, "U": 1}
    assert summary["by_year_group"] == {"7": 2, "9": 2, "3": 1, "6": 1}
    assert sum(summary["excluded"].values()) == 6


def test_run_before_the_term_ends_the_return_counts_up_to_today(
    all_cases: tuple[CaseFacts, ...], calendar: SchoolCalendar
) -> None:
    result = dfe_return(all_cases, AUTUMN, calendar, as_of=date(2026, 11, 24))
    rows = {r.case_reference: r for r in result.rows}
    assert result.counted_up_to == date(2026, 11, 24)
    # F was still being investigated on the 24th: 19, 20, 23, 24 = 4 school days.
    assert (rows["CME-000006"].school_days_missing, rows["CME-000006"].outcome) == (4, "")
    assert rows["CME-000006"].status_at_term_end == "investigating"
    assert rows["CME-000002"].school_days_missing == 4 + 5 + 2
    assert "CME-000010" in result.excluded["referred_after_term"]


def test_a_term_that_has_not_started_is_refused(
    all_cases: tuple[CaseFacts, ...], calendar: SchoolCalendar
) -> None:
    with pytest.raises(TermError, match="nothing to count yet"):
        dfe_return(all_cases, AUTUMN, calendar, as_of=date(2026, 9, 1))


def test_rows_hold_no_name_or_date_of_birth(
    all_cases: tuple[CaseFacts, ...], calendar: SchoolCalendar
) -> None:
    result = dfe_return(all_cases, AUTUMN, calendar, as_of=date(2027, 1, 10))
    assert "date_of_birth" not in DFE_COLUMNS
    assert all(date(2013, 5, 5) not in r.cells() for r in result.rows)
