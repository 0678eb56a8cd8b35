"""A case a step could not finish: the reason is kept on the case until a later run succeeds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The categories a coordinator (and Prefect, as counts) sees; the reason says more.
LETTER = "letter"
RULE = "rule"
DATA = "data"
UNEXPECTED = "unexpected"

REASON_LIMIT = 300


@dataclass(frozen=True)
class Attention:
    """Why a case needs a person's attention, since when, and how many runs failed on it."""

    case_id: int
    category: str
    reason: str
    since: date
    attempts: int = 1
