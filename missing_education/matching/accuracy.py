"""Measure matching against known truth: precision, recall and false links for absent children.

Only a `match` decision counts as a link: it is what could close a case. A `possible`
goes to a person for review, so it is counted separately (found for review, or not).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass(frozen=True)
class AccuracyReport:
    """Counts and rates for one run of matching notifications against a register."""

    notifications: int
    present: int  # notifications whose child is on the register
    absent: int  # notifications about children on no register
    true_links: int  # `match` to the right record
    false_links: int  # `match` to a wrong record (including any link for an absent child)
    false_links_absent: int  # `match` for a child who is not on the register
    missed: int  # present children not linked to their record
    possible_right: int  # `possible` whose best candidate is the right record
    possible_wrong: int  # `possible` for an absent child or pointing at a wrong record

    @property
    def precision(self) -> float:
        """Share of `match` decisions that are right."""
        linked = self.true_links + self.false_links
        return self.true_links / linked if linked else 1.0

    @property
    def recall(self) -> float:
        """Share of children on the register who are linked to their record."""
        return self.true_links / self.present if self.present else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    @property
    def absent_false_link_rate(self) -> float:
        """Share of absent children wrongly linked to someone on the register."""
        return self.false_links_absent / self.absent if self.absent else 0.0

    @property
    def found_for_review(self) -> float:
        """Share of children on the register linked or offered as the best `possible`."""
        return (self.true_links + self.possible_right) / self.present if self.present else 1.0

    def as_dict(self) -> dict[str, float]:
        """The counts and the derived rates, for printing or JSON."""
        figures: dict[str, float] = {k: float(v) for k, v in asdict(self).items()}
        for name in ("precision", "recall", "f1", "absent_false_link_rate", "found_for_review"):
            figures[name] = float(getattr(self, name))
        return figures


def evaluate(truth: pd.Series, results: pd.DataFrame) -> AccuracyReport:
    """Score `match_frame` results against truth (notification ref -> register ref or None)."""
    known = truth.reindex(results["notification_ref"].to_numpy())
    expected = known.where(known.notna(), "").astype(str).to_numpy()
    found = results["register_ref"].fillna("").astype(str).to_numpy()
    decision = results["decision"].astype(str).to_numpy()
    present = expected != ""
    right = present & (found == expected)
    linked = decision == "match"
    possible = decision == "possible"
    return AccuracyReport(
        notifications=len(results),
        present=int(present.sum()),
        absent=int((~present).sum()),
        true_links=int((linked & right).sum()),
        false_links=int((linked & ~right).sum()),
        false_links_absent=int((linked & ~present).sum()),
        missed=int((present & ~(linked & right)).sum()),
        possible_right=int((possible & right).sum()),
        possible_wrong=int((possible & ~right).sum()),
    )
