"""Tasks for the inbox folder where schools' and agencies' notification files arrive."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from missing_education.domain.csv_safety import neutralise_formula
from missing_education.private_files import make_private_dir
from missing_education.settings import load_settings

INBOX_SUFFIXES = {".csv"}


@task(cache_policy=NO_CACHE, persist_result=False)
def inbox_files() -> list[str]:
    """Files waiting in CME_HOME/inbox, oldest first (the folder is created if missing)."""
    inbox = make_private_dir(load_settings().inbox_dir)
    files = [p for p in inbox.iterdir() if p.is_file() and p.suffix.lower() in INBOX_SUFFIXES]
    return [str(p) for p in sorted(files, key=lambda p: (p.stat().st_mtime, p.name))]


@task(cache_policy=NO_CACHE, persist_result=False)
def write_rejects(path: str, rejections: list[dict[str, Any]]) -> str | None:
    """Write the file's rejected rows (row number and reason) for the sender to correct."""
    if not rejections:
        return None
    folder = make_private_dir(load_settings().home / "rejects")
    target = folder / f"{Path(path).stem}-rejects.csv"
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "reason"])
        # A reason may quote a column name from the sender's file: never a live formula.
        writer.writerows([r["row"], neutralise_formula(str(r["reason"]))] for r in rejections)
    return str(target)


@task(cache_policy=NO_CACHE, persist_result=False)
def finish_inbox_file(path: str) -> str:
    """Move a processed file to inbox/processed/ (a later file of the same name is kept apart)."""
    source = Path(path)
    processed = source.parent / "processed"
    make_private_dir(processed)
    target = processed / source.name
    counter = 1
    while target.exists():
        counter += 1
        target = processed / f"{source.stem}-{counter}{source.suffix}"
    shutil.move(str(source), target)
    return str(target)
