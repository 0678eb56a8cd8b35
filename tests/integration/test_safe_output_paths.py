"""Where `cme` writes files a person names (`--out`): never a device, folder or link (issue 15)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from missing_education.cli import app
from missing_education.private_files import write_private

NOTIFICATIONS = """forename,surname,date_of_birth,referral_date,referrer_organisation
Amira,Khan,2015-03-04,2026-11-20,Matlock Primary
"""


def cme(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def one_case(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text(NOTIFICATIONS, encoding="utf-8")
    assert cme("ingest", str(path)).exit_code == 0


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


@pytest.mark.usefixtures("one_case")
def test_case_export_never_writes_over_a_device() -> None:
    before = os.stat("/dev/null")
    result = cme("case", "export", "1", "--out", "/dev/null", "--force")
    assert result.exit_code == 1
    assert "/dev/null is a device" in result.output
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@pytest.mark.usefixtures("one_case")
def test_case_export_refuses_a_folder_and_leaves_nothing_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    result = cme("case", "export", "1", "--out", str(folder))
    assert result.exit_code == 1
    assert "is a folder" in result.output
    assert list(folder.iterdir()) == []
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("one_case")
def test_case_export_refuses_a_symbolic_link_and_leaves_it_and_its_target(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "record.pdf"
    link.symlink_to(target)
    result = cme("case", "export", "1", "--out", str(link), "--force")
    assert result.exit_code == 1
    assert "symbolic link" in result.output
    assert link.is_symlink() and target.read_text() == "keep me"


@pytest.mark.usefixtures("one_case")
def test_case_export_replaces_an_existing_file_only_with_force_and_owner_only(
    tmp_path: Path,
) -> None:
    existing = tmp_path / "record.pdf"
    existing.write_text("an earlier export")
    refused = cme("case", "export", "1", "--out", str(existing))
    assert refused.exit_code == 1
    assert "already exists; add --force" in refused.output
    assert existing.read_text() == "an earlier export"

    replaced = cme("case", "export", "1", "--out", str(existing), "--force")
    assert replaced.exit_code == 0, replaced.output
    assert existing.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == []


@pytest.mark.usefixtures("one_case")
def test_the_report_folder_and_every_file_in_it_are_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    result = cme("report", "--out", str(folder))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = list(folder.iterdir())
    assert any(p.name == "report.pdf" for p in files)
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in files} == {oct(0o600)}
    again = cme("report", "--out", str(folder))
    assert again.exit_code == 1
    assert "already holds files; add --force" in again.output
    assert cme("report", "--out", str(folder), "--force").exit_code == 0


def test_a_failed_write_removes_its_temporary_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_private(tmp_path / "record.pdf", "not bytes")  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_child_whose_name_has_emoji_rare_cjk_and_unassigned_characters_is_exported(
    tmp_path: Path,
) -> None:
    path = tmp_path / "n.csv"
    path.write_text(
        "forename,surname,date_of_birth,referral_date,referrer_organisation\n"
        "👩‍👧 Mia\ue000,𠀀Khan,2015-03-04,2026-11-20,Matlock Primary\n",
        encoding="utf-8",
    )
    ingested = cme("ingest", str(path))
    assert ingested.exit_code == 0, ingested.output
    out = tmp_path / "record.pdf"
    result = cme("case", "export", "1", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
