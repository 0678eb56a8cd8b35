"""`cme match` as a coordinator uses it: thresholds as settings, learnt parameters, blank fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from missing_education.cli import app
from synthetic.noisy_notifications import synthetic_notifications
from synthetic.register import synthetic_population


def cme(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A register of 2,000 pupils and 300 notifications, some with names or dates blank."""
    directory = tmp_path_factory.mktemp("match")
    register = synthetic_population(2000, seed=31)
    notifications, _ = synthetic_notifications(register, 300, absent_share=0.2, seed=32)
    notifications.loc[:9, "forename"] = ""
    notifications.loc[10:14, "date_of_birth"] = ""
    register.loc[:4, "surname"] = ""
    register.to_csv(directory / "register.csv", index=False)
    notifications.to_csv(directory / "notifications.csv", index=False)
    return str(directory / "notifications.csv"), str(directory / "register.csv")


def match_json(files: tuple[str, str], tmp_path: Path, *options: str) -> Any:
    # --force: several tests match the same files twice into the same --out.
    result = cme("match", *files, "--out", str(tmp_path / "out.csv"), "--force", "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_rows_with_blank_names_or_dates_are_scored_and_counted_not_refused(
    files: tuple[str, str], tmp_path: Path
) -> None:
    report = match_json(files, tmp_path)
    assert report["rejected"] == []
    assert report["notifications"] == 300
    missing = report["scored_with_missing_fields"]
    assert sum(missing["notifications"].values()) >= 15
    assert sum(missing["register"].values()) >= 5


def test_the_learnt_m_values_are_in_the_json_output(files: tuple[str, str], tmp_path: Path) -> None:
    learning = match_json(files, tmp_path)["learning"]
    assert learning["learnt"] is True and learning["notifications"] == 300
    assert set(learning["parameters"]) == {
        "forename", "surname", "date_of_birth", "sex", "postcode", "names_swapped",
        "present_prior",
    }  # fmt: skip
    assert 0.5 < learning["parameters"]["surname"]["exact"] < 1.0


def test_the_match_threshold_is_a_setting_and_an_option(
    files: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = match_json(files, tmp_path)
    assert default["thresholds"] == {"match": 0.85, "possible": 0.05}
    monkeypatch.setenv("CME_MATCHING_MATCH_THRESHOLD", "0.999999")
    strict = match_json(files, tmp_path)
    assert strict["thresholds"]["match"] == 0.999999
    assert strict["match"] < default["match"]
    assert strict["possible"] > default["possible"]
    option = match_json(files, tmp_path, "--match-threshold", "0.9")
    assert option["thresholds"]["match"] == 0.9


def test_thresholds_the_wrong_way_round_are_refused_without_a_traceback(
    files: tuple[str, str], tmp_path: Path
) -> None:
    result = cme(
        "match", *files, "--out", str(tmp_path / "out.csv"),
        "--match-threshold", "0.2", "--possible-threshold", "0.5",
    )  # fmt: skip
    assert result.exit_code != 0
    assert "possible <= match" in result.output
    assert "Traceback" not in result.output


def test_the_plain_summary_says_how_many_rows_were_scored_with_fields_missing(
    files: tuple[str, str], tmp_path: Path
) -> None:
    result = cme("match", *files, "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    assert "notifications scored with 1 field missing" in result.output
    assert "share of swapped names learnt from the notifications" in result.output
