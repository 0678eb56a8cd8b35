"""The forms a coordinator fills in on the Prefect UI to answer a decision on a case."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from prefect import Flow, flow
from prefect.context import get_run_context
from prefect.flow_runs import suspend_flow_run
from prefect.input import RunInput
from prefect.input.actions import delete_flow_run_input
from pydantic import Field

from tasks.casework import apply_decision, decision_answered_by_run, request_decision
from tasks.privacy import install_redaction

WHO = Field(description="Your name or staff id: the case record keeps who decided.")
NOTES = Field(
    default="",
    description="Anything to add to the case record. It is moved into the case and removed here.",
)


class SchoolReply(RunInput):
    """The school's reply to our enquiry."""

    reply: Literal[
        "on_roll_here", "on_roll_elsewhere", "moved_abroad", "no_information", "new_address"
    ] = Field(description="What the school told us.")
    decided_by: str = WHO
    notes: str = NOTES


class HomeVisitOutcome(RunInput):
    """What the education welfare officer found at the home visit."""

    outcome: Literal[
        "no_answer",
        "family_found_no_place",
        "on_roll",
        "elective_home_education",
        "moved_other_council",
        "moved_abroad",
        "refuses_education",
        "not_at_address",
    ] = Field(description="What the officer found.")
    visited_on: date = Field(description="The day of the visit.")
    other_council: str = Field(default="", description="If the family moved: the council's name.")
    other_council_email: str = Field(
        default="", description="If the family moved: that council's CME email."
    )
    decided_by: str = WHO
    notes: str = NOTES


class AdmissionsOutcome(RunInput):
    """The in-year admissions decision."""

    outcome: Literal["placed", "not_placed"] = Field(description="Was a school place allocated?")
    decided_by: str = WHO
    notes: str = NOTES


class MatchReview(RunInput):
    """A possible match found in a council database, for a person to confirm or reject."""

    verdict: Literal["same_child", "different_child"] = Field(
        description="Is it the same child? A wrong link closes a missing child's case."
    )
    decided_by: str = WHO
    notes: str = NOTES


class PoliceNotification(RunInput):
    """Whether to notify the police that the child is missing."""

    choice: Literal["notify", "do_not_notify"] = Field(description="Notify the police?")
    decided_by: str = WHO
    notes: str = NOTES


class Closure(RunInput):
    """Close the case with an outcome (closure letters follow)."""

    outcome: Literal[
        "on_roll_here",
        "on_roll_elsewhere_england",
        "moved_wales_scotland_ni",
        "moved_abroad",
        "elective_home_education",
        "alternative_provision",
        "custody",
        "past_compulsory_school_age",
        "died",
        "not_cme",
        "whereabouts_unknown",
    ] = Field(description="The closure outcome.")
    decided_by: str = WHO
    notes: str = NOTES


FORMS: dict[str, tuple[type[RunInput], str]] = {
    "school_reply": (SchoolReply, "reply"),
    "home_visit": (HomeVisitOutcome, "outcome"),
    "admissions": (AdmissionsOutcome, "outcome"),
    "match_review": (MatchReview, "verdict"),
    "police_notification": (PoliceNotification, "choice"),
    "closure": (Closure, "outcome"),
}
PROMPTS = {
    "school_reply": "Record the school's reply to our enquiry",
    "home_visit": "Record the outcome of the home visit",
    "admissions": "Record the in-year admissions decision",
    "match_review": "Review a possible match in a council database",
    "police_notification": "Decide whether to notify the police",
    "closure": "Close the case with an outcome",
}


def suspend_key(kind: str, reference: str) -> str:
    """The suspend key: lower-case letters, digits and dashes only (see shared/PREFECT.md)."""
    return f"{kind.replace('_', '-')}-{reference.lower()}"


def ask_and_apply(case_id: int, kind: str) -> dict[str, Any]:
    """Suspend the flow run with the decision's form, then apply the answer to the case.

    The flow reruns from the top when resumed: recording the request is idempotent and the
    stored answer is returned at once, so nothing happens twice.
    """
    form, field = FORMS[kind]
    flow_run_id = str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    if decision_answered_by_run(case_id, kind, flow_run_id):
        # A rerun after the answer was applied (and its stored input deleted): nothing to ask.
        return {"cases": 0, "letters": 0, "actions": {}, "case_ids": []}
    reference = request_decision(case_id, kind, flow_run_id)
    key = suspend_key(kind, reference)
    prompt = (
        f"## {PROMPTS[kind]}\n\nCase **{reference}**. Open the case record with "
        f"`cme case show {case_id}` for the child's details; they are never shown here."
    )
    answer = suspend_flow_run(
        wait_for_input=form.with_initial_data(description=prompt), key=key, timeout=None
    )
    values = answer.model_dump()
    details = {k: v for k, v in values.items() if k not in (field, "decided_by")}
    try:
        return apply_decision(case_id, kind, values[field], str(values["decided_by"]), details)
    finally:
        # Free text belongs in the case record, never in Prefect: the stored answer goes
        # whether it was applied or refused (a case closed meanwhile, a bad email address).
        delete_flow_run_input(f"suspended-{key}-response")


def decision_flow(kind: str) -> Flow[[int], dict[str, Any]]:
    """The small flow for one decision: `decide-<kind>`, taking only a case id."""

    def decide(case_id: int) -> dict[str, Any]:
        install_redaction()
        return ask_and_apply(case_id, kind)

    decide.__doc__ = f"{PROMPTS[kind]}: suspend with the form in the Prefect UI, then act on it."
    return flow(name=f"decide-{kind.replace('_', '-')}")(decide)
