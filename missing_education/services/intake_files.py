"""Notification files held for intake under an id: Prefect sees the id, never a path or name.

People name files after the child ("amira-khan-referral.csv"), so a file is first held in
CME_HOME/intake (owner-only) as `<id>.csv`, its name kept beside it, and every flow run, log and
result names only the id. Files in the inbox are taken one at a time; symbolic links and
anything that is not a regular file are left where they are, never read.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path

from missing_education.domain.errors import InputFileRefused
from missing_education.private_files import make_private_dir, write_private
from missing_education.settings import Settings

FILE_ID = re.compile(r"^f-[0-9a-f]{16}$")
INBOX_SUFFIXES = {".csv"}


class HeldFileError(InputFileRefused):
    """No held file has that id (or the id is not one)."""


@dataclass(frozen=True)
class HeldFile:
    """A notification file waiting for intake: its id, where it is held, its original name."""

    id: str
    path: Path
    name: str
    from_inbox: bool


def intake_dir(settings: Settings) -> Path:
    """Where files wait for intake (owner-only)."""
    return make_private_dir(settings.home / "intake")


def _sidecar(settings: Settings, file_id: str, kind: str) -> Path:
    return intake_dir(settings) / f"{file_id}.{kind}"


def hold(settings: Settings, source: Path, *, move: bool = False) -> HeldFile:
    """Hold a copy of a file (or the file itself, moved) under a new id."""
    found = os.lstat(source)
    if not stat.S_ISREG(found.st_mode):
        raise HeldFileError(f"{source.name} is not a regular file; nothing was taken in")
    file_id = f"f-{uuid.uuid4().hex[:16]}"
    target = _sidecar(settings, file_id, "csv")
    try:
        write_private(_sidecar(settings, file_id, "name"), source.name.encode("utf-8"))
        if move:
            # Marked first: a crash after the move leaves a file the next run finishes.
            write_private(_sidecar(settings, file_id, "inbox"), b"")
            shutil.move(str(source), target)
            os.chmod(target, 0o600)
        else:
            write_private(target, source.read_bytes())
    except BaseException:
        release(settings, file_id)
        raise
    return held(settings, file_id)


def held(settings: Settings, file_id: str) -> HeldFile:
    """The held file with this id."""
    if not FILE_ID.match(file_id):
        raise HeldFileError("a file id looks like f- and 16 letters or digits")
    path = _sidecar(settings, file_id, "csv")
    if not path.is_file():
        raise HeldFileError(f"no file is held with id {file_id}")
    name_file = _sidecar(settings, file_id, "name")
    name = name_file.read_text(encoding="utf-8") if name_file.is_file() else path.name
    return HeldFile(file_id, path, name, _sidecar(settings, file_id, "inbox").exists())


def refuse(settings: Settings, file_id: str, reason: str) -> None:
    """Keep why a held file was refused whole (for the person, never for Prefect)."""
    write_private(_sidecar(settings, file_id, "reason"), reason.encode("utf-8"))


def refusal(settings: Settings, file_id: str) -> str | None:
    """Why a held file was refused, if it was."""
    path = _sidecar(settings, file_id, "reason")
    return path.read_text(encoding="utf-8") if path.is_file() else None


def release(settings: Settings, file_id: str) -> None:
    """Forget a held file (the case database now has what it held)."""
    for kind in ("csv", "name", "inbox", "reason"):
        _sidecar(settings, file_id, kind).unlink(missing_ok=True)


def waiting_in_inbox(settings: Settings) -> list[Path]:
    """Regular CSV files in the inbox, oldest first; links, folders and the rest are ignored."""
    inbox = make_private_dir(settings.inbox_dir)
    files = []
    for entry in inbox.iterdir():
        found = os.lstat(entry)
        if stat.S_ISREG(found.st_mode) and entry.suffix.lower() in INBOX_SUFFIXES:
            files.append((found.st_mtime, entry.name, entry))
    return [entry for *_, entry in sorted(files)]


def take_from_inbox(settings: Settings) -> str | None:
    """The id of the next inbox file: one held earlier and never finished, else the oldest."""
    for marker in sorted(intake_dir(settings).glob("f-*.inbox")):
        file_id = marker.name.removesuffix(".inbox")
        if _sidecar(settings, file_id, "csv").is_file():
            return file_id
        release(settings, file_id)  # a crash before the move: the file is still in the inbox
    for path in waiting_in_inbox(settings):
        try:
            return hold(settings, path, move=True).id
        except (FileNotFoundError, HeldFileError):
            continue  # taken by another run meanwhile, or no longer a regular file
    return None


def finish_inbox_file(settings: Settings, file_id: str) -> Path:
    """Move a held inbox file to inbox/processed/, or inbox/rejected/ with its reason beside."""
    file = held(settings, file_id)
    reason = refusal(settings, file_id)
    folder = make_private_dir(settings.inbox_dir / ("rejected" if reason else "processed"))
    stem, suffix = Path(file.name).stem, Path(file.name).suffix or ".csv"
    target = folder / f"{stem}{suffix}"
    counter = 1
    while os.path.lexists(target):
        counter += 1
        target = folder / f"{stem}-{counter}{suffix}"
    shutil.move(str(file.path), target)
    if reason:
        write_private(target.with_name(target.name + ".reason.txt"), (reason + "\n").encode())
    release(settings, file_id)
    return target
