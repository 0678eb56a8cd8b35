"""The matching package stands alone: no database, services, CLI, letters or Prefect."""

from __future__ import annotations

import subprocess
import sys


def test_matching_imports_nothing_from_the_layers_above_it() -> None:
    forbidden = (
        "missing_education.persistence", "missing_education.services", "missing_education.cli",
        "missing_education.letters", "prefect", "sqlalchemy",
    )  # fmt: skip
    code = (
        "import sys, missing_education.matching, missing_education.matching.batch; "
        f"print([m for m in sys.modules if m.startswith({forbidden!r})])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
