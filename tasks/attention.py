"""How a run that flagged cases ends: Failed, saying how many and why, after every other case."""

from __future__ import annotations

from typing import Any

from prefect.artifacts import create_table_artifact
from prefect.client.schemas.objects import State
from prefect.states import Failed

from missing_education.settings import load_settings


def attention_message(failed: dict[str, int]) -> str:
    """One line a coordinator notices: counts by reason category, no child's details."""
    total = sum(failed.values())
    reasons = ", ".join(f"{category}: {n}" for category, n in sorted(failed.items()))
    cases = "case needs" if total == 1 else "cases need"
    return (
        f"{total} {cases} attention ({reasons}); every other case was processed. "
        "See `cme cases --attention` for the reasons."
    )


def finish(result: dict[str, Any], summaries: list[dict[str, Any]]) -> dict[str, Any] | State:
    """The run's result, or a Failed state carrying it when any case was flagged."""
    failed: dict[str, int] = {}
    references: list[str] = []
    for summary in summaries:
        for category, n in summary.get("failed", {}).items():
            failed[category] = failed.get(category, 0) + n
        references += [r for r in summary.get("attention", []) if r not in references]
    if not failed:
        return result
    web = load_settings().web
    # References and links to their case pages in the workspace: never a child's details.
    create_table_artifact(
        key="cases-needing-attention",
        table=[{"case": r, "case_page": web.case_url(r)} for r in references],
        description="Cases a step failed on this run; the reason is on each case page, and "
        f"[the caseload lists them all]({web.base_url}/caseload?attention=yes).",
    )
    return Failed(
        message=attention_message(failed),
        data={**result, "failed": failed, "attention": references},
    )


def flow_result(state: State) -> dict[str, Any]:
    """A run's result; a run Failed because cases need attention still carries its summary."""
    result = state.result(raise_on_failure=False)
    if isinstance(result, BaseException):
        raise result
    if not isinstance(result, dict):
        raise TypeError(f"the run returned {type(result).__name__}, not its summary")
    return result
