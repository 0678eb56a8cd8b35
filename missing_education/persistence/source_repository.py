"""SQL repository of council data sources and the checks made against them."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import Connection, RowMapping, insert, select, update

from missing_education.domain.check import DatabaseCheck, SourceInfo
from missing_education.domain.register import REGISTER_COLUMNS
from missing_education.persistence.columns import aware
from missing_education.persistence.tables import database_checks, source_records, sources

RECORD_COLUMNS = REGISTER_COLUMNS


def _source(row: RowMapping) -> SourceInfo:
    return SourceInfo(
        name=row["name"],
        file_name=row["file_name"],
        file_sha256=row["file_sha256"],
        rows=row["rows"],
        loaded_at=aware(row["loaded_at"]),
    )


class SqlSourceRepository:
    """Sources are replaced whole inside the caller's transaction: a failed load keeps the old."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def replace(self, info: SourceInfo, records: pd.DataFrame) -> None:
        """Put this source's records in place of any it had."""
        found = self.connection.execute(
            select(sources.c.id).where(sources.c.name == info.name)
        ).scalar()
        values = {
            "name": info.name,
            "file_name": info.file_name,
            "file_sha256": info.file_sha256,
            "rows": info.rows,
            "loaded_at": info.loaded_at,
        }
        if found is None:
            inserted = self.connection.execute(
                insert(sources).values(**values)
            ).inserted_primary_key
            assert inserted is not None
            source_id = int(inserted[0])
        else:
            source_id = int(found)
            self.connection.execute(
                source_records.delete().where(source_records.c.source_id == source_id)
            )
            self.connection.execute(
                update(sources).where(sources.c.id == source_id).values(**values)
            )
        extra_columns = [c for c in records.columns if c not in RECORD_COLUMNS]
        rows: list[dict[str, Any]] = []
        for record in records.to_dict("records"):
            row = {
                c: "" if pd.isna(record.get(c)) else str(record.get(c, "")) for c in RECORD_COLUMNS
            }
            extra = {c: str(record[c]) for c in extra_columns if not pd.isna(record[c])}
            rows.append({**row, "source_id": source_id, "extra": json.dumps(extra)})
            if len(rows) >= 5000:
                self.connection.execute(insert(source_records), rows)
                rows = []
        if rows:
            self.connection.execute(insert(source_records), rows)

    def all(self) -> list[SourceInfo]:
        """Every loaded source."""
        rows = self.connection.execute(select(sources).order_by(sources.c.name)).mappings()
        return [_source(r) for r in rows]

    def records(self, name: str) -> pd.DataFrame:
        """A source's records as a register-shaped frame."""
        query = (
            select(*(source_records.c[c] for c in RECORD_COLUMNS))
            .select_from(source_records.join(sources, sources.c.id == source_records.c.source_id))
            .where(sources.c.name == name)
            .order_by(source_records.c.id)
        )
        rows = self.connection.execute(query).all()
        return pd.DataFrame([tuple(r) for r in rows], columns=list(RECORD_COLUMNS), dtype=object)

    def add_check(self, check: DatabaseCheck) -> bool:
        """Record a check once per case, source and source version; False if it exists."""
        exists = self.connection.execute(
            select(database_checks.c.id).where(
                database_checks.c.case_id == check.case_id,
                database_checks.c.source_name == check.source_name,
                database_checks.c.source_sha256 == check.source_sha256,
            )
        ).first()
        if exists:
            return False
        self.connection.execute(
            insert(database_checks).values(
                case_id=check.case_id,
                source_name=check.source_name,
                source_sha256=check.source_sha256,
                checked_at=check.checked_at,
                fields_searched=";".join(check.fields_searched),
                decision=check.decision,
                best_ref=check.best_ref,
                best_score=check.best_score,
                candidates=json.dumps(check.candidates),
            )
        )
        return True

    def checks(self, case_id: int) -> list[DatabaseCheck]:
        """Every check of a case, oldest first."""
        rows = self.connection.execute(
            select(database_checks)
            .where(database_checks.c.case_id == case_id)
            .order_by(database_checks.c.id)
        ).mappings()
        return [
            DatabaseCheck(
                case_id=r["case_id"],
                source_name=r["source_name"],
                source_sha256=r["source_sha256"],
                checked_at=aware(r["checked_at"]),
                fields_searched=tuple(f for f in r["fields_searched"].split(";") if f),
                decision=r["decision"],
                best_ref=r["best_ref"],
                best_score=r["best_score"],
                candidates=json.loads(r["candidates"]),
            )
            for r in rows
        ]
