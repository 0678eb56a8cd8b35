"""The SQL repository of the directory: schools, education welfare officers, home visits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from missing_education.domain.directory import HomeVisit, Officer, School
from missing_education.persistence.tables import (
    home_visits,
    officers,
    schools,
)


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
