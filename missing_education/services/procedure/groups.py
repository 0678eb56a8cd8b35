"""Routes for the groups the CME guidance names as at particular risk, keyed off the risk codes.

Missing from care (the responsible authority and the police told at once) lives with the other
safeguarding referrals in services/safeguarding.py; young carers are a Fair Access category
(domain/fair_access.py). Here: Traveller families and armed forces families.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from missing_education.domain import Case, DecisionRefused, Outcome
from missing_education.domain.decision import DecisionKind
from missing_education.domain.risk import Risk, read_risks
from missing_education.services import recipients

if TYPE_CHECKING:
    from missing_education.services.procedure.closing import Closing

# Answers that close a case because the family moved away: (decision, answer).
MOVED_AWAY = frozenset(
    {
        (DecisionKind.SCHOOL_REPLY, "moved_abroad"),
        (DecisionKind.HOME_VISIT, "moved_abroad"),
        (DecisionKind.CLOSURE, Outcome.MOVED_ABROAD.value),
        (DecisionKind.CLOSURE, Outcome.MOVED_WITHIN_UK.value),
    }
)
# Outcomes after which an armed forces family's education advisers hear where the child went.
MOVED_ON = frozenset({Outcome.MOVED_ABROAD, Outcome.MOVED_WITHIN_UK, Outcome.ON_ROLL_ELSEWHERE})


def check_group_rules(
    case: Case, decision: DecisionKind, answer: str, details: dict[str, Any]
) -> None:
    """Refuse what a group's route forbids, before the decision touches the case.

    A Gypsy, Roma or Traveller family's case does not close on "moved" without where the
    family went: a travelling child is at particular risk of being lost between councils.
    """
    if (decision, answer) not in MOVED_AWAY:
        return
    if (
        Risk.GRT in read_risks(case.vulnerabilities).known
        and not str(details.get("destination") or "").strip()
    ):
        raise DecisionRefused(
            f"{case.reference} is a Gypsy, Roma or Traveller family: a move closes the case only "
            "with where the family went (--destination); if nobody knows, enquiries go on"
        )


def tell_armed_forces_advisers(p: Closing, case: Case, outcome: Outcome) -> None:
    """An armed forces family moving on: the service's education advisers hear of it."""
    if outcome not in MOVED_ON or Risk.ARMED_FORCES not in read_risks(case.vulnerabilities).known:
        return
    p.letter(
        case,
        "closure_referrer",
        "armed_forces:1",
        recipients.agency("armed_forces", p.settings),
        notification_date=case.referral_date,
        referred_on=p.today,
        outcome="The child is from an armed forces family that has moved on. "
        + p.outcome_words(outcome)
        + " Please help the family secure the child's education where they now live.",
    )
