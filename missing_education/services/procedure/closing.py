"""Closing a case: the outcome recorded, open steps met, and the closure letters it needs."""

from __future__ import annotations

from typing import Any

from missing_education.clock import now
from missing_education.domain import (
    Case,
    DecisionRefused,
    HistoryEntry,
    Outcome,
)
from missing_education.domain.attention import DATE_OF_BIRTH
from missing_education.domain.words import (
    parent_next_steps,
)
from missing_education.ports import UnitOfWork
from missing_education.services import recipients
from missing_education.services.procedure import groups, outcomes
from missing_education.services.procedure.context import ProcedureContext

OUTCOME_WORDS = {
    Outcome.ON_ROLL_HERE: "The child is now on the roll of a school in our area.",
    Outcome.ON_ROLL_ELSEWHERE: "The child is on the roll of a school in another area of England.",
    Outcome.MOVED_WITHIN_UK: "The child has moved to Wales, Scotland or Northern Ireland.",
    Outcome.MOVED_ABROAD: "We have evidence that the child has moved abroad.",
    Outcome.EHE: "The child is being educated at home by their parents.",
    Outcome.ALTERNATIVE_PROVISION: "The child is receiving education other than at school.",
    Outcome.CUSTODY: "The child is in custody and receiving education there.",
    Outcome.PAST_CSA: "The child is now past compulsory school age.",
    Outcome.DIED: "We are very sorry to record that the child has died.",
    Outcome.NOT_CME: "The child was not missing education.",
    Outcome.OUT_OF_AREA: (
        "The child lives outside our area; the council where they live has taken the case."
    ),
    # What was done is listed from the record (outcomes.steps_taken), never assumed here.
    Outcome.WHEREABOUTS_UNKNOWN: (
        "All our enquiries are complete and the child's whereabouts remain unknown."
    ),
}
# Deletion-from-roll grounds, The School Attendance (Pupil Registration) (England) Regulations
# 2024 reg 9(1), as closure letters to schools state them.
DELETION_GROUNDS = {
    Outcome.ON_ROLL_HERE: "9(1)(a): registered at another school",
    Outcome.ON_ROLL_ELSEWHERE: "9(1)(a): registered at another school",
    Outcome.MOVED_WITHIN_UK: "9(1)(g): moved out of reasonable distance",
    Outcome.MOVED_ABROAD: "9(1)(g): moved out of reasonable distance",
    Outcome.EHE: "9(1)(f): parent's written notice of elective home education",
    Outcome.CUSTODY: "9(1)(j): in custody",
    Outcome.PAST_CSA: "9(1)(l): ceased to be of compulsory school age",
    Outcome.DIED: "9(1)(k): died",
    Outcome.WHEREABOUTS_UNKNOWN: "9(1)(i): joint enquiries by school and council have failed",
}
# The school that replied the child is on its roll is never invited to delete (issue 14, 5).
KEEP_ON_ROLL_REPLIED = (
    "Please keep the child's name on your admission register: this letter gives no ground for "
    "deleting it. If the child is absent, please follow your school's attendance procedures and "
    "tell us if the child stops attending or you learn that the family has moved."
)
KEEP_ON_ROLL = (
    "This letter gives no ground for deleting the child's name from your admission register. "
    "Delete it only if one of the grounds in regulation 9 of the School Attendance (Pupil "
    "Registration) (England) Regulations 2024 applies, and tell us when you do."
)


def school_closure(uow: UnitOfWork, case: Case, outcome: Outcome) -> dict[str, Any]:
    """The closure letter's words for the school: a deletion ground only where one applies."""
    replied_on_roll = any(
        d.kind == "school_reply" and d.answer == "on_roll_here"
        for d in uow.decisions.for_case(case.id)
    )
    if replied_on_roll:
        return {
            "outcome": "You told us that the child is on your school's roll, so the child is not "
            "missing education.",
            "keep_on_roll": KEEP_ON_ROLL_REPLIED,
        }
    ground = DELETION_GROUNDS.get(outcome)
    if ground is None:
        return {"outcome": OUTCOME_WORDS[outcome], "keep_on_roll": KEEP_ON_ROLL}
    return {"outcome": OUTCOME_WORDS[outcome], "deletion_ground": ground}


class Closing(ProcedureContext):
    """How a case ends: every open step met, and a letter to each party that should hear."""

    def close(self, case: Case, outcome: Outcome, who: str, why: str) -> None:
        """Close with an outcome and send the closure letters (never silently).

        "Whereabouts unknown" is refused until the escalation steps are done (DOMAIN.md 4.8).
        """
        if outcome is Outcome.WHEREABOUTS_UNKNOWN:
            refused = outcomes.whereabouts_unknown_refusal(self.uow, case)
            if refused is not None:
                raise DecisionRefused(refused)
        case.close(outcome, on=self.today, at=now(), who=who, why=why)
        self.uow.cases.save(case)
        if case.child.date_of_birth is None:  # a closed case waits for nothing
            self.uow.attention.resolve(case.id, DATE_OF_BIRTH)
        for deadline in self.uow.deadlines.for_case(case.id):
            if deadline.is_open:
                self.uow.deadlines.meet(case.id, deadline.step, self.today)
        self.close_open_visits(case)
        words = OUTCOME_WORDS[outcome]
        # Letters list only the escalation steps the record shows (DOMAIN.md 4.8).
        steps = (
            outcomes.steps_taken(self.uow, case) if outcome is Outcome.WHEREABOUTS_UNKNOWN else []
        )
        school = recipients.school(self.uow, case)
        if school is not None:
            self.letter(
                case,
                "closure_school",
                "closure_school",
                school,
                school={"name": school.organisation, "urn": case.school_urn or "not known"},
                steps_taken=steps,
                **school_closure(self.uow, case, outcome),
            )
        if outcome is Outcome.EHE:
            # The EHE team takes the child on, whichever door recorded home education.
            self.letter(
                case,
                "closure_referrer",
                "ehe_team:1",
                recipients.agency("ehe_team", self.settings),
                notification_date=case.referral_date,
                outcome=OUTCOME_WORDS[Outcome.EHE],
            )
        outcomes.tell_social_care_closed(self, case)
        groups.tell_armed_forces_advisers(self, case, outcome)
        if outcome is not Outcome.WHEREABOUTS_UNKNOWN:
            self.letter(
                case,
                "closure_parent",
                "closure_parent",
                recipients.parent(case, case.parent_name),
                outcome=words,
                # No reminder of the s7 duty after a death, past school age or a move away.
                next_steps=parent_next_steps(outcome),
            )
        # Every referrer was promised news at closure: one letter each (the first keeps the
        # key it always had, so a case closed before this change gets no second letter).
        told: set[tuple[str, str, str]] = set()
        for number, notification in enumerate(self.uow.notifications.for_case(case.id)):
            who_ = (
                notification.referrer_email.casefold(),
                notification.referrer_organisation.casefold(),
                notification.referrer_name.casefold(),
            )
            if who_ in told:
                continue
            told.add(who_)
            self.letter(
                case,
                "closure_referrer",
                "closure_referrer" if number == 0 else f"closure_referrer:{notification.id}",
                recipients.referrer(notification),
                notification_date=notification.referral_date,
                outcome=words,
                steps_taken=steps,
            )

    def close_open_visits(self, case: Case) -> None:
        """A closed case needs no visit: its officer's capacity is freed for waiting visits."""
        for visit in self.uow.directory.visits(case.id):
            if visit.outcome is None:
                self.uow.directory.update_visit(case.id, visit.round, outcome="withdrawn")

    def note(self, case: Case, who: str, why: str) -> None:
        """Write a fact on the case's history without moving it."""
        case.new_history.append(
            HistoryEntry(at=now(), who=who, from_status=case.status, to_status=case.status, why=why)
        )
        self.uow.cases.save(case)

    def outcome_words(self, outcome: Outcome) -> str:
        """An outcome in the plain words closure letters use."""
        return OUTCOME_WORDS[outcome]
