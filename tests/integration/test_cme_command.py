"""The `cme` command as a coordinator types it: output, exit statuses and error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from missing_education import services
from missing_education.cli import app
from missing_education.persistence import SqlUnitOfWork
from missing_education.settings import load_settings

NOTIFICATIONS = """forename,surname,date_of_birth,upn,referral_date,referrer_organisation
Amira,Khan,2015-03-04,A123456789012,2026-11-20,Matlock Primary
Tom,Baker,2015-02-30,,2026-11-20,Matlock Primary
Old,Enough,2009-06-01,,2026-11-20,Housing
,,,,2026-11-20,Housing
"""


def cme(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def cme_json(*args: str) -> Any:
    result = cme(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def notification_file(tmp_path: Path, text: str = NOTIFICATIONS) -> str:
    path = tmp_path / "notifications.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def command_paths() -> list[list[str]]:
    """Every command and sub-command of `cme`, found by walking the command tree."""
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        paths.append(path)
        # Typer's groups carry their sub-commands in `commands` (it vendors its own click).
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_ingest_prints_what_happened_to_every_row_and_exits_0(tmp_path: Path) -> None:
    report = cme_json("ingest", notification_file(tmp_path))
    assert {k: report[k] for k in ("received", "opened", "linked", "rejected")} == {
        "received": 4,
        "opened": 2,
        "linked": 0,
        "rejected": 2,
    }
    assert report["not_cme"] == 1
    assert [r["row"] for r in report["rejections"]] == [3, 5]
    assert report["rejections"][0]["reason"].startswith("date_of_birth:")
    assert report["rejections"][1]["reason"] == (
        "child: nothing identifies the child: give a name, a date of birth or a UPN"
    )


def test_ingest_without_json_speaks_plainly(tmp_path: Path) -> None:
    result = cme("ingest", notification_file(tmp_path))
    assert result.exit_code == 0
    assert "4 received, 2 opened" in result.stdout
    assert "row 5: child: nothing identifies the child" in result.stdout


def test_ingesting_the_same_file_again_links_and_opens_nothing(tmp_path: Path) -> None:
    path = notification_file(tmp_path)
    cme_json("ingest", path)
    again = cme_json("ingest", path)
    assert (again["opened"], again["duplicates"], again["rejected"]) == (0, 2, 2)


def test_ingest_refuses_a_file_missing_a_required_column_and_names_it(tmp_path: Path) -> None:
    path = notification_file(tmp_path, "forename,surname,date_of_birth\nAmira,Khan,2015-03-04\n")
    result = cme("ingest", path, "--json")
    assert result.exit_code == 1
    assert "referral_date, referrer_organisation" in result.stderr
    assert "nothing was taken in" in result.stderr
    assert cme_json("cases") == []


def test_ingest_of_a_file_that_does_not_exist_says_so(tmp_path: Path) -> None:
    result = cme("ingest", str(tmp_path / "missing.csv"))
    assert result.exit_code == 1
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.output


def test_cases_lists_each_case_with_its_status_and_deadline(tmp_path: Path) -> None:
    cme_json("ingest", notification_file(tmp_path))
    listed = cme_json("cases")
    assert [(c["case_id"], c["status"], c["deadline"]) for c in listed] == [
        (1, "investigating", "2026-12-18"),
        (2, "closed", None),
    ]
    assert {"reference", "deadline_step", "opened_on"} <= set(listed[0])


def test_cases_can_be_filtered_by_status(tmp_path: Path) -> None:
    cme_json("ingest", notification_file(tmp_path))
    assert [c["case_id"] for c in cme_json("cases", "--status", "closed")] == [2]
    assert [c["case_id"] for c in cme_json("cases", "--status", "INVESTIGATING")] == [1]
    assert cme_json("cases", "--status", "monitoring") == []
    assert cme("cases", "--status", "lost").exit_code == 2


def test_cases_as_a_table(tmp_path: Path) -> None:
    assert "No cases." in cme("cases").stdout
    cme_json("ingest", notification_file(tmp_path))
    table = cme("cases").stdout
    assert "CME-000001" in table and "2026-12-18" in table and "2 cases." in table


def test_case_show_gives_the_child_status_deadline_history_and_letters(tmp_path: Path) -> None:
    cme_json("ingest", notification_file(tmp_path))
    case = cme_json("case", "show", "1")
    assert case["child"]["forename"] == "Amira"
    assert case["child"]["upn"] == "A123456789012"
    assert case["child"]["compulsory_school_age"]["starts"] == "2020-03-31"
    assert (case["status"], case["deadline"]) == ("investigating", "2026-12-18")
    assert [(h["from"], h["to"], h["who"]) for h in case["history"]] == [
        (None, "received", "system"),
        ("received", "investigating", "system"),
    ]
    assert all(h["at"].startswith("2026-11-25") for h in case["history"])
    # Intake acknowledges the referrer; every letter shows what it is and who it went to.
    assert case["letters"]
    assert all({"type", "recipient"} <= set(letter) for letter in case["letters"])


def test_a_case_with_no_letters_yet_shows_an_empty_list(tmp_path: Path) -> None:
    settings = load_settings()
    services.ingest_file(
        SqlUnitOfWork(settings.effective_database_url),
        Path(notification_file(tmp_path)),
        settings=settings,
        today=date(2026, 11, 25),
    )
    assert cme_json("case", "show", "1")["letters"] == []
    assert "letters: none yet" in cme("case", "show", "1").stdout


def test_case_show_in_words(tmp_path: Path) -> None:
    cme_json("ingest", notification_file(tmp_path))
    text = cme("case", "show", "2").stdout
    assert "CME-000002  status: closed" in text
    assert "outcome: not_cme on 2026-11-25" in text


def test_an_unknown_case_id_exits_1_with_a_clear_message() -> None:
    result = cme("case", "show", "999")
    assert result.exit_code == 1
    assert "error: no case with id 999" in result.stderr
    assert "Traceback" not in result.output


def test_calendar_import_and_show(tmp_path: Path) -> None:
    path = tmp_path / "calendar.csv"
    path.write_text("school_urn,start_date,end_date,kind\n,2026-09-01,2026-12-18,term\n")
    assert cme("calendar", "import", str(path)).exit_code == 0
    shown = cme_json("calendar", "show")
    assert shown == [
        {"school_urn": "", "start_date": "2026-09-01", "end_date": "2026-12-18", "kind": "term"}
    ]


def test_school_age_answers_for_a_date_of_birth_on_a_date() -> None:
    report = cme_json("school-age", "2019-10-15", "--on", "2026-01-01")
    assert report["starts"] == "2024-12-31"
    assert report["ends"] == "2036-06-27"
    assert report["year_group"] == 1
    assert report["of_compulsory_school_age"] is True


def test_school_age_in_words() -> None:
    result = cme("school-age", "2019-10-15", "--on", "2024-12-30")
    assert result.exit_code == 0
    assert "starts 2024-12-31 and ends 2036-06-27" in result.stdout
    assert "the child is not of compulsory school age" in result.stdout


@pytest.mark.parametrize(
    "args",
    [["2019-02-30"], ["15/10/2019"], ["2019-10-15", "--on", "tomorrow"]],
)
def test_school_age_with_a_bad_date_exits_2(args: list[str]) -> None:
    result = cme("school-age", *args)
    assert result.exit_code == 2
    assert "must be a date written YYYY-MM-DD" in result.stderr


def test_db_upgrade_twice_says_the_database_is_up_to_date() -> None:
    first = cme("db", "upgrade")
    assert first.exit_code == 0
    assert "upgraded from empty" in first.stdout
    second = cme("db", "upgrade")
    assert second.exit_code == 0
    assert "up to date" in second.stdout


@pytest.mark.parametrize(
    "args", [["school-age", "2019-10-15"], ["case", "show", "1"], ["ingest", "x.csv"]]
)
def test_a_cme_today_that_is_not_a_date_gives_a_clear_error(
    args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CME_TODAY", "not-a-date")
    result = cme(*args)
    assert result.exit_code == 2
    assert "CME_TODAY must be a date written YYYY-MM-DD, not 'not-a-date'" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("name", "value"),
    [("CME_TIMESCALES_HOME_VISIT", "soon"), ("CME_RETENTION_YEARS", "seven")],
)
def test_a_bad_setting_gives_a_clear_error(
    name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(name, value)
    result = cme("cases")
    assert result.exit_code == 2
    assert f"error: setting {name} cannot be {value!r}" in result.stderr
    assert isinstance(result.exception, SystemExit)


def test_the_command_tree_is_walked_to_its_leaves() -> None:
    paths = command_paths()
    for path in (["ingest"], ["case", "show"], ["calendar", "import"], ["db", "upgrade"]):
        assert path in paths


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "cme")
def test_every_command_answers_help(path: list[str]) -> None:
    result = cme(*path, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_the_installed_cme_command_runs() -> None:
    command = Path(sys.executable).parent / "cme"
    result = subprocess.run(
        [str(command), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Children Missing Education" in result.stdout
    for name in ("ingest", "cases", "case", "calendar", "school-age", "db"):
        assert name in result.stdout


class RecordingOrchestration:
    """An orchestration that says what it was asked to run (no flows, no database)."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, date]] = []

    def receive_file(self, path: Path, *, settings: Any, today: date) -> dict[str, Any]:
        raise AssertionError("not asked in this test")

    def sweep(self, *, settings: Any, today: date) -> dict[str, Any]:
        self.asked.append(("sweep", today))
        return {"actions": {"reminded": 2}, "letters": 2, "failed": {}, "attention": []}

    def decision_runs(self) -> Any:
        raise AssertionError("not asked in this test")


def test_a_command_runs_its_flow_through_the_orchestration_the_command_was_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CME_TODAY", "2026-11-25")
    given = RecordingOrchestration()

    result = CliRunner().invoke(app, ["sweep"], obj=given)

    assert result.exit_code == 0, result.output
    assert given.asked == [("sweep", date(2026, 11, 25))]
    assert "reminded: 2" in result.stdout


def test_every_file_a_command_refuses_whole_is_said_as_error_lines_by_the_root_command() -> None:
    from missing_education.domain.errors import InputFileRefused
    from missing_education.matching import MatchingInputError
    from missing_education.private_files import OutputPathError
    from missing_education.services.calendar import CalendarFileError
    from missing_education.services.checks import SourceFileError
    from missing_education.services.directory import DirectoryFileError
    from missing_education.services.intake_files import HeldFileError
    from missing_education.services.tabular import CsvFileError

    refused = (
        services.IntakeFileError,
        HeldFileError,
        CalendarFileError,
        DirectoryFileError,
        SourceFileError,
        CsvFileError,
        MatchingInputError,
        OutputPathError,
    )
    assert all(issubclass(error, InputFileRefused) for error in refused)
    assert CalendarFileError(["row 2: a", "row 3: b"]).lines() == ["row 2: a", "row 3: b"]


def test_ingest_takes_a_row_without_a_date_of_birth_and_says_its_case_needs_one(
    tmp_path: Path,
) -> None:
    text = (
        "forename,surname,date_of_birth,upn,referral_date,referrer_organisation\n"
        "Ann,Jones,,,2026-11-20,Housing\n"
    )
    result = cme("ingest", notification_file(tmp_path, text))
    assert result.exit_code == 0, result.output
    assert "1 received, 1 opened" in result.stdout
    assert "1 notification taken without a date of birth: their cases need one recorded" in (
        result.stdout
    )
    listed = cme_json("cases")
    assert listed[0]["needs_attention"]["category"] == "date_of_birth"
    shown = cme("case", "show", str(listed[0]["case_id"]))
    assert "born not known" in shown.stdout
    assert "compulsory school age: not known until the date of birth is recorded" in shown.stdout
