"""Held files: intake sees an id; the inbox gives up regular files only, one at a time."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from missing_education.services import intake_files
from missing_education.settings import load_settings


def test_a_held_file_keeps_its_name_beside_it_and_is_owner_only(tmp_path: Path) -> None:
    source = tmp_path / "amira-khan-referral.csv"
    source.write_text("forename\nAmira\n", encoding="utf-8")
    held = intake_files.hold(load_settings(), source)
    assert intake_files.FILE_ID.match(held.id)
    assert "amira" not in held.id and "amira" not in held.path.name
    assert held.name == "amira-khan-referral.csv"
    assert stat.S_IMODE(held.path.stat().st_mode) == 0o600
    assert source.exists()  # a copy: cme ingest leaves the coordinator's file alone
    intake_files.release(load_settings(), held.id)
    assert not held.path.exists()


@pytest.mark.parametrize("file_id", ["../../etc/passwd", "f-0123", "F-0123456789abcdef"])
def test_an_id_that_is_not_one_is_refused(file_id: str) -> None:
    with pytest.raises(intake_files.HeldFileError):
        intake_files.held(load_settings(), file_id)


def test_the_inbox_gives_up_regular_files_only_oldest_first(tmp_path: Path) -> None:
    settings = load_settings()
    inbox = settings.inbox_dir
    inbox.mkdir(parents=True)
    (inbox / "link.csv").symlink_to("/etc/passwd")
    (inbox / "folder.csv").mkdir()
    os.mkfifo(inbox / "pipe.csv")
    (inbox / "notes.txt").write_text("not a notification file")
    second, first = inbox / "b.csv", inbox / "a.csv"
    for n, path in enumerate((first, second)):
        path.write_text("forename\n", encoding="utf-8")
        os.utime(path, (1_800_000_000 + n, 1_800_000_000 + n))

    taken = [intake_files.take_from_inbox(settings), intake_files.take_from_inbox(settings)]
    # Each stays "unfinished" (and is offered again) until it is finished.
    assert taken[0] == taken[1]
    assert intake_files.held(settings, taken[0] or "").name == "a.csv"
    assert intake_files.finish_inbox_file(settings, taken[0] or "") == inbox / "processed" / "a.csv"
    following = intake_files.take_from_inbox(settings)
    assert following is not None
    intake_files.refuse(settings, following, "b.csv is missing the required column surname")
    rejected = intake_files.finish_inbox_file(settings, following)
    assert rejected == inbox / "rejected" / "b.csv"
    assert "missing the required column" in (inbox / "rejected" / "b.csv.reason.txt").read_text()
    assert intake_files.take_from_inbox(settings) is None
    assert (inbox / "link.csv").is_symlink() and (inbox / "pipe.csv").exists()
