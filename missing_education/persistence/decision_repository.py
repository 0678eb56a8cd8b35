"""The SQL repository of decisions asked of coordinators, and their answers."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from missing_education.domain.deadline import Step
from missing_education.domain.decision import DecisionRequest
from missing_education.domain.states import Status
from missing_education.persistence.columns import StoredRow, aware_or_none
from missing_education.persistence.tables import (
    cases,
    deadlines,
    decisions,
)
from missing_education.ports import QueuedDecision


def _decision(r: StoredRow) -> DecisionRequest:
    return DecisionRequest(
        case_id=r["case_id"],
        kind=r["kind"],
        round=r["round"],
        requested_on=r["requested_on"],
        answer=r["answer"],
        details=json.loads(r["details"] or "{}"),
        decided_by=r["decided_by"],
        decided_at=aware_or_none(r["decided_at"]),
        flow_run_id=r["flow_run_id"],
    )


class SqlDecisionRepository:
    """Decisions asked of coordinators and the answers they gave."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def request(self, case_id: int, kind: str, requested_on: date) -> DecisionRequest:
        """Ask for a decision unless one of that kind is already waiting; return the open one."""
        waiting = self.open_for(case_id, kind)
        if waiting is not None:
            return waiting
        last = self.connection.execute(
            select(func.max(decisions.c.round)).where(
                decisions.c.case_id == case_id, decisions.c.kind == kind
            )
        ).scalar()
        self.connection.execute(
            insert(decisions).values(
                case_id=case_id, kind=kind, round=(last or 0) + 1, requested_on=requested_on
            )
        )
        found = self.open_for(case_id, kind)
        assert found is not None
        return found

    def open_for(self, case_id: int, kind: str) -> DecisionRequest | None:
        """The decision of that kind still waiting on a case."""
        r = (
            self.connection.execute(
                select(decisions).where(
                    decisions.c.case_id == case_id,
                    decisions.c.kind == kind,
                    decisions.c.answer.is_(None),
                )
            )
            .mappings()
            .first()
        )
        return _decision(r) if r else None

    def waiting(self) -> list[DecisionRequest]:
        """Every decision waiting for a person on an open case, oldest first."""
        # A closed case refuses decisions: what it still had waiting is nobody's work.
        open_cases = select(cases.c.id).where(cases.c.status != Status.CLOSED.value)
        rows = self.connection.execute(
            select(decisions)
            .where(decisions.c.answer.is_(None), decisions.c.case_id.in_(open_cases))
            .order_by(decisions.c.id)
        ).mappings()
        return [_decision(r) for r in rows]

    def queue(self) -> list[QueuedDecision]:
        """The waiting decisions with their cases' flags and open due dates, in two statements."""
        rows = self.connection.execute(
            select(decisions, cases.c.safeguarding)
            .join(cases, cases.c.id == decisions.c.case_id)
            .where(decisions.c.answer.is_(None), cases.c.status != Status.CLOSED.value)
            .order_by(decisions.c.id)
        ).mappings()
        waiting = [(_decision(r), bool(r["safeguarding"])) for r in rows]
        asked = select(decisions.c.case_id).where(decisions.c.answer.is_(None))
        open_due: dict[int, dict[Step, date]] = defaultdict(dict)
        for case_id, step, due in self.connection.execute(
            select(deadlines.c.case_id, deadlines.c.step, func.max(deadlines.c.due))
            .where(
                deadlines.c.met_on.is_(None),
                deadlines.c.acted_on.is_(None),
                deadlines.c.case_id.in_(asked),
            )
            .group_by(deadlines.c.case_id, deadlines.c.step)
        ):
            open_due[case_id][Step(step)] = due
        return [
            QueuedDecision(d, safeguarding, dict(open_due.get(d.case_id, {})))
            for d, safeguarding in waiting
        ]

    def for_case(self, case_id: int) -> list[DecisionRequest]:
        """Every decision on a case."""
        rows = self.connection.execute(
            select(decisions).where(decisions.c.case_id == case_id).order_by(decisions.c.id)
        ).mappings()
        return [_decision(r) for r in rows]

    def answer(
        self, request: DecisionRequest, answer: str, details: dict[str, Any], who: str, at: datetime
    ) -> bool:
        """Record the answer once; False when somebody answered first."""
        result = self.connection.execute(
            update(decisions)
            .where(
                decisions.c.case_id == request.case_id,
                decisions.c.kind == request.kind,
                decisions.c.round == request.round,
                decisions.c.answer.is_(None),
            )
            .values(
                answer=answer,
                details=json.dumps(details, default=str),
                decided_by=who,
                decided_at=at,
            )
        )
        return result.rowcount == 1

    def attach_flow_run(self, request: DecisionRequest, flow_run_id: str) -> None:
        """Remember which Prefect flow run asks for this decision."""
        self.connection.execute(
            update(decisions)
            .where(
                decisions.c.case_id == request.case_id,
                decisions.c.kind == request.kind,
                decisions.c.round == request.round,
            )
            .values(flow_run_id=flow_run_id)
        )
