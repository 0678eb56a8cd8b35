"""After a journey through the flows on a real Prefect server, Prefect's own database holds no
child's name, date of birth, address or postcode: flows take ids, log counts, decision forms
carry no free text, and their answers are moved into the case record and deleted from Prefect."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from prefect.flow_runs import resume_flow_run

from missing_education import services
from missing_education.cli_support import open_uow
from missing_education.services import intake_files
from missing_education.settings import load_settings
from tests.e2e.conftest import CHILDREN, E2E, FILE_CHILDREN, TODAY, write_notifications

pytestmark = pytest.mark.server


def personal_strings(children: dict[str, dict[str, str]]) -> set[str]:
    """What must never reach Prefect, in the forms it would take there."""
    found: set[str] = set()
    for child in children.values():
        text = child["date_of_birth"]
        born = date.fromisoformat(text) if "-" in text else date(*map(int, text.split("/")[::-1]))
        postcode = child["postcode"]
        found |= {
            f"{child['forename']} {child['surname']}",
            child["surname"],
            born.isoformat(),
            born.strftime("%d/%m/%Y"),
            child["address_line1"],
            postcode,
            postcode.replace(" ", ""),
            child["parent_name"],
            child["parent_phone"],
        }
    return found


def search_database(path: Path, needles: set[str]) -> list[str]:
    """Every (table, column, needle) where a needle occurs, any case, in any column as text."""
    hits = []
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
            for column in columns:
                for needle in sorted(needles):
                    (count,) = connection.execute(
                        f'SELECT count(*) FROM "{table}" '
                        f'WHERE instr(lower(CAST("{column}" AS TEXT)), lower(?)) > 0',
                        (needle,),
                    ).fetchone()
                    if count:
                        hits.append(f"{table}.{column}: {needle!r} in {count} row(s)")
    finally:
        connection.close()
    return hits


def search_files(paths: list[Path], needles: set[str]) -> list[str]:
    """Every file (local storage, results, the server's and worker's console logs) with a needle."""
    hits = []
    for path in paths:
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        hits += [f"{path}: {n!r}" for n in sorted(needles) if n.lower() in text]
    return hits


def test_prefect_stores_no_personal_data_after_a_journey(e2e: E2E) -> None:
    # Intake through the `file` deployment: names and addresses pass through the worker only.
    # The file is named after a child, as people do: Prefect sees only the id it is held under.
    first = FILE_CHILDREN["file-1"]
    file_name = f"{first['forename']}-{first['surname']}-referral.csv".lower()
    path = write_notifications(e2e.server.root / "incoming" / file_name, FILE_CHILDREN)
    held = intake_files.hold(open_uow(load_settings()), load_settings(), path)
    e2e.run("receive-notifications/file", timeout=180, file_id=held.id)
    opened = {}
    for summary in services.list_cases(e2e.cases.uow()):
        details = services.case_details(
            e2e.cases.uow(), summary["case_id"], today=date.fromisoformat(TODAY)
        )
        for key, child in FILE_CHILDREN.items():
            if details["child"]["forename"] == child["forename"]:
                opened[key] = (summary["case_id"], summary["status"])
    assert {k: s for k, (_, s) in opened.items()} == dict.fromkeys(FILE_CHILDREN, "investigating")

    # The investigation asked for a home visit and its run is waiting; a second run started by
    # hand for the same decision takes its place (one run per decision), and is answered.
    case_id = opened["file-1"][0]
    key = e2e.decision_key("home_visit", case_id)
    decision = e2e.start("decide-home-visit/home-visit", case_id=case_id)
    e2e.wait_until_suspended(decision.id, key)
    resume_flow_run(
        decision.id,
        run_input={
            "answer": "Nobody in: calling card left, visit again",
            "visited_on": "Wed 25 Nov 2026 (today)",
            "decided_by": "privacy-test",
        },
    )
    e2e.wait_until_completed(decision.id)
    with e2e.cases.uow() as uow:
        answered = [d for d in uow.decisions.for_case(case_id) if d.decided_by == "privacy-test"]
    assert [d.answer for d in answered] == ["no_answer"]

    # One case advanced on its own, and the morning sweep.
    e2e.run("investigate-case/case", case_id=e2e.case_id("privacy"))
    e2e.run("daily-case-review/daily")

    needles = personal_strings(CHILDREN) | personal_strings(FILE_CHILDREN)
    needles |= {file_name, Path(file_name).stem, first["forename"], str(path.parent)}
    database = e2e.server.database
    # The search finds what Prefect does hold: the case reference in the decision's prompt.
    assert search_database(database, {f"CME-{case_id:06d}"})
    assert search_database(database, needles) == []
    files = [p for p in e2e.server.home.rglob("*") if p.is_file() and "prefect.db" not in p.name]
    assert search_files(files + e2e.server.logs, needles) == []
