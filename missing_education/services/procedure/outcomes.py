"""What the case record shows at escalation and closure: the steps taken and the words per outcome.

A letter states only what happened (DOMAIN.md 4.8): the steps a closure or escalation letter
lists are read back from the record (letters sent, decisions answered), never assumed.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from missing_education.domain import Case, Outcome, Status
from missing_education.domain.words import long_date
from missing_education.ports import UnitOfWork
from missing_education.services import recipients

if TYPE_CHECKING:
    from missing_education.services.procedure.branches import Branches
    from missing_education.services.procedure.closing import Closing

ESCALATION_REFERRAL = "social_care_referral:not_located"

# Outcomes that mean the child was found (a place, a move, education elsewhere): social care,
# told at escalation that the child was missing, hears that the child is located.
LOCATED_OUTCOMES = frozenset(
    {
        Outcome.ON_ROLL_HERE,
        Outcome.ON_ROLL_ELSEWHERE,
        Outcome.MOVED_WITHIN_UK,
        Outcome.MOVED_ABROAD,
        Outcome.EHE,
        Outcome.ALTERNATIVE_PROVISION,
        Outcome.CUSTODY,
        Outcome.NOT_CME,
        Outcome.OUT_OF_AREA,
    }
)
# What social care hears when the child is located after escalation, per where the case went.
LOCATED_WORDS: dict[Outcome | Status, str] = {
    Outcome.ON_ROLL_HERE: "the child is now on the roll of a school in our area",
    Outcome.ON_ROLL_ELSEWHERE: "the child is on the roll of a school in another area of England",
    Outcome.MOVED_WITHIN_UK: "the child has moved to Wales, Scotland or Northern Ireland",
    Outcome.MOVED_ABROAD: "we have evidence that the child has moved abroad",
    Outcome.EHE: "the child is being educated at home by their parents",
    Outcome.ALTERNATIVE_PROVISION: "the child is receiving education other than at school",
    Outcome.CUSTODY: "the child is in custody and receiving education there",
    Outcome.NOT_CME: "the child was not missing education",
    Outcome.OUT_OF_AREA: "the child lives in another council's area, which has taken the case",
    Status.LOCATED: "the family has been found; the child has no school place yet",
    Status.AWAITING_ADMISSION: "the child has been found and referred for a school place",
    Status.HANDOVER: "the family has moved to another council's area, which we have asked to "
    "confirm the child's school",
    Status.S437_ISSUED: "the family has been found; we have served a notice on the parent to "
    "secure the child's education",
}
# What social care hears when our case closes without the child being located.
NOT_LOCATED_WORDS: dict[Outcome, str] = {
    Outcome.WHEREABOUTS_UNKNOWN: (
        "We have closed our case: all our enquiries are complete and the child's whereabouts "
        "remain unknown. We will reopen it if we hear anything about the child."
    ),
    Outcome.DIED: "We have closed our case. We are very sorry to record that the child has died.",
    Outcome.PAST_CSA: (
        "We have closed our case because the child is now past compulsory school age. We did "
        "not locate the child before then."
    ),
}


def steps_taken(uow: UnitOfWork, case: Case) -> list[str]:
    """The escalation steps the record shows, one line each, dated."""
    lines = [
        f"Referred the child to children's social care on {long_date(letter.created_at.date())}."
        for letter in uow.letters.for_case(case.id)
        if letter.step_key.startswith(ESCALATION_REFERRAL)
    ]
    for decision in uow.decisions.for_case(case.id):
        if decision.is_open or decision.decided_at is None:
            continue
        on = long_date(decision.decided_at.date())
        if decision.kind == "lpd_search":
            found = "showed a new school" if decision.answer == "found_on_lpd" else "had no record"
            lines.append(f"Searched the Lost Pupil Database on {on}: it {found}.")
        elif decision.kind == "police_notification":
            lines.append(
                f"Notified the police on {on}."
                if decision.answer == "notify"
                else f"Decided on {on} not to notify the police."
            )
    return lines


def whereabouts_unknown_refusal(uow: UnitOfWork, case: Case) -> str | None:
    """Why the case may not close as "whereabouts unknown" yet (None when it may).

    Only after the escalation steps are done: social care referred, the Lost Pupil Database
    searched and the police decision recorded (DOMAIN.md 4.8).
    """
    if case.status not in (Status.ESCALATED, Status.MONITORING):
        return (
            f"{case.reference} is {case.status.value}: 'whereabouts unknown' is possible only "
            "after escalation (social care referral, Lost Pupil Database search, police decision)"
        )
    answered = {d.kind for d in uow.decisions.for_case(case.id) if not d.is_open}
    missing = []
    if not any(x.step_key.startswith(ESCALATION_REFERRAL) for x in uow.letters.for_case(case.id)):
        missing.append("the referral to children's social care")
    if "lpd_search" not in answered:
        missing.append("the Lost Pupil Database search (decision lpd_search)")
    if "police_notification" not in answered:
        missing.append("the decision whether to notify the police (decision police_notification)")
    if missing:
        return (
            f"{case.reference} cannot close as 'whereabouts unknown' until the escalation steps "
            f"are done; still to do: {'; '.join(missing)}"
        )
    return None


def was_referred_at_escalation(uow: UnitOfWork, case: Case) -> bool:
    """Whether social care was told the child is missing (the escalation referral)."""
    return _referred_on(uow, case) is not None


def tell_social_care_located(p: Branches, case: Case, key: str) -> bool:
    """After an escalation referral, tell social care the child is located, and where now.

    Nothing when the case ended without the child being located (see `tell_social_care_closed`).
    Whether a letter went.
    """
    referred = _referred_on(p.uow, case)
    if referred is None or (case.outcome is not None and case.outcome not in LOCATED_OUTCOMES):
        return False
    located = LOCATED_WORDS.get(case.outcome or case.status)
    if located is None:
        return False
    made = p.letter(
        case,
        "closure_referrer",
        key,
        recipients.agency("social_care", p.settings),
        notification_date=case.referral_date,
        referred_on=referred,
        outcome=f"The child has been located after our referral to you: {located}.",
    )
    return made is not None


def tell_social_care_closed(p: Closing, case: Case) -> None:
    """Tell social care, referred at escalation, that our case closed without locating the child."""
    referred = _referred_on(p.uow, case)
    if referred is None or case.outcome is None or case.outcome in LOCATED_OUTCOMES:
        return
    p.letter(
        case,
        "closure_referrer",
        "social_care_closure",
        recipients.agency("social_care", p.settings),
        notification_date=case.referral_date,
        referred_on=referred,
        outcome=NOT_LOCATED_WORDS.get(case.outcome, "We have closed our case."),
        steps_taken=steps_taken(p.uow, case),
    )


def _referred_on(uow: UnitOfWork, case: Case) -> date | None:
    referrals = [
        x.created_at.date()
        for x in uow.letters.for_case(case.id)
        if x.step_key.startswith(ESCALATION_REFERRAL)
    ]
    return referrals[-1] if referrals else None
