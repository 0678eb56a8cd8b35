"""Notification files held for intake under an id: Prefect sees the id, never a path or name.

People name files after the child ("amira-khan-referral.csv"), so a file is first held under a
new id, and every flow run, log and result names only the id. The file's bytes and name are held
in the case database (issue 18), so the host that runs intake needs nothing from the host where
the file arrived: `cme upload` on a coordinator's machine, the flow on any worker. Intake reads a
private working copy under CME_HOME/intake that any host makes again from the database.

Files in the inbox are taken one at a time; symbolic links and anything that is not a regular
file are left where they are, never read.
"""

from __future__ import annotations

import os
import re
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from missing_education.clock import now
from missing_education.domain.errors import InputFileRefused
from missing_education.ports import HeldFileRecord, UnitOfWork
from missing_education.private_files import make_private_dir, write_private
from missing_education.settings import Settings

FILE_ID = re.compile(r"^f-[0-9a-f]{16}$")
INBOX_SUFFIXES = {".csv"}


class HeldFileError(InputFileRefused):
    """No held file has that id (or the id is not one), or a file could not be read."""


class TakenInAlready(HeldFileError):
    """The held file was taken in and let go: a rerun of its run has nothing left to do."""


@dataclass(frozen=True)
class HeldFile:
    """A notification file waiting for intake: its id, its name, and where `held` puts the
    working copy this host reads (`hold` writes none: the bytes wait in the database)."""

    id: str
    path: Path
    name: str
    from_inbox: bool


def intake_dir(settings: Settings) -> Path:
    """Where this host keeps working copies of held files (owner-only)."""
    return make_private_dir(settings.home / "intake")


def _copy(settings: Settings, file_id: str) -> Path:
    return intake_dir(settings) / f"{file_id}.csv"


def hold(uow: UnitOfWork, settings: Settings, source: Path, *, move: bool = False) -> HeldFile:
    """Hold a file's bytes under a new id (and take it out of the inbox, with `move`)."""
    found = os.lstat(source)
    if not stat.S_ISREG(found.st_mode):
        raise HeldFileError(f"{source.name} is not a regular file; nothing was taken in")
    try:
        content = source.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as error:  # the message holds the path: the reason alone is passed on
        raise HeldFileError(
            f"{source.name} could not be read ({error.strerror or type(error).__name__}); "
            "nothing was taken in"
        ) from None
    file_id = f"f-{uuid.uuid4().hex[:16]}"
    record = HeldFileRecord(file_id, source.name[:255], len(content), move, None)
    with uow:
        uow.held_files.add(record, content, at=now())
        uow.commit()
    if move:
        # Held first: a crash before this leaves the file in the inbox and a held copy that the
        # next run finishes; the same rows taken in twice join the cases they made the first time.
        source.unlink(missing_ok=True)
    return HeldFile(file_id, _copy(settings, file_id), record.name, move)


def held(uow: UnitOfWork, settings: Settings, file_id: str) -> HeldFile:
    """The held file with this id, with a working copy on this host to read."""
    if not FILE_ID.match(file_id):
        raise HeldFileError("a file id looks like f- and 16 letters or digits")
    with uow:
        record = uow.held_files.get(file_id)
        if record is None:
            record = _adopt_local(uow, settings, file_id)
        content = uow.held_files.content(file_id) if record is not None else None
    if record is not None and record.released_at is not None:
        raise TakenInAlready(
            f"file {file_id} was taken in already ({record.released_at:%Y-%m-%d %H:%M}): "
            "nothing more to do"
        )
    if record is None or content is None:
        raise HeldFileError(f"no file is held with id {file_id}")
    copy = _copy(settings, file_id)
    if not copy.is_file() or copy.stat().st_size != len(content):
        write_private(copy, content)
    return HeldFile(file_id, copy, record.name, record.from_inbox)


def _adopt_local(uow: UnitOfWork, settings: Settings, file_id: str) -> HeldFileRecord | None:
    """A file held under CME_HOME/intake before files were held in the database: moved in."""
    folder = settings.home / "intake"
    old = folder / f"{file_id}.csv"
    if not old.is_file():
        return None
    name_file = folder / f"{file_id}.name"
    name = name_file.read_text(encoding="utf-8") if name_file.is_file() else old.name
    reason_file = folder / f"{file_id}.reason"
    reason = reason_file.read_text(encoding="utf-8") if reason_file.is_file() else None
    content = old.read_bytes()
    from_inbox = (folder / f"{file_id}.inbox").exists()
    record = HeldFileRecord(file_id, name[:255], len(content), from_inbox, reason)
    uow.held_files.add(record, content, at=now())
    uow.commit()
    for kind in ("name", "inbox", "reason"):
        (folder / f"{file_id}.{kind}").unlink(missing_ok=True)
    return record


def refuse(uow: UnitOfWork, file_id: str, reason: str) -> None:
    """Keep why a held file was refused whole (for the person, never for Prefect)."""
    with uow:
        uow.held_files.refuse(file_id, reason)
        uow.commit()


def refusal(uow: UnitOfWork, file_id: str) -> str | None:
    """Why a held file was refused, if it was."""
    with uow:
        record = uow.held_files.get(file_id)
    return record.reason if record is not None else None


def release(uow: UnitOfWork, settings: Settings, file_id: str) -> None:
    """Let a held file go (the case database now has what it held), and this host's copy.

    Its bytes and name are dropped; its id is kept, so that a rerun of the run that took it in
    hears "taken in already" (retention forgets the id after CME_HELD_FILE_DAYS).
    """
    with uow:
        uow.held_files.release(file_id, at=now())
        uow.commit()
    _copy(settings, file_id).unlink(missing_ok=True)


def release_upload(uow: UnitOfWork, settings: Settings, file_id: str) -> bool:
    """Forget a file `cme upload` held, once a whole intake run has used it.

    A file from the inbox is left for the inbox flow, which files it under processed/ or
    rejected/ and then forgets it. True when a file was forgotten.
    """
    with uow:
        record = uow.held_files.get(file_id)
    if record is None or record.from_inbox or record.released_at is not None:
        return False
    release(uow, settings, file_id)
    return True


def waiting_in_inbox(settings: Settings) -> list[Path]:
    """Regular CSV files in the inbox, oldest first; links, folders and the rest are ignored."""
    inbox = make_private_dir(settings.inbox_dir)
    files = []
    for entry in inbox.iterdir():
        found = os.lstat(entry)
        if stat.S_ISREG(found.st_mode) and entry.suffix.lower() in INBOX_SUFFIXES:
            files.append((found.st_mtime, entry.name, entry))
    return [entry for *_, entry in sorted(files)]


def take_from_inbox(
    uow: UnitOfWork, settings: Settings, *, unreadable: list[Path] | None = None
) -> str | None:
    """The id of the next inbox file: one held earlier and never finished, else the oldest."""
    with uow:
        unfinished = uow.held_files.from_inbox()
    if unfinished:
        return unfinished[0]
    for path in waiting_in_inbox(settings):
        try:
            return hold(uow, settings, path, move=True).id
        except FileNotFoundError:
            continue  # taken by another run meanwhile
        except HeldFileError:
            # Not a regular file, or unreadable: left in the inbox for a person, and counted
            # (its name is never passed on: it may be the child's).
            if unreadable is not None:
                unreadable.append(path)
            continue
    return None


def finish_inbox_file(uow: UnitOfWork, settings: Settings, file_id: str) -> Path:
    """Write a held inbox file to inbox/processed/, or inbox/rejected/ with its reason beside."""
    file = held(uow, settings, file_id)
    reason = refusal(uow, file_id)
    folder = make_private_dir(settings.inbox_dir / ("rejected" if reason else "processed"))
    stem, suffix = Path(file.name).stem, Path(file.name).suffix or ".csv"
    target = folder / f"{stem}{suffix}"
    counter = 1
    while os.path.lexists(target):
        counter += 1
        target = folder / f"{stem}-{counter}{suffix}"
    write_private(target, file.path.read_bytes(), force=False)
    if reason:
        write_private(target.with_name(target.name + ".reason.txt"), (reason + "\n").encode())
    release(uow, settings, file_id)
    return target
