"""A simulated term of casework for tests and benchmarks: seeded answers, no typesetting.

Used by the whole-term test, the reports tests and `bench/term.py`, so the three drive the
same procedure the same way. Nothing sleeps: days are dates handed to the services.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any

import pypdf

from missing_education.domain import OPEN_STATUSES, DomainError, Status
from missing_education.domain.deadline import Step
from missing_education.domain.decision import VOCABULARY, DecisionRequest
from missing_education.letters import Letterhead, RenderedLetter, template_version
from missing_education.letters.rendering import letter_source
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.outbox import confirm_print_batch, make_up_post
from missing_education.services.procedure import Procedure
from missing_education.services.procedure.outcomes import whereabouts_unknown_refusal
from missing_education.settings import Settings

FIRST_DAY = date(2026, 11, 16)
END_OF_SPRING_TERM = date(2027, 3, 26)
SEED = 20261116
# A flag is mapped by one handler whatever the code: a safeguarding code, another code and
# "not a risk" are its three branches.
RISK_MAPPING_BRANCHES = ("domestic_abuse", "young_carer", "not_a_risk")
# Answers a person may give now (a retired one is refused at every door).
OFFERED = {kind.value: tuple(a.value for a in spec.offered) for kind, spec in VOCABULARY.items()}
ANSWERS = {**OFFERED, "risk_mapping": RISK_MAPPING_BRANCHES}
EVERY_BRANCH = {(kind, answer) for kind, answers in ANSWERS.items() for answer in answers}


# Where tests and bench/term.py leave typesetting out: the renderer's per-letter call, and its
# pool kept in-process (a patched function does not reach worker processes).
TYPESETTING = "missing_education.letters.batch.render_letter"
POOL_FROM = "missing_education.letters.batch.POOL_FROM"


def typeset_later(
    letter_type: str, context: Mapping[str, Any], letterhead: Letterhead
) -> RenderedLetter:
    """Fill the letter's template as for real, but skip the typesetting (about 20 ms each).

    The journeys typeset every letter type for real; over a term's 1,300 letters here the
    typesetter alone would take most of a minute, and the invariants are about the records.
    """
    source, _ = letter_source(letter_type, context, letterhead)
    # A real one-page PDF (blank), so print batches can join them, unique per letter.
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Subject": hashlib.sha256(source.encode()).hexdigest()})
    buffer = io.BytesIO()
    writer.write(buffer)
    pdf = buffer.getvalue()
    return RenderedLetter(
        letter_type=letter_type,
        pdf=pdf,
        pages=1,
        template_version=template_version(letter_type),
        sha256=hashlib.sha256(pdf).hexdigest(),
    )


def skip_typesetting(setattr: Callable[[str, Any], None]) -> None:
    """Patch the renderer to fill templates only (monkeypatch.setattr, or a context's)."""
    setattr(TYPESETTING, typeset_later)
    setattr(POOL_FROM, 10**9)


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
    # The attendance order route: counted from the end of the period the answer waits for.
    "s437": (0, 10, 0.1),
    "s438": (0, 10, 0.05),
    "attendance_order": (0, 10, 0.05),
    "police_notification": (1, 6, 0.0),
    "lpd_search": (3, 40, 0.2),
    "risk_mapping": (0, 3, 0.0),
    "match_review": (0, 5, 0.0),
}


# Route decisions a coordinator answers once the period from service is over (the law's
# order: an earlier order, choice or prosecution is refused).
WAITS_FOR = {
    "s437": Step.S437_COMPLIANCE,
    "s438": Step.S438_CHOICE,
    "attendance_order": Step.ORDER_COMPLIANCE,
}
CHOSEN_SCHOOL = "120987"  # a synthetic school the parent may choose (Buxton Junior)


def post(url: str, settings: Settings, day: date) -> None:
    """The day's post: made up (stale letters remade first) and confirmed as posted that day."""
    made = make_up_post(SqlUnitOfWork(url), settings=settings, today=day)
    if made.batch is not None:
        confirm_print_batch(SqlUnitOfWork(url), made.batch.id, settings=settings, posted_on=day)


class Coordinators:
    """Answer decisions on a seeded schedule, taking each decision's answers in turn."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.turns: dict[str, Iterator[str]] = {
            kind: itertools.cycle(answers) for kind, answers in ANSWERS.items()
        }
        self.applied: Counter[tuple[str, str]] = Counter()
        self.errors: list[str] = []
        self.days = 0

    def ready(self, uow: SqlUnitOfWork, request: DecisionRequest, day: date) -> bool:
        """Whether this request is answered today (route decisions wait for their period)."""
        after = self.answer_after(request)
        if after is None:
            return False
        start = request.requested_on
        step = WAITS_FOR.get(request.kind)
        if step is not None:
            rounds = [d for d in uow.deadlines.for_case(request.case_id) if d.step is step]
            if not rounds:
                return False  # not served yet: no period runs
            start = max(rounds, key=lambda d: d.round).due + timedelta(days=1)
        return (day - start).days >= after

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
        if answer == "school_place_shown":
            return {"school": "Dale House School"}
        if answer == "new_address":
            return {"new_address": "3 Mill Lane, Matlock, DE4 3AB"}
        if "moved" in answer:
            return {"notes": f"seeded {kind}", "destination": "County Galway"}
        if answer in ("parent_chose_school", "attendance_order_expedient"):
            return {"named_school_urn": CHOSEN_SCHOOL}
        return {"notes": f"seeded {kind}"}

    def decide(self, uow: SqlUnitOfWork, procedure: Procedure, case_id: int, kind: str) -> None:
        answer = next(self.turns[kind])
        if answer == "whereabouts_unknown":
            # A coordinator closes so only a case whose escalation steps are done (refused
            # otherwise): one of those, or the answer waits for the next closure.
            ready = [
                s.case_id
                for s in uow.cases.summaries()
                if s.status in (Status.ESCALATED, Status.MONITORING)
                and whereabouts_unknown_refusal(uow, uow.cases.get(s.case_id)) is None
            ]
            if not ready:
                self.turns[kind] = itertools.chain([answer], self.turns[kind])
                return
            case_id = ready[0]
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
            if not self.ready(uow, request, day):
                continue
            if not uow.cases.get(request.case_id).is_open:
                continue  # closed earlier today
            self.decide(uow, procedure, request.case_id, request.kind)
        self.days += 1
        open_cases = [s for s in uow.cases.summaries() if s.status in OPEN_STATUSES]
        if open_cases and self.days % 5 == 0:
            # A database check found a possible match: the procedure asks, a person answers.
            case_id = self.rng.choice(open_cases).case_id
            uow.decisions.request(case_id, "match_review", day)
            self.decide(uow, procedure, case_id, "match_review")
        lost = [s for s in open_cases if s.status in (Status.ESCALATED, Status.MONITORING)]
        if lost and self.days % 3 == 0:
            self.decide(uow, procedure, self.rng.choice(lost).case_id, "closure")
