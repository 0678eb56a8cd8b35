"""A small fixed council for the report tests: cases A to L, their steps, visits and officers.

Every expected figure in these tests is worked out by hand from this data (the comments
in the tests show the sums). Dates are in November 2026 unless said otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest

from missing_education.domain import Outcome, Status
from missing_education.domain import Status as S
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.directory import HomeVisit, Officer
from missing_education.reports import CaseFacts, ReportData
from missing_education.rules.calendar import CalendarPeriod, SchoolCalendar

RECEIVED, INVESTIGATING, LOCATED = S.RECEIVED, S.INVESTIGATING, S.LOCATED
AWAITING, ESCALATED, S437, CLOSED = S.AWAITING_ADMISSION, S.ESCALATED, S.S437_ISSUED, S.CLOSED


def nov(day: int) -> date:
    return date(2026, 11, day)


def case(
    case_id: int,
    referral: date,
    statuses: list[tuple[date, Status]],
    *,
    outcome: Outcome | None = None,
    reason: str = "",
    vulnerabilities: tuple[str, ...] = (),
    sex: str = "M",
    born: date = date(2015, 3, 4),
    opened: date | None = None,
) -> CaseFacts:
    closed = next((d for d, s in statuses if s is CLOSED), None)
    return CaseFacts(
        case_id=case_id,
        reference=f"CME-{case_id:06d}",
        referral_date=referral,
        opened_on=opened or statuses[0][0],
        status=statuses[-1][1],
        statuses=tuple(statuses),
        outcome=outcome,
        closed_on=closed,
        reason=reason,
        vulnerabilities=vulnerabilities,
        sex=sex,
        date_of_birth=born,
    )


COUNCIL_TERMS = [
    CalendarPeriod(None, date(2026, 9, 3), date(2026, 10, 23), "term"),
    CalendarPeriod(None, nov(2), date(2026, 12, 18), "term"),
    CalendarPeriod(None, date(2027, 1, 5), date(2027, 2, 12), "term"),
    CalendarPeriod(None, date(2027, 2, 22), date(2027, 3, 26), "term"),
    CalendarPeriod(None, date(2027, 4, 12), date(2027, 5, 28), "term"),
    CalendarPeriod(None, date(2027, 6, 7), date(2027, 7, 21), "term"),
    CalendarPeriod(None, nov(2), nov(2), "closure"),  # INSET day
    # An academy's own terms: never the council's term dates.
    CalendarPeriod("144556", date(2026, 9, 1), date(2026, 12, 17), "term"),
]

# The weekly figures use A to G; the DfE return adds H to L (I is UNTRIAGED).
A = case(
    1,
    nov(16),
    [(nov(16), RECEIVED), (nov(16), INVESTIGATING), (nov(20), CLOSED)],
    outcome=Outcome.ON_ROLL_HERE,
    reason="did_not_arrive",
    vulnerabilities=("sen",),
    sex="F",
    born=date(2015, 3, 4),
)
B = case(
    2,
    nov(10),
    [(nov(10), RECEIVED), (nov(10), INVESTIGATING), (nov(18), LOCATED), (nov(25), AWAITING)],
    reason="did_not_arrive",
    vulnerabilities=("sen", "young_carer"),
    born=date(2012, 10, 10),
)
C = case(
    3,
    nov(17),
    [(nov(17), RECEIVED), (nov(17), INVESTIGATING), (nov(24), ESCALATED)],
    reason="moved_address_unknown",
    born=date(2010, 6, 1),
)
D = case(4, nov(18), [(nov(18), RECEIVED), (nov(18), CLOSED)], outcome=Outcome.NOT_CME)
E = case(
    5,
    nov(2),
    [(nov(2), RECEIVED), (nov(2), INVESTIGATING), (nov(27), CLOSED)],
    outcome=Outcome.MOVED_ABROAD,
    reason="moved_address_unknown",
    vulnerabilities=("grt",),
    born=date(2016, 1, 20),
)
F = case(
    6,
    nov(19),
    [(nov(23), RECEIVED), (nov(23), INVESTIGATING), (nov(27), CLOSED)],
    outcome=Outcome.EHE,
    reason="ehe_unsuitable",
    sex="F",
    born=date(2018, 12, 25),
    opened=nov(23),
)
G = case(
    7,
    date(2026, 10, 1),
    [
        (date(2026, 10, 1), RECEIVED),
        (date(2026, 10, 1), INVESTIGATING),
        (date(2026, 10, 20), CLOSED),
    ],
    outcome=Outcome.ON_ROLL_HERE,
    reason="failed_transition",
    born=date(2014, 9, 1),
)
H = case(
    8,
    date(2026, 8, 20),
    [(date(2026, 8, 20), RECEIVED), (date(2026, 8, 20), INVESTIGATING), (date(2026, 9, 10), S437)],
    reason="ehe_unsuitable",
    sex="",
    born=date(2013, 5, 5),
)
UNTRIAGED = case(9, nov(20), [(nov(20), RECEIVED)])
J = case(10, date(2027, 1, 6), [(date(2027, 1, 6), RECEIVED), (date(2027, 1, 6), INVESTIGATING)])
K = case(
    11,
    date(2026, 6, 1),
    [(date(2026, 6, 1), RECEIVED), (date(2026, 6, 1), INVESTIGATING), (date(2026, 7, 10), CLOSED)],
    outcome=Outcome.ON_ROLL_HERE,
)
L = case(
    12,
    nov(20),
    [(nov(20), RECEIVED), (nov(20), INVESTIGATING), (nov(20), CLOSED)],
    outcome=Outcome.ON_ROLL_ELSEWHERE,
)

DEADLINES = (
    # C not located by 23 November: the review escalated it on the 24th.
    Deadline(3, Step.LOCATE_CHILD, nov(17), nov(23), school_days=4, acted_on=nov(24)),
    # B's school replied four days late.
    Deadline(2, Step.SCHOOL_REPLY, nov(10), nov(20), school_days=8, met_on=nov(24)),
    # E's visit was due on the 25th and nobody has acted yet.
    Deadline(5, Step.HOME_VISIT, nov(18), nov(25), school_days=5),
    # On time, or not yet due within the period, or not a time limit: none counts.
    Deadline(1, Step.SCHOOL_REPLY, nov(16), nov(27), school_days=9, met_on=nov(19)),
    Deadline(2, Step.SECURE_PLACE, nov(18), nov(29), school_days=7),
    Deadline(3, Step.MONITORING_REVIEW, nov(1), nov(20), calendar_days=19, acted_on=nov(21)),
    Deadline(
        7, Step.LOCATE_CHILD, date(2026, 10, 1), date(2026, 10, 15), acted_on=date(2026, 10, 16)
    ),
)
OFFICERS = (
    Officer(1, "EWO1", "Sam Fletcher", capacity=10),
    Officer(2, "EWO2", "Priya Nair", capacity=5),
)
VISITS = (
    HomeVisit(
        1, 1, nov(16), officer_id=1, assigned_on=nov(16), outcome="on_roll", visited_on=nov(18)
    ),
    HomeVisit(
        2, 1, nov(10), officer_id=1, assigned_on=nov(10), outcome="found", visited_on=nov(18)
    ),
    HomeVisit(3, 1, nov(17), officer_id=2, assigned_on=nov(17)),
    HomeVisit(5, 1, nov(2), officer_id=2, assigned_on=nov(3)),  # E closed on the 27th
    HomeVisit(6, 1, nov(23)),  # F closed on the 27th: nobody waits for this visit
    HomeVisit(2, 2, nov(25)),  # B's second visit waits for an officer
)


@pytest.fixture
def calendar() -> SchoolCalendar:
    return SchoolCalendar(COUNCIL_TERMS)


@pytest.fixture
def weekly_data(calendar: SchoolCalendar) -> ReportData:
    return ReportData(
        cases=(A, B, C, D, E, F, G),
        deadlines=DEADLINES,
        visits=VISITS,
        officers=OFFICERS,
        calendar=calendar,
    )


@pytest.fixture
def all_cases() -> tuple[CaseFacts, ...]:
    return (A, B, C, D, E, F, G, H, UNTRIAGED, J, K, L)
