"""Folders and files holding children's data: created readable by their owner only.

Files are written whole into a temporary file beside the target (owner-only, removed on any
failure) and then renamed into place. A path a person gives (`--out`) is checked first: never a
device, a folder, a symbolic link or anything else that is not a regular file, and never an
existing file unless they said `--force`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from missing_education.domain.errors import InputFileRefused

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


class OutputPathError(InputFileRefused):
    """A path given for output is refused; the message says why and what to do."""


def make_private_dir(path: Path) -> Path:
    """Create `path` and any missing parents owner-only (0700); existing folders are kept."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # another process made it between our look and our mkdir
        # mkdir's mode is filtered by the umask; say exactly what we mean.
        os.chmod(folder, PRIVATE_DIR)
    return path


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_output_file(path: Path, *, force: bool = False) -> Path:
    """Refuse an output path that is not a new (or, with force, an existing regular) file."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        found = None
    if found is not None:
        if stat.S_ISLNK(found.st_mode):
            raise OutputPathError(f"{path} is a symbolic link; give the path of a new file")
        if not stat.S_ISREG(found.st_mode):
            raise OutputPathError(f"{path} is {_kind(found.st_mode)}; give the path of a new file")
        if not force:
            raise OutputPathError(f"{path} already exists; add --force to replace it")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise OutputPathError(f"{parent} is not a folder")
    return path


def check_output_dir(path: Path, *, force: bool = False) -> Path:
    """Refuse an output folder that is a link or not a folder, or holds files (without force)."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return path
    if stat.S_ISLNK(found.st_mode):
        raise OutputPathError(f"{path} is a symbolic link; give a new folder")
    if not stat.S_ISDIR(found.st_mode):
        raise OutputPathError(f"{path} is {_kind(found.st_mode)}, not a folder")
    if not force and any(path.iterdir()):
        raise OutputPathError(f"{path} already holds files; add --force to replace them")
    return path


def write_private(path: Path, data: bytes, *, force: bool = True) -> None:
    """Write a file owner-only (0600), whole: readers never see half of it.

    The temporary file sits in the target's own folder (so the rename cannot cross devices)
    and is removed if anything fails. The target must be a regular file or not exist yet.
    """
    check_output_file(path, force=force)
    make_private_dir(path.parent)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".part", dir=path.parent
    )
    try:
        os.fchmod(descriptor, PRIVATE_FILE)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
