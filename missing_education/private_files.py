"""Folders and files holding children's data: created readable by their owner only."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


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


def write_private(path: Path, data: bytes) -> None:
    """Write a file owner-only (0600), whole: readers never see half of it."""
    make_private_dir(path.parent)
    partial = path.with_name(path.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(partial, path)
