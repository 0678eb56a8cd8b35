"""The `cme` command with Prefect wired in: ingest and sweep run as tracked flow runs.

Against PREFECT_API_URL when it is set, otherwise in Prefect's embedded mode (a temporary local
server for the length of the command); PREFECT_HOME is honoured either way.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

from missing_education import cli
from missing_education.ports import DecisionRuns
from missing_education.settings import Settings


class PrefectOrchestration:
    """Runs the use cases as the product's own flows."""

    def receive_file(self, path: Path, *, settings: Settings, today: date) -> dict[str, Any]:
        """The receive-notifications flow on one file, held under an id (Prefect sees only that).

        The flow's tasks read the same clock and settings themselves (CME_TODAY, CME_*).
        """
        from flows.receive_notifications import receive_notifications
        from missing_education.cli_support import open_uow
        from missing_education.services import IntakeFileError, intake_files
        from tasks.attention import flow_result

        uow = open_uow(settings)
        try:
            file = intake_files.hold(uow, settings, path.resolve())
        except intake_files.HeldFileError as error:
            raise IntakeFileError(str(error)) from None  # it names the file and says why
        except OSError as error:
            raise IntakeFileError(f"cannot read {path.name}: {error.strerror or error}") from None
        try:
            result = flow_result(receive_notifications(file.id, return_state=True))
            if result.get("refused"):
                raise IntakeFileError(intake_files.refusal(uow, file.id) or "refused")
            return result
        finally:
            intake_files.release(uow, settings, file.id)  # the case database has what it held

    def sweep(self, *, settings: Settings, today: date) -> dict[str, Any]:
        """The daily-case-review flow (its task reads the same clock and settings itself)."""
        from flows.daily_case_review import daily_case_review
        from tasks.attention import flow_result

        return flow_result(daily_case_review(return_state=True))

    def decision_runs(self) -> DecisionRuns:
        """Decision runs on the Prefect server (none in embedded mode, which has no deployments)."""
        from tasks.decision_runs import PrefectDecisionRuns

        return PrefectDecisionRuns()


def main() -> None:
    """Entry point of the `cme` console script."""
    # Prefect's own analytics would try to reach the internet from a council's server.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    without_prefect = os.environ.get("CME_WITHOUT_PREFECT", "").lower() in {"1", "true", "yes"}
    cli.main(None if without_prefect else PrefectOrchestration())
