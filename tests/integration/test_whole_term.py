"""A whole term of casework, simulated day by day: 200 children from notification to outcome.

The clock moves from Monday 16 November 2026 to the end of the spring term 2027. Every school
day the sweep runs and coordinators answer some of the decisions waiting, on a seeded
schedule that takes every answer of every decision at least once. Nothing sleeps: the days
are dates handed to the services. SQLite only (PostgreSQL runs the same code in the
journeys); the point here is volume and the invariants at the end.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from missing_education.domain import (
    NOTIFICATION_COLUMNS,
    OPEN_STATUSES,
    DomainError,
    Outcome,
    Status,
)
from missing_education.domain.decision import DECISIONS, DecisionRequest
from missing_education.letters import Letterhead, RenderedLetter, template_version
from missing_education.letters.rendering import letter_source
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar, load_calendar
from missing_education.services.casework import receive_file
from missing_education.services.directory import (
    OFFICER_COLUMNS,
    SCHOOL_COLUMNS,
    import_officers,
    import_schools,
)
from missing_education.services.procedure import Procedure
from missing_education.services.sweep import review_cases
from missing_education.settings import load_settings
from missing_education.synthetic import (
    autumn_2026_calendar,
    synthetic_notifications,
    synthetic_officers,
    synthetic_schools,
    write_csv,
)

FIRST_DAY = date(2026, 11, 16)
END_OF_SPRING_TERM = date(2027, 3, 26)
SEED = 20261116
EVERY_BRANCH = {(kind, answer) for kind, answers in DECISIONS.items() for answer in answers}


def typeset_later(
    items: Sequence[tuple[str, Mapping[str, Any]]], letterhead: Letterhead
) -> list[RenderedLetter]:
    """Fill each letter's template as for real, but skip the typesetting (about 20 ms each).

    The journeys typeset every letter type for real; over a term's 1,300 letters here the
    typesetter alone would take most of a minute, and the invariants are about the records.
    """
    made = []
    for letter_type, context in items:
        source, _ = letter_source(letter_type, context, letterhead)
        pdf = b"%PDF-1.7\n% stand-in\n" + hashlib.sha256(source.encode()).hexdigest().encode()
        made.append(
            RenderedLetter(
                letter_type=letter_type,
                pdf=pdf,
                pages=1,
                template_version=template_version(letter_type),
                sha256=hashlib.sha256(pdf).hexdigest(),
            )
        )
    return made


def school_days(calendar_has: Any, start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        if calendar_has(day):
            yield day
        day += timedelta(days=1)


# How long each kind of answer takes to come back, in calendar days (low, high), and how
# often it never comes (a school that never replies, a panel that never sits): late and
# missing answers are what make the sweep remind, escalate and refer.
ANSWER_TIMES: dict[str, tuple[int, int, float]] = {
    "school_reply": (3, 25, 0.25),
    "home_visit": (2, 14, 0.15),
    "admissions": (5, 35, 0.2),
    "fair_access": (5, 40, 0.2),
    "handover": (5, 40, 0.2),
    "s437": (5, 25, 0.1),
    "police_notification": (1, 6, 0.0),
    "lpd_search": (3, 40, 0.2),
}


class Coordinators:
    """Answer decisions on a seeded schedule, taking each decision's answers in turn."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.turns = {kind: itertools.cycle(answers) for kind, answers in DECISIONS.items()}
        self.applied: Counter[tuple[str, str]] = Counter()
        self.errors: list[str] = []
        self.days = 0

    def answer_after(self, request: DecisionRequest) -> int | None:
        """Days until this request is answered (None: never), the same on every run."""
        low, high, never = ANSWER_TIMES[request.kind]
        rng = random.Random(f"{self.seed}-{request.case_id}-{request.kind}-{request.round}")
        return None if rng.random() < never else rng.randint(low, high)

    def details(self, kind: str, answer: str) -> dict[str, Any]:
        if answer == "moved_other_council":
            return {
                "other_council": "Sheffield City Council",
                "other_council_email": "cme@sheffield.example",
            }
        return {"notes": f"seeded {kind}"}

    def decide(self, uow: SqlUnitOfWork, procedure: Procedure, case_id: int, kind: str) -> None:
        answer = next(self.turns[kind])
        try:
            report = procedure.decide(
                case_id, kind, answer, who="sim", details=self.details(kind, answer)
            )
        except DomainError as error:
            uow.rollback()
            self.errors.append(f"{procedure.today} case {case_id} {kind}={answer}: {error}")
            return
        uow.commit()
        if report.actions:
            self.applied[(kind, answer)] += 1

    def work(self, uow: SqlUnitOfWork, procedure: Procedure, day: date) -> None:
        """A day's answers, then now and then a match review or a coordinator's closure."""
        for request in uow.decisions.waiting():
            after = self.answer_after(request)
            if after is None or (day - request.requested_on).days < after:
                continue
            if not uow.cases.get(request.case_id).is_open:
                continue  # closed earlier today
            self.decide(uow, procedure, request.case_id, request.kind)
        self.days += 1
        open_cases = [s for s in uow.cases.summaries() if s.status in OPEN_STATUSES]
        if open_cases and self.days % 5 == 0:
            self.decide(uow, procedure, self.rng.choice(open_cases).case_id, "match_review")
        lost = [s for s in open_cases if s.status in (Status.ESCALATED, Status.MONITORING)]
        if lost and self.days % 3 == 0:
            self.decide(uow, procedure, self.rng.choice(lost).case_id, "closure")


def test_a_term_of_200_cases_ends_with_every_case_closed_or_legally_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("missing_education.services.letters.render_letters", typeset_later)
    started = time.perf_counter()
    settings = load_settings()
    url = settings.effective_database_url
    import_calendar(
        SqlUnitOfWork(url),
        write_csv(tmp_path / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS),
    )
    import_schools(
        SqlUnitOfWork(url), write_csv(tmp_path / "s.csv", synthetic_schools(), SCHOOL_COLUMNS)
    )
    import_officers(
        SqlUnitOfWork(url), write_csv(tmp_path / "o.csv", synthetic_officers(), OFFICER_COLUMNS)
    )
    rows = synthetic_notifications(200, seed=SEED, referral_date=FIRST_DAY)
    path = write_csv(tmp_path / "notifications.csv", rows, NOTIFICATION_COLUMNS)
    monkeypatch.setenv("CME_TODAY", FIRST_DAY.isoformat())
    intake = receive_file(SqlUnitOfWork(url), path, settings=settings, today=FIRST_DAY)
    assert intake["opened"] >= 195

    with SqlUnitOfWork(url) as uow:
        calendar = load_calendar(uow)
    coordinators = Coordinators(SEED)
    sweeps: Counter[str] = Counter()
    for day in school_days(calendar.is_school_day, FIRST_DAY, END_OF_SPRING_TERM):
        monkeypatch.setenv("CME_TODAY", day.isoformat())
        sweeps.update(review_cases(SqlUnitOfWork(url), settings=settings, today=day).actions)
        with SqlUnitOfWork(url) as uow:
            coordinators.work(uow, Procedure(uow, settings, day), day)
    elapsed = time.perf_counter() - started

    assert coordinators.errors == [], "\n".join(coordinators.errors)
    assert EVERY_BRANCH - set(coordinators.applied) == set()
    for action in (
        "school_reminded",
        "escalated_to_manager",
        "escalated_not_located",
        "monitoring_review",
        "home_visit_assigned",
        "referred_to_admissions",
        "referred_to_fair_access",
    ):
        assert sweeps[action] > 0, action

    with SqlUnitOfWork(url) as uow:
        summaries = uow.cases.summaries()
        assert len(summaries) == intake["opened"]
        letters = uow.letters.outbox()
        per_step = Counter((x.case_id, x.step_key) for x in letters)
        assert [k for k, n in per_step.items() if n > 1] == []
        open_deadlines = {d.case_id for d in uow.deadlines.open()}
        waiting = {d.case_id for d in uow.decisions.waiting()}
        outcomes: Counter[Outcome] = Counter()
        stranded = []
        for summary in summaries:
            case = uow.cases.get(summary.case_id)
            keys = {x.step_key for x in uow.letters.for_case(case.id)}
            if case.is_open:
                assert case.status in OPEN_STATUSES
                assert case.outcome is None and case.closed_on is None
                if case.id not in open_deadlines | waiting:
                    stranded.append((case.reference, case.status.value))
                continue
            assert case.outcome is not None and case.closed_on is not None
            outcomes[case.outcome] += 1
            assert case.history[-1].to_status is Status.CLOSED
            if case.history[-1].why.startswith("not_cme: not of compulsory school age"):
                continue  # closed at triage: the acknowledgement is its only letter
            assert "closure_referrer" in keys, case.reference
            if case.school_urn or case.school_name:
                assert "closure_school" in keys, case.reference
            if case.child.address_line1 and case.outcome is not Outcome.WHEREABOUTS_UNKNOWN:
                assert "closure_parent" in keys, case.reference
            assert not [d for d in uow.deadlines.for_case(case.id) if d.is_open]
    # An open case always has a deadline coming or a decision waiting: none is forgotten.
    assert stranded == [], stranded
    closed = sum(outcomes.values())
    print(
        f"\nwhole term: {len(summaries)} cases, {closed} closed {dict(outcomes)}, "
        f"{len(letters)} letters, {sum(coordinators.applied.values())} decisions, "
        f"sweeps {dict(sweeps)}, {elapsed:.1f} s"
    )
    assert elapsed < 60
