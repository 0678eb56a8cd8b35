"""Match a file of notifications against a register file: the engine behind `cme match`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from missing_education.domain.csv_safety import neutralise_formula
from missing_education.matching.engine import RESULT_COLUMNS, Decision, Matcher, Thresholds
from missing_education.matching.learning import Learnt
from missing_education.matching.register_file import Rejection, read_register
from missing_education.private_files import write_private


@dataclass(frozen=True)
class MatchSummary:
    """What a batch match did: rows read, decisions made, and rows left out of each file."""

    notifications: int
    register_rows: int
    matches: int
    possibles: int
    nones: int
    notification_rejections: list[Rejection]
    register_rejections: list[Rejection]
    # Rows kept although fields were blank: number of rows by number of fields missing.
    notifications_missing: dict[int, int]
    register_missing: dict[int, int]
    thresholds: Thresholds
    learnt: Learnt | None

    @property
    def counts(self) -> dict[Decision, int]:
        """Number of notifications per decision."""
        return {"match": self.matches, "possible": self.possibles, "none": self.nones}


def match_files(
    notifications: Path,
    register: Path,
    out: Path,
    thresholds: Thresholds | None = None,
    *,
    force: bool = True,
) -> MatchSummary:
    """Match each usable notification row to its best register row and write OUT as CSV.

    OUT has the columns notification_ref, register_ref, score and decision, one row per
    usable notification in file order; register_ref is empty when the decision is none.
    The m values are learnt from the notifications (see `Matcher.match_frame`).
    """
    people = read_register(Path(notifications))
    roll = read_register(Path(register))
    matcher = Matcher(roll.records, thresholds=thresholds)
    results = matcher.match_frame(people.records)
    for column in ("notification_ref", "register_ref"):
        # Refs come from files strangers send: never let a spreadsheet run one as a formula.
        results[column] = results[column].map(neutralise_formula)
    text = results.to_csv(
        columns=list(RESULT_COLUMNS), index=False, float_format="%.4f", lineterminator="\n"
    )
    # References of children: owner-only, written whole, never over a link or a device.
    write_private(Path(out), text.encode("utf-8"), force=force)
    decisions = results["decision"].value_counts()
    return MatchSummary(
        notifications=len(results),
        register_rows=len(roll.records),
        matches=int(decisions.get("match", 0)),
        possibles=int(decisions.get("possible", 0)),
        nones=int(decisions.get("none", 0)),
        notification_rejections=people.rejections,
        register_rejections=roll.rejections,
        notifications_missing=people.scored_with_missing(),
        register_missing=roll.scored_with_missing(),
        thresholds=matcher.thresholds,
        learnt=matcher.learnt,
    )
