"""Tasks for the inbox folder where schools' and agencies' notification files arrive."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from prefect import get_run_logger

from missing_education.domain.csv_safety import neutralise_formula
from missing_education.private_files import make_private_dir, write_private
from missing_education.services import intake_files
from tasks.policy import case_task, configured


@case_task()
def next_inbox_file() -> str | None:
    """Hold the next file waiting in CME_HOME/inbox and return its id (None when empty)."""
    settings, uow = configured()
    unreadable: list[Path] = []
    file_id = intake_files.take_from_inbox(uow, settings, unreadable=unreadable)
    if unreadable:
        # A count only: a file's name may be the child's.
        get_run_logger().warning(
            "%d file(s) in the inbox could not be read and were left there for a person to "
            "look at (see CME_HOME/inbox)",
            len(unreadable),
        )
    return file_id


@case_task()
def write_rejects(file_id: str, rejections: list[dict[str, Any]]) -> bool:
    """Write the file's rejected rows (row number and reason) for the sender to correct."""
    if not rejections:
        return False
    settings, uow = configured()
    name = intake_files.held(uow, settings, file_id).name
    folder = make_private_dir(settings.home / "rejects")
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["row", "reason"])
    # A reason may quote a column name from the sender's file: never a live formula.
    writer.writerows([r["row"], neutralise_formula(str(r["reason"]))] for r in rejections)
    write_private(folder / f"{Path(name).stem}-rejects.csv", text.getvalue().encode("utf-8"))
    return True


@case_task()
def finish_inbox_file(file_id: str, error: str | None = None) -> bool:
    """Move a held file to inbox/processed/, or inbox/rejected/ with its reason beside it."""
    settings, uow = configured()
    if error is not None and intake_files.refusal(uow, file_id) is None:
        intake_files.refuse(uow, file_id, f"the file could not be taken in ({error})")
    return intake_files.finish_inbox_file(uow, settings, file_id).parent.name == "processed"
