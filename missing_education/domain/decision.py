"""Human decisions a coordinator makes on a case, and the answers each may have."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from missing_education.domain.case import Outcome
from missing_education.domain.risk import NOT_A_RISK, Risk

# Each decision and its answers, as the coordinator picks them (Prefect form or `cme decide`).
DECISIONS: dict[str, tuple[str, ...]] = {
    "school_reply": (
        "on_roll_here",  # the school still has the child on roll: not CME
        "on_roll_elsewhere",  # the school knows the child's new school
        "moved_abroad",
        "no_information",
        "new_address",
    ),
    "home_visit": (
        "no_answer",  # nobody in: calling card, visit again
        "family_found_no_place",
        "on_roll",
        "elective_home_education",
        "moved_other_council",
        "moved_abroad",
        "refuses_education",
        "not_at_address",  # the family has gone: enquiries go on, escalation follows
    ),
    "admissions": ("placed", "not_placed"),
    "fair_access": ("placed", "not_placed"),
    "match_review": ("same_child", "different_child"),
    "police_notification": ("notify", "do_not_notify"),
    "lpd_search": ("found_on_lpd", "not_found"),  # Lost Pupil Database (S2S) search task
    "handover": ("confirmed_on_roll", "not_confirmed"),
    "s437": ("suitable_education_shown", "applied_for_place", "attendance_order_made"),
    "closure": tuple(o.value for o in Outcome),
    # A flag the risk vocabulary does not know: which code it means (DOMAIN.md 4.1).
    "risk_mapping": (*(r.value for r in Risk), NOT_A_RISK),
}


@dataclass(frozen=True)
class DecisionRequest:
    """A decision waiting for (or given by) a person."""

    case_id: int
    kind: str
    round: int
    requested_on: date
    answer: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    decided_by: str | None = None
    decided_at: datetime | None = None
    flow_run_id: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the decision still waits for an answer."""
        return self.answer is None
