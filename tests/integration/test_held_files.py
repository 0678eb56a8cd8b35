"""Held files: intake sees an id; the bytes wait in the case database; the inbox gives up
regular files only, one at a time."""

from __future__ import annotations

import os
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from missing_education.cli_support import open_uow
from missing_education.services import intake_files
from missing_education.settings import Settings, load_settings


def make_unreadable(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Reading a file of this name fails as an unreadable file's would (the tests run as root,
    so chmod cannot make one)."""
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == name:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)


def hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Settings, Settings]:
    """Two hosts' settings: each its own CME_HOME, one case database."""
    database = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    monkeypatch.setenv("CME_DATABASE_URL", database)
    found = []
    for name in ("a", "b"):
        monkeypatch.setenv("CME_HOME", str(tmp_path / f"home-{name}"))
        found.append(load_settings())
    return found[0], found[1]


def test_a_held_file_keeps_its_name_in_the_database_and_its_working_copy_is_owner_only(
    tmp_path: Path,
) -> None:
    settings = load_settings()
    source = tmp_path / "amira-khan-referral.csv"
    source.write_text("forename\nAmira\n", encoding="utf-8")
    held = intake_files.hold(open_uow(settings), settings, source)
    assert not held.path.exists()  # the bytes wait in the database, not in CME_HOME
    held = intake_files.held(open_uow(settings), settings, held.id)
    assert intake_files.FILE_ID.match(held.id)
    assert "amira" not in held.id and "amira" not in held.path.name
    assert held.name == "amira-khan-referral.csv"
    assert stat.S_IMODE(held.path.stat().st_mode) == 0o600
    assert source.exists()  # a copy: cme ingest leaves the coordinator's file alone
    intake_files.release(open_uow(settings), settings, held.id)
    assert not held.path.exists()
    with pytest.raises(intake_files.TakenInAlready, match="taken in already"):
        intake_files.held(open_uow(settings), settings, held.id)


def test_a_file_let_go_keeps_its_id_but_neither_its_bytes_nor_its_name(tmp_path: Path) -> None:
    settings = load_settings()
    source = tmp_path / "amira-khan-referral.csv"
    source.write_text("forename\nAmira\n", encoding="utf-8")
    file_id = intake_files.hold(open_uow(settings), settings, source).id
    intake_files.release(open_uow(settings), settings, file_id)
    intake_files.release(open_uow(settings), settings, file_id)  # twice: nothing changes
    with open_uow(settings) as uow:
        record = uow.held_files.get(file_id)
        assert record is not None and record.released_at is not None
        assert (record.name, record.size, uow.held_files.content(file_id)) == ("", 0, b"")
    assert intake_files.release_upload(open_uow(settings), settings, file_id) is False
    # Retention forgets the id too, once CME_HELD_FILE_DAYS have passed.
    with open_uow(settings) as uow:
        later = record.released_at + timedelta(days=1)
        assert uow.held_files.remove_uploads_held_before(later) == 1
        uow.commit()
        assert uow.held_files.get(file_id) is None


def test_a_file_let_go_from_the_inbox_is_not_offered_again(tmp_path: Path) -> None:
    settings = load_settings()
    uow = open_uow(settings)
    settings.inbox_dir.mkdir(parents=True)
    (settings.inbox_dir / "a.csv").write_text("forename\n", encoding="utf-8")
    file_id = intake_files.take_from_inbox(uow, settings)
    assert file_id is not None
    intake_files.finish_inbox_file(uow, settings, file_id)
    assert intake_files.take_from_inbox(uow, settings) is None


def test_an_inbox_file_that_cannot_be_read_is_left_there_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings()
    uow = open_uow(settings)
    settings.inbox_dir.mkdir(parents=True)
    locked = settings.inbox_dir / "amira-khan.csv"
    locked.write_text("forename\n", encoding="utf-8")
    make_unreadable(monkeypatch, locked.name)
    unreadable: list[Path] = []
    assert intake_files.take_from_inbox(uow, settings, unreadable=unreadable) is None
    assert unreadable == [locked] and locked.exists()
    with pytest.raises(intake_files.HeldFileError) as refused:
        intake_files.hold(uow, settings, locked)
    assert str(refused.value) == (
        "amira-khan.csv could not be read (Permission denied); nothing was taken in"
    )
    assert str(settings.inbox_dir) not in str(refused.value)


def test_a_file_held_on_one_host_is_read_on_another_with_no_folder_shared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = hosts(tmp_path, monkeypatch)
    source = tmp_path / "referral.csv"
    source.write_bytes(b"forename,surname\nAmira,Khan\n")
    file_id = intake_files.hold(open_uow(a), a, source).id
    shutil.rmtree(a.home)  # nothing of host A's folder is needed any more
    on_b = intake_files.held(open_uow(b), b, file_id)
    assert on_b.path.is_relative_to(b.home)
    assert on_b.path.read_bytes() == source.read_bytes()
    assert on_b.name == "referral.csv"
    intake_files.refuse(open_uow(b), file_id, "referral.csv is missing the column date_of_birth")
    assert "date_of_birth" in (intake_files.refusal(open_uow(a), file_id) or "")


def test_a_file_held_in_the_intake_folder_before_the_upgrade_is_moved_into_the_database(
    tmp_path: Path,
) -> None:
    settings = load_settings()
    folder = settings.home / "intake"
    folder.mkdir(parents=True)
    file_id = "f-0123456789abcdef"
    (folder / f"{file_id}.csv").write_bytes(b"forename\nAmira\n")
    (folder / f"{file_id}.name").write_text("old-upload.csv", encoding="utf-8")
    held = intake_files.held(open_uow(settings), settings, file_id)
    assert held.name == "old-upload.csv"
    assert not (folder / f"{file_id}.name").exists()
    with open_uow(settings) as uow:
        assert uow.held_files.content(file_id) == b"forename\nAmira\n"


@pytest.mark.parametrize("file_id", ["../../etc/passwd", "f-0123", "F-0123456789abcdef"])
def test_an_id_that_is_not_one_is_refused(file_id: str) -> None:
    settings = load_settings()
    with pytest.raises(intake_files.HeldFileError):
        intake_files.held(open_uow(settings), settings, file_id)


def test_the_inbox_gives_up_regular_files_only_oldest_first(tmp_path: Path) -> None:
    settings = load_settings()
    uow = open_uow(settings)
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

    taken = [intake_files.take_from_inbox(uow, settings) for _ in range(2)]
    # Each stays "unfinished" (and is offered again) until it is finished.
    assert taken[0] == taken[1]
    assert not first.exists()  # out of the inbox once held
    assert intake_files.held(uow, settings, taken[0] or "").name == "a.csv"
    finished = intake_files.finish_inbox_file(uow, settings, taken[0] or "")
    assert finished == inbox / "processed" / "a.csv"
    following = intake_files.take_from_inbox(uow, settings)
    assert following is not None
    intake_files.refuse(uow, following, "b.csv is missing the required column surname")
    rejected = intake_files.finish_inbox_file(uow, settings, following)
    assert rejected == inbox / "rejected" / "b.csv"
    assert "missing the required column" in (inbox / "rejected" / "b.csv.reason.txt").read_text()
    assert intake_files.take_from_inbox(uow, settings) is None
    assert (inbox / "link.csv").is_symlink() and (inbox / "pipe.csv").exists()
