"""`cme decide` and `cme decisions` as a coordinator types them: the guards speak plainly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from missing_education.cli import app

NOTIFICATION = (
    "forename,surname,date_of_birth,referral_date,referrer_organisation,address_line1,town,postcode\n"
    "Amira,Khan,2015-03-04,2026-11-20,Matlock Primary,4 Lime Grove,Matlock,DE4 3AB\n"
)


def cme(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def case_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """A case opened and investigated on 25 November 2026: a home visit is asked."""
    monkeypatch.setenv("CME_TODAY", "2026-11-25")
    path = tmp_path / "n.csv"
    path.write_text(NOTIFICATION, encoding="utf-8")
    result = cme("ingest", str(path), "--json")
    assert result.exit_code == 0, result.output
    (opened,) = json.loads(result.stdout)["opened_case_ids"]
    return int(opened)


def test_decisions_lists_the_asked_home_visit_with_its_flags(case_id: int) -> None:
    result = cme("decisions", "--json")
    rows = json.loads(result.stdout)
    assert [(r["case_id"], r["decision"], r["safeguarding"]) for r in rows] == [
        (case_id, "home_visit", False)
    ]


def test_decide_without_by_is_refused_before_anything_is_written(case_id: int) -> None:
    result = cme("decide", str(case_id), "home_visit", "not_at_address")
    assert result.exit_code == 2
    assert "Missing option '--by'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("by", ["", "  ", "A. Officer\nforged line"])
def test_a_blank_or_multi_line_by_is_refused_with_the_rule(case_id: int, by: str) -> None:
    result = cme("decide", str(case_id), "home_visit", "not_at_address", "--by", by)
    assert result.exit_code == 1
    assert "who decided" in result.output or "say who decided" in result.output
    assert json.loads(cme("decisions", "--json").stdout)[0]["decision"] == "home_visit"


def test_an_unasked_decision_is_refused_naming_what_is_pending(case_id: int) -> None:
    result = cme("decide", str(case_id), "admissions", "placed", "--by", "A. Coordinator")
    assert result.exit_code == 1
    assert (
        f"error: CME-{case_id:06d} is not waiting for decision admissions; "
        "it is investigating and waiting for: home_visit" in result.output
    )
    shown = json.loads(cme("case", "show", str(case_id), "--json").stdout)
    assert shown["status"] == "investigating"


def test_a_visit_date_in_the_future_is_refused(case_id: int) -> None:
    result = cme(
        "decide", str(case_id), "home_visit", "not_at_address", "--by", "A. Officer",
        "--visited-on", "2026-11-30",
    )  # fmt: skip
    assert result.exit_code == 1
    assert "the visit date 30 November 2026 is in the future" in result.output


def test_a_second_answer_is_applied_once_and_told_so(case_id: int) -> None:
    args = ("decide", str(case_id), "home_visit", "not_at_address", "--by", "A. Officer")
    first = cme(*args)
    second = cme(*args)
    other = cme("decide", str(case_id), "home_visit", "on_roll", "--by", "A. Officer")

    assert first.exit_code == 0, first.output
    assert "Recorded on" in first.output and "The family no longer lives there" in first.output
    assert second.exit_code == 0
    assert "had already been recorded; nothing was done twice" in second.output
    assert other.exit_code == 1
    assert "already answered: not_at_address by A. Officer" in other.output


def test_decide_help_lists_every_answer_with_its_meaning() -> None:
    result = cme("decide", "--help")
    assert result.exit_code == 0
    for text in ("family_found_no_place", "Family found, no school place", "s437", "lpd_search"):
        assert text in result.output


def test_a_closed_case_lists_no_waiting_decision(case_id: int) -> None:
    closed = cme("decide", str(case_id), "closure", "moved_abroad", "--by", "A. Coordinator")
    assert closed.exit_code == 0, closed.output

    assert json.loads(cme("decisions", "--json").stdout) == []
    shown = cme("case", "show", str(case_id))
    assert "waiting" not in shown.output
    assert "not answered: the case closed" in shown.output
