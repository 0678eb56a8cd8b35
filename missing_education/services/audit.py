"""The audit trail: who did what to a case and when, as the records already keep it.

Decisions carry the person who made them (`--by`, or the form's "decided by"); moves made by
the procedure itself are by "system". Prefect keeps no user identity: this is the record.
"""

from __future__ import annotations

from typing import Any

from missing_education.domain import case_reference
from missing_education.ports import UnitOfWork


def audit_trail(uow: UnitOfWork, case_id: int | None = None) -> list[dict[str, Any]]:
    """Every recorded action on one case (CaseNotFound if there is none) or on all, oldest first."""
    with uow:
        if case_id is not None:
            uow.cases.get(case_id)
        return [
            {
                "at": entry.at.isoformat(timespec="seconds"),
                "case_id": entry.case_id,
                "reference": case_reference(entry.case_id),
                "who": entry.who,
                "action": entry.action,
                "detail": entry.detail,
            }
            for entry in uow.audit.entries(case_id)
        ]
