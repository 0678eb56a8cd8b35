"""The DfE return: term dates from the calendar, who counts, and the figures, on a fixture
whose every figure was counted by hand (the comments show the sums)."""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.domain import Outcome, Status
from missing_education.reports import (
    DFE_COLUMNS,
    CaseFacts,
    Term,
    TermError,
    dfe_return,
    term_dates,
)
from missing_education.reports.dfe_return import DFE_REASONS, primary_reason
from missing_education.rules.calendar import SchoolCalendar

R, INV, LOC, S437 = Status.RECEIVED, Status.INVESTIGATING, Status.LOCATED, Status.S437_ISSUED
ESC, MON, HAND, CLOSED = Status.ESCALATED, Status.MONITORING, Status.HANDOVER, Status.CLOSED

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


CENSUS = date(2026, 10, 1)  # a Thursday in the autumn term


def child(
    case_id: int,
    statuses: list[tuple[date, Status]],
    *,
    outcome: Outcome | None = None,
    last_attended: date | None = None,
    reason: str = "",
    sex: str = "F",
    born: date = date(2015, 3, 4),
    key: str = "",
) -> CaseFacts:
    closed = next((d for d, s in statuses if s is CLOSED), None)
    return CaseFacts(
        case_id=case_id,
        reference=f"CME-{case_id:06d}",
        referral_date=statuses[0][0],
        opened_on=statuses[0][0],
        status=statuses[-1][1],
        statuses=tuple(statuses),
        outcome=outcome,
        closed_on=closed,
        reason=reason,
        sex=sex,
        date_of_birth=born,
        date_last_attended=last_attended,
        child_key=key or f"child-{case_id}",
    )


def d(month: int, day: int, year: int = 2026) -> date:
    return date(year, month, day)


HAND_COUNTED = (
    # 1: last attended 10 July, still investigated: 83 days (21 + 31 + 30 + 1) missing.
    child(1, [(d(9, 10), R), (d(9, 10), INV)], last_attended=d(7, 10),
          reason="Deleted from roll (ground i)", key="child-a"),
    # 2: no date last attended, so counted from the referral, 15 September: 16 days;
    # located on 20 September, awaiting a place.
    child(2, [(d(9, 15), R), (d(9, 15), INV), (d(9, 20), LOC)], reason="did_not_arrive",
          sex="M", born=date(2012, 10, 1)),
    # 3: home education judged unsuitable, s437 notice served: 1 March to 1 October, 214 days.
    child(3, [(d(9, 5), R), (d(9, 5), INV), (d(9, 12), S437)], last_attended=d(3, 1),
          reason="ehe_unsuitable", sex="", born=date(2016, 1, 15)),
    # 4: whereabouts unknown since the summer of 2025: 20 June 2025 to 1 October 2026, 468.
    child(4, [(d(7, 1, 2025), R), (d(7, 1, 2025), INV), (d(8, 1, 2025), ESC),
              (d(9, 1, 2025), MON)], last_attended=d(6, 20, 2025), born=date(2013, 5, 5)),
    # 5: the school still had the child on roll: never missing education.
    child(5, [(d(9, 10), R), (d(9, 10), INV), (d(9, 20), CLOSED)], outcome=Outcome.NOT_CME),
    # 6: lives in Glasgow: handed to Glasgow City Council at triage.
    child(6, [(d(9, 10), R), (d(9, 10), CLOSED)], outcome=Outcome.OUT_OF_AREA),
    # 7: suitable home education shown on 25 September: missing in the year, not on the day.
    child(7, [(d(9, 5), R), (d(9, 5), INV), (d(9, 25), CLOSED)], outcome=Outcome.EHE),
    # 8: moved to another council, handed over on 28 September.
    child(8, [(d(9, 8), R), (d(9, 8), INV), (d(9, 28), HAND)]),
    # 9: sixteen on 1 July 2026, after the leaving date (26 June) and before the autumn
    # term: past compulsory school age since 26 June, so never CME in this year.
    child(9, [(d(9, 7), R), (d(9, 7), INV)], born=date(2010, 7, 1)),
    # 10: the same child as 1, missing 2 to 7 September, then placed: counted once in the year.
    child(10, [(d(9, 2), R), (d(9, 2), INV), (d(9, 8), CLOSED)], outcome=Outcome.ON_ROLL_HERE,
          key="child-a"),
    # 11: closed in the previous academic year.
    child(11, [(d(5, 1), R), (d(5, 1), INV), (d(6, 1), CLOSED)], outcome=Outcome.ON_ROLL_HERE),
    # 12: not yet triaged.
    child(12, [(d(9, 30), R)]),
    # 13: referred after the census date.
    child(13, [(d(10, 5), R), (d(10, 5), INV)], last_attended=d(9, 20)),
)  # fmt: skip


def test_the_census_date_count_is_by_sex_year_group_length_of_time_and_dfe_reason(
    calendar: SchoolCalendar,
) -> None:
    result = dfe_return(HAND_COUNTED, AUTUMN, calendar, as_of=CENSUS)
    summary = result.summary()

    assert summary["census_date"] == "2026-10-01"
    assert summary["cme_at_census_date"] == 4  # 1, 2, 3 and 4
    assert summary["by_sex"] == {"F": 2, "M": 1, "U": 1}
    # Born 4 March 2015: year 7; 1 October 2012 and 5 May 2013: year 9; 15 January 2016: 6.
    assert summary["by_year_group"] == {"9": 2, "6": 1, "7": 1}
    assert summary["by_length_of_time_missing"] == {
        "less_than_4_weeks": 1,  # 2: 16 days
        "4_weeks_to_less_than_3_months": 1,  # 1: 83 days
        "3_months_to_less_than_6_months": 0,
        "6_months_to_less_than_1_year": 1,  # 3: 214 days
        "1_year_or_more": 1,  # 4: 468 days
    }
    assert summary["by_primary_reason"] == {
        **dict.fromkeys(DFE_REASONS, 0),
        "removed_from_roll_destination_unknown": 1,  # 1: the notification's reason
        "awaiting_school_place": 1,  # 2: located, so its stage outweighs "did not arrive"
        "unsuitable_education": 1,  # 3
        "whereabouts_unknown": 1,  # 4
    }
    assert summary["start_taken_from_referral_date"] == 1  # 2
    rows = {r.case_reference: r for r in result.rows}
    assert rows["CME-000001"].cme_since == d(7, 10)  # from the last day attended, not referral
    assert rows["CME-000002"].cme_since_from == "referral_date"


def test_cme_at_any_time_in_the_year_counts_each_child_once(calendar: SchoolCalendar) -> None:
    summary = dfe_return(HAND_COUNTED, AUTUMN, calendar, as_of=CENSUS).summary()

    # 1 and 10 (one child), 2, 3, 4, 7 (home education came later) and 8 (moved later).
    assert summary["academic_year_from"] == "2026-09-01"
    assert summary["cme_in_year_so_far"] == 6


def test_pupils_on_roll_suitable_home_education_and_children_living_elsewhere_are_left_out(
    calendar: SchoolCalendar,
) -> None:
    result = dfe_return(HAND_COUNTED, AUTUMN, calendar, as_of=CENSUS)

    assert result.excluded == {
        "not_cme": ["CME-000005"],
        "lives_outside_area": ["CME-000006"],
        "not_triaged": ["CME-000012"],
        "not_missing_on_census_date": ["CME-000007", "CME-000010", "CME-000011", "CME-000013"],
        "moved_to_another_council": ["CME-000008"],
        "not_of_compulsory_school_age": ["CME-000009"],
    }


def test_the_stage_outweighs_the_notification_reason_and_unknown_reasons_are_other() -> None:
    assert primary_reason(Status.FAIR_ACCESS, "failed transition") == "awaiting_school_place"
    assert primary_reason(Status.INVESTIGATING, "Failed-Transition") == "failed_transition"
    assert primary_reason(Status.INVESTIGATING, "went travelling") == "other"
    assert primary_reason(Status.INVESTIGATING, "") == "not_known"


def test_a_term_that_has_not_started_is_refused(calendar: SchoolCalendar) -> None:
    with pytest.raises(TermError, match="nothing to count yet"):
        dfe_return(HAND_COUNTED, AUTUMN, calendar, as_of=date(2026, 9, 1))


def test_rows_hold_no_name_or_date_of_birth(calendar: SchoolCalendar) -> None:
    result = dfe_return(HAND_COUNTED, AUTUMN, calendar, as_of=CENSUS)
    assert "date_of_birth" not in DFE_COLUMNS
    assert all(date(2015, 3, 4) not in r.cells() for r in result.rows)
