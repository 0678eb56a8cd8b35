"""A case a step could not finish: the reason is kept on the case until a later run succeeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The categories a coordinator (and Prefect, as counts) sees; the reason says more.
LETTER = "letter"
RULE = "rule"
DATA = "data"
UNEXPECTED = "unexpected"
# Not a failure: the notification gave no date of birth. The flag stays through the steps that
# work without one, and goes when the date of birth is recorded (services.corrections).
DATE_OF_BIRTH = "date_of_birth"


def date_of_birth_not_known(case_id: int) -> str:
    """The reason kept on a case taken in without a date of birth: what to do about it."""
    return (
        "date of birth not known: compulsory school age cannot be checked; record it with "
        f"`cme case correct {case_id} date_of_birth YYYY-MM-DD --by NAME --reason WHY` "
        "or in the workspace"
    )


REASON_LIMIT = 300


@dataclass(frozen=True)
class Attention:
    """Why a case needs a person's attention, since when, and how many runs failed on it."""

    case_id: int
    category: str
    reason: str
    since: date
    attempts: int = 1
