"""Merging two open cases of one child, from `cme case merge` and from the case page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from missing_education.cli import app as cme
from missing_education.domain import Outcome, Status
from missing_education.domain.letter import Delivery
from missing_education.domain.workspace import CaseNote, Role
from missing_education.services import accounts
from missing_education.services.merging import MergeRefused, merge_cases
from tests.integration.test_procedure_journeys import Council
from tests.integration.test_workspace import PASSWORD, TODAY, client_for, sign_in


@pytest.fixture
def council(database_url: str, tmp_path: Path) -> Council:
    council = Council(database_url, tmp_path)
    council.add_officer()
    for name, role in (("coord", Role.COORDINATOR), ("reader", Role.READ_ONLY)):
        accounts.add_user(council.uow(), name, full_name=name, role=role, password=PASSWORD)
    return council


def two_cases_of_one_child(council: Council) -> tuple[int, int]:
    """The school's notification, and a second one from health with the forename mistyped."""
    kept = council.open_case(forename="Ottoline", surname="Fairweather")
    duplicate = council.open_case(
        forename="Otoline",
        surname="Fairweather",
        vulnerabilities="child_protection",
        referrer_organisation="Derbyshire Community Health",
        referrer_email="cme@health.example",
    )
    assert kept != duplicate
    return kept, duplicate


def merge(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cme, ["case", "merge", *args])
    return done.exit_code, done.output


def test_a_duplicate_is_merged_into_the_kept_case_once_with_its_notifications_notes_and_flags(
    council: Council,
) -> None:
    kept, duplicate = two_cases_of_one_child(council)
    with council.uow() as uow:
        at = council.case(kept).history[0].at
        uow.workspace.add_note(CaseNote(0, duplicate, "note", at, "ewo1", "Seen", "", "", None))
        uow.commit()
    letters_before = {x.id for x in council.letters(duplicate)}

    code, output = merge(str(kept), str(duplicate), "--by", "A. Morgan", "--reason", "Same child")
    assert code == 0, output
    assert f"CME-{duplicate:06d} merged into CME-{kept:06d}: 1 notifications and 1 notes" in output

    closed, kept_case = council.case(duplicate), council.case(kept)
    assert (closed.status, closed.outcome) == (Status.CLOSED, Outcome.NOT_CME)
    assert kept_case.is_open and "child_protection" in kept_case.vulnerabilities
    assert kept_case.safeguarding
    assert "merged into it: Same child" in closed.history[-1].why
    assert closed.history[-1].who == "A. Morgan"
    assert kept_case.history[-1].why.startswith(f"CME-{duplicate:06d} merged into this case")
    with council.uow() as uow:
        referrers = {n.referrer_organisation for n in uow.notifications.for_case(kept)}
        assert [n.text for n in uow.workspace.notes(kept)] == ["Seen"]
        assert uow.notifications.for_case(duplicate) == []
    assert referrers == {"Matlock Primary School", "Derbyshire Community Health"}
    # The family's case goes on: no closure letter for the duplicate, nothing of it still queued.
    after = council.letters(duplicate)
    assert {x.id for x in after} == letters_before
    assert not [x for x in after if x.status is Delivery.QUEUED]

    again, output = merge(str(kept), str(duplicate), "--by", "A. Morgan", "--reason", "again")
    assert again == 0 and "merged into" in output and "already" in output
    assert len(council.case(kept).history) == len(kept_case.history)


def test_a_merge_is_refused_for_another_child_a_closed_case_or_the_case_itself(
    council: Council,
) -> None:
    kept, duplicate = two_cases_of_one_child(council)
    other = council.open_case(forename="Barnaby", surname="Wren", date_of_birth="2016-01-09")
    code, output = merge(str(kept), str(other), "--by", "A. Morgan", "--reason", "typo")
    assert code == 1
    assert "do not look like the same child (different dates of birth)" in output
    assert len(output.strip().splitlines()) == 1  # one line, never a traceback
    code, output = merge(str(kept), str(kept), "--by", "A. Morgan", "--reason", "x")
    assert code == 1 and "cannot be merged into itself" in output
    code, output = merge(str(kept), str(duplicate), "--by", "A. Morgan", "--reason", "")
    assert code == 1 and "say why" in output
    merge_cases(council.uow(), kept, duplicate, by="A. Morgan", reason="same", today=TODAY)
    with pytest.raises(MergeRefused, match="is closed"):
        merge_cases(council.uow(), duplicate, kept, by="A. Morgan", reason="back", today=TODAY)
    assert council.case(other).is_open


def test_a_day_and_month_swapped_date_of_birth_is_the_same_child(council: Council) -> None:
    kept = council.open_case(forename="Ottoline", surname="Fairweather")
    swapped = council.open_case(
        forename="Ottoline", surname="Fairweather", date_of_birth="2015-04-03"
    )
    with council.uow() as uow:
        waiting = next(d for d in uow.decisions.for_case(swapped) if d.is_open)
        uow.decisions.attach_flow_run(waiting, "run-of-the-duplicate")
        uow.commit()
    runs = FinishedRuns()
    merge_cases(
        council.uow(), kept, swapped, by="A. Morgan", reason="DOB typo", today=TODAY, runs=runs
    )
    assert council.case(swapped).outcome is Outcome.NOT_CME
    assert runs.finished == ["run-of-the-duplicate"]  # its decision no longer waits in Prefect


class FinishedRuns:
    """Records the decision runs a service finishes."""

    def __init__(self) -> None:
        self.finished: list[str] = []

    def ask(self, case_ids: Sequence[int]) -> None:
        """Nothing is asked by a merge."""

    def finish(self, flow_run_ids: Sequence[str]) -> None:
        self.finished.extend(flow_run_ids)


def test_a_coordinator_merges_on_the_case_page_and_a_reader_cannot(council: Council) -> None:
    kept, duplicate = two_cases_of_one_child(council)
    reader = client_for(council)
    refused = reader.post(
        f"/cases/CME-{kept:06d}/merge",
        data={"csrf_token": sign_in(reader, "reader"), "duplicate": str(duplicate), "reason": "x"},
    )
    assert refused.status_code == 400 and "cannot do this" in refused.text
    client = client_for(council)
    csrf = sign_in(client, "coord")
    nothing = client.post(
        f"/cases/CME-{kept:06d}/merge",
        data={"csrf_token": csrf, "duplicate": "CME-999999", "reason": "x"},
    )
    assert nothing.status_code == 400 and "there is no case CME-999999" in nothing.text
    done = client.post(
        f"/cases/CME-{kept:06d}/merge",
        data={"csrf_token": csrf, "duplicate": f"CME-{duplicate:06d}", "reason": "same child"},
    )
    assert done.status_code == 303 and done.headers["location"].endswith("?done=merged")
    page = client.get(f"/cases/CME-{duplicate:06d}").text
    assert f'Merged into <a class="govuk-link" href="/cases/CME-{kept:06d}">' in page
    assert (
        f'href="/cases/CME-{duplicate:06d}">CME-{duplicate:06d}</a> (by coord'
        in client.get(f"/cases/CME-{kept:06d}").text
    )
    assert council.case(duplicate).closed_on == date(2026, 11, 25)
