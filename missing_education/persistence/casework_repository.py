"""SQL repositories around a case: letters, schools, officers, home visits and decisions."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, func, insert, select, update

from missing_education.domain import DomainError
from missing_education.domain.decision import DecisionRequest
from missing_education.domain.directory import HomeVisit, Officer, School
from missing_education.domain.letter import Channel, Delivery, LetterRecord, PrintBatch
from missing_education.domain.states import Status
from missing_education.persistence.tables import (
    cases,
    decisions,
    home_visits,
    letters,
    officers,
    print_batches,
    schools,
)
from missing_education.ports import WriteConflict


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _letter(row: RowMapping) -> LetterRecord:
    created = _aware(row["created_at"])
    assert created is not None
    return LetterRecord(
        id=row["id"],
        case_id=row["case_id"],
        step_key=row["step_key"],
        letter_type=row["letter_type"],
        recipient_role=row["recipient_role"],
        recipient=row["recipient"],
        recipient_email=row["recipient_email"],
        channel=Channel(row["channel"]),
        template_version=row["template_version"],
        sha256=row["sha256"],
        pages=row["pages"],
        path=row["path"],
        created_at=created,
        status=Delivery(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=_aware(row["sent_at"]),
        next_attempt_at=_aware(row["next_attempt_at"]),
        message_id=row["message_id"],
        replaces_letter_id=row["replaces_letter_id"],
        print_batch_id=row["print_batch_id"],
        reply_by=row["reply_by"],
        served_on=row["served_on"],
        details=row["details"],
    )


_LETTER_OF_STEP = select(letters).where(
    letters.c.case_id == bindparam("case_id"), letters.c.step_key == bindparam("step_key")
)
_INSERT_LETTER = insert(letters).returning(letters)


class SqlLetterRepository:
    """Letters kept as evidence, and the outbox they travel through."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def find(self, case_id: int, step_key: str) -> LetterRecord | None:
        """The letter a step already produced, if any."""
        row = (
            self.connection.execute(_LETTER_OF_STEP, {"case_id": case_id, "step_key": step_key})
            .mappings()
            .first()
        )
        return _letter(row) if row else None

    def add(self, values: dict[str, Any]) -> LetterRecord:
        """Record a rendered letter (queued for delivery)."""
        # RETURNING hands back the stored row (defaults included) without a second look.
        row = self.connection.execute(_INSERT_LETTER, values)
        return _letter(row.mappings().one())

    def get(self, letter_id: int) -> LetterRecord:
        """One letter by id."""
        row = self.connection.execute(select(letters).where(letters.c.id == letter_id)).mappings()
        return _letter(row.one())

    def for_case(self, case_id: int) -> list[LetterRecord]:
        """Every letter of a case, oldest first."""
        rows = self.connection.execute(
            select(letters).where(letters.c.case_id == case_id).order_by(letters.c.id)
        ).mappings()
        return [_letter(r) for r in rows]

    def outbox(self, statuses: tuple[Delivery, ...] | None = None) -> list[LetterRecord]:
        """Letters in the given delivery states (all when None), oldest first."""
        query = select(letters).order_by(letters.c.id)
        if statuses:
            query = query.where(letters.c.status.in_([s.value for s in statuses]))
        return [_letter(r) for r in self.connection.execute(query).mappings()]

    def claim(self, letter_id: int, from_status: Delivery, to_status: Delivery) -> bool:
        """Move a letter between states only if it is still in `from_status` (one winner)."""
        result = self.connection.execute(
            update(letters)
            .where(letters.c.id == letter_id, letters.c.status == from_status.value)
            .values(status=to_status.value)
        )
        return result.rowcount == 1

    def set_delivery(self, letter_id: int, **values: Any) -> None:
        """Record a delivery attempt's outcome."""
        if "status" in values and isinstance(values["status"], Delivery):
            values["status"] = values["status"].value
        self.connection.execute(update(letters).where(letters.c.id == letter_id).values(**values))

    def add_print_batch(self, values: dict[str, Any], letter_ids: list[int]) -> PrintBatch:
        """Record a print batch and put its letters in it."""
        inserted = self.connection.execute(
            insert(print_batches).values(**values)
        ).inserted_primary_key
        assert inserted is not None
        batch_id = int(inserted[0])
        claimed = self.connection.execute(
            update(letters)
            .where(letters.c.id.in_(letter_ids), letters.c.print_batch_id.is_(None))
            .values(print_batch_id=batch_id)
        )
        if claimed.rowcount != len(set(letter_ids)):
            # Another print batch took some of these letters first: none may be printed twice.
            raise WriteConflict("letters were put in another print batch meanwhile")
        return self.print_batch(batch_id)

    def print_batch(self, batch_id: int) -> PrintBatch:
        """One print batch."""
        r = (
            self.connection.execute(select(print_batches).where(print_batches.c.id == batch_id))
            .mappings()
            .one_or_none()
        )
        if r is None:
            raise DomainError(f"no print batch with id {batch_id} (cme letters outbox lists them)")
        return PrintBatch(
            id=r["id"],
            created_on=r["created_on"],
            pdf_path=r["pdf_path"],
            manifest_path=r["manifest_path"],
            letters=r["letters"],
            pages=r["pages"],
            confirmed=r["confirmed_at"] is not None,
        )

    def confirm_print_batch(self, batch_id: int, at: datetime) -> int:
        """Mark a batch printed and its letters posted; returns how many letters moved."""
        self.connection.execute(
            update(print_batches)
            .where(print_batches.c.id == batch_id, print_batches.c.confirmed_at.is_(None))
            .values(confirmed_at=at)
        )
        result = self.connection.execute(
            update(letters)
            .where(letters.c.print_batch_id == batch_id, letters.c.status == Delivery.QUEUED.value)
            .values(status=Delivery.POSTED.value, sent_at=at)
        )
        return int(result.rowcount)


class SqlDirectoryRepository:
    """Schools and education welfare officers, and the home visits officers make."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def school(self, urn: str) -> School | None:
        """A school by URN."""
        r = self.connection.execute(select(schools).where(schools.c.urn == urn)).mappings().first()
        return School(**dict(r)) if r else None

    def upsert_schools(self, rows: list[School]) -> None:
        """Add or replace schools by URN."""
        urns = [s.urn for s in rows]
        self.connection.execute(schools.delete().where(schools.c.urn.in_(urns)))
        if rows:
            self.connection.execute(insert(schools), [s.__dict__ for s in rows])

    def officers(self) -> list[Officer]:
        """Every officer."""
        rows = self.connection.execute(select(officers).order_by(officers.c.id)).mappings()
        return [
            Officer(
                id=r["id"],
                code=r["code"],
                name=r["name"],
                email=r["email"],
                phone=r["phone"],
                areas=tuple(a for a in r["areas"].split(";") if a),
                capacity=r["capacity"],
                active=r["active"],
            )
            for r in rows
        ]

    def officer(self, officer_id: int) -> Officer | None:
        """One officer by id."""
        return next((o for o in self.officers() if o.id == officer_id), None)

    def upsert_officers(self, rows: list[dict[str, Any]]) -> None:
        """Add officers or update them by code."""
        for values in rows:
            found = self.connection.execute(
                select(officers.c.id).where(officers.c.code == values["code"])
            ).scalar()
            if found is None:
                self.connection.execute(insert(officers).values(**values))
            else:
                self.connection.execute(
                    update(officers).where(officers.c.id == found).values(**values)
                )

    def caseloads(self) -> dict[int, int]:
        """Open (assigned, not yet visited) home visits per officer."""
        rows = self.connection.execute(
            select(home_visits.c.officer_id, func.count())
            .where(home_visits.c.officer_id.is_not(None), home_visits.c.outcome.is_(None))
            .group_by(home_visits.c.officer_id)
        ).all()
        return {int(officer_id): int(count) for officer_id, count in rows}

    def add_visit(self, visit: HomeVisit) -> bool:
        """Ask for a home visit once per case and round; False if it exists."""
        exists = self.connection.execute(
            select(home_visits.c.id).where(
                home_visits.c.case_id == visit.case_id, home_visits.c.round == visit.round
            )
        ).first()
        if exists:
            return False
        self.connection.execute(insert(home_visits).values(**visit.__dict__))
        return True

    def visits(self, case_id: int | None = None, *, unassigned: bool = False) -> list[HomeVisit]:
        """Home visits of a case (or all), or only those still waiting for an officer."""
        query = select(home_visits).order_by(home_visits.c.case_id, home_visits.c.round)
        if case_id is not None:
            query = query.where(home_visits.c.case_id == case_id)
        if unassigned:
            query = query.where(home_visits.c.officer_id.is_(None), home_visits.c.outcome.is_(None))
        rows = self.connection.execute(query).mappings()
        return [HomeVisit(**{k: v for k, v in r.items() if k != "id"}) for r in rows]

    def update_visit(self, case_id: int, round: int, **values: Any) -> None:
        """Record an assignment or an outcome."""
        self.connection.execute(
            update(home_visits)
            .where(home_visits.c.case_id == case_id, home_visits.c.round == round)
            .values(**values)
        )


def _decision(r: RowMapping) -> DecisionRequest:
    return DecisionRequest(
        case_id=r["case_id"],
        kind=r["kind"],
        round=r["round"],
        requested_on=r["requested_on"],
        answer=r["answer"],
        details=json.loads(r["details"] or "{}"),
        decided_by=r["decided_by"],
        decided_at=_aware(r["decided_at"]),
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
