"""A decision flow rerun after its answer was applied does not ask the question again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from missing_education import services
from missing_education.domain import NOTIFICATION_COLUMNS
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.procedure import Procedure
from missing_education.settings import load_settings
from synthetic.council import write_csv
from tasks.decisions import claim_pending_decision, decision_answered_by_run

TODAY = date(2026, 11, 25)
RUN = "5c1f2a4e-0000-4000-8000-000000000001"


def test_a_decision_run_knows_its_answer_was_applied_and_a_new_run_does_not(
    database_url: str, tmp_path: Path
) -> None:
    row = dict.fromkeys(NOTIFICATION_COLUMNS, "")
    row.update(
        forename="Ada",
        surname="Lee",
        date_of_birth="2015-01-02",
        referral_date="2026-11-20",
        referrer_organisation="Admissions Team",
    )
    file = write_csv(tmp_path / "n.csv", [row], NOTIFICATION_COLUMNS)
    settings = load_settings()
    case_id = services.ingest_file(
        SqlUnitOfWork(database_url), file, settings=settings, today=TODAY
    ).opened_case_ids[0]

    pending, _, before = claim_pending_decision.fn(case_id, "closure", RUN)
    assert (pending.reference, before) == (f"CME-{case_id:06d}", None)
    with SqlUnitOfWork(database_url) as uow:
        assert [d.flow_run_id for d in uow.decisions.for_case(case_id)] == [RUN]
    assert not decision_answered_by_run.fn(case_id, "closure", RUN)
    # A second run started for the same decision takes its place and names the one before.
    assert claim_pending_decision.fn(case_id, "closure", RUN.replace("1", "3"))[2] == RUN
    claim_pending_decision.fn(case_id, "closure", RUN)
    with SqlUnitOfWork(database_url) as uow:
        Procedure(uow, settings, TODAY).decide(
            case_id, "closure", "not_cme", who="coordinator", details={}
        )
        uow.commit()

    assert decision_answered_by_run.fn(case_id, "closure", RUN)
    assert not decision_answered_by_run.fn(case_id, "closure", RUN.replace("1", "2"))
