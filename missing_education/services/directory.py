"""The directory: schools (where enquiries go) and education welfare officers (who visit)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from missing_education.domain.directory import School
from missing_education.domain.email_address import email_problem
from missing_education.domain.errors import InputFileRefused
from missing_education.ports import UnitOfWork
from missing_education.services.tabular import CsvFileError, read_csv

SCHOOL_COLUMNS = ("urn", "name", "email", "address_line1", "town", "postcode")
OFFICER_COLUMNS = ("code", "name", "email", "phone", "areas", "capacity")


class DirectoryFileError(InputFileRefused):
    """A schools or officers file is refused; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class DirectoryImport:
    """How many rows an import took in."""

    rows: int


def _table(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        table = read_csv(path)
    except CsvFileError as error:
        raise DirectoryFileError([str(error)]) from None
    missing = [c for c in required if c not in table.header]
    if missing:
        raise DirectoryFileError([f"missing the required column {', '.join(missing)}"])
    rows, problems = [], []
    for row_number, values in table.rows:
        if isinstance(values, str):
            problems.append(f"row {row_number}: {values}")
        else:
            rows.append((row_number, {k: v.strip() for k, v in values.items()}))
    if problems:
        raise DirectoryFileError(problems)
    return rows


def _email_problems(rows: list[tuple[int, dict[str, str]]]) -> list[str]:
    """Each row whose email is not exactly one valid address (blank is allowed)."""
    return [
        f"row {n}: email {problem}"
        for n, r in rows
        if r.get("email") and (problem := email_problem(r["email"]))
    ]


def import_schools(uow: UnitOfWork, path: Path) -> DirectoryImport:
    """Add or replace schools by URN (columns: urn, name; optional email and address)."""
    rows = _table(path, ("urn", "name"))
    problems = [f"row {n}: urn must be 6 or 7 digits" for n, r in rows if not r["urn"].isdigit()]
    problems += [f"row {n}: name is required" for n, r in rows if not r["name"]]
    problems += _email_problems(rows)
    if problems:
        raise DirectoryFileError(problems)
    schools = [School(**{c: r.get(c, "") for c in SCHOOL_COLUMNS}) for _, r in rows]
    with uow:
        uow.directory.upsert_schools(schools)
        uow.commit()
    return DirectoryImport(len(schools))


def import_officers(uow: UnitOfWork, path: Path) -> DirectoryImport:
    """Add or update officers by code; `areas` lists postcode districts separated by ";"."""
    rows = _table(path, ("code", "name", "areas"))
    officers: list[dict[str, Any]] = []
    problems = _email_problems(rows)
    for n, r in rows:
        if not r["code"] or not r["name"]:
            problems.append(f"row {n}: code and name are required")
            continue
        try:
            capacity = int(r.get("capacity") or 25)
        except ValueError:
            problems.append(f"row {n}: capacity must be a whole number")
            continue
        areas = ";".join(
            a.strip().upper() for a in r["areas"].replace(",", ";").split(";") if a.strip()
        )
        active = r.get("active", "yes").lower() not in {"no", "false", "0", "inactive"}
        officers.append(
            {
                "code": r["code"],
                "name": r["name"],
                "email": r.get("email", ""),
                "phone": r.get("phone", ""),
                "areas": areas,
                "capacity": capacity,
                "active": active,
            }
        )
    if problems:
        raise DirectoryFileError(problems)
    with uow:
        uow.directory.upsert_officers(officers)
        uow.commit()
    return DirectoryImport(len(officers))


def officer_workload(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each officer with open visits and capacity, and the unassigned queue (case ids)."""
    with uow:
        caseload = uow.directory.caseloads()
        rows: list[dict[str, Any]] = [
            {
                "code": o.code,
                "name": o.name,
                "areas": list(o.areas),
                "open_visits": caseload.get(o.id, 0),
                "capacity": o.capacity,
                "active": o.active,
            }
            for o in uow.directory.officers()
        ]
        waiting = [v.case_id for v in uow.directory.visits(unassigned=True)]
    rows.append(
        {"code": "-", "name": "unassigned", "open_visits": len(waiting), "case_ids": waiting}
    )
    return rows
