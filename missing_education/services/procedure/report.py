"""What a step did to a set of cases: counts and case ids only, never a child's details."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class StepReport:
    """What a step did to a set of cases: counts and case ids only (no personal data)."""

    cases: int = 0
    letters: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    case_ids: list[int] = field(default_factory=list)
    # Cases a step failed on (flagged "needs attention"), with the reason category (issue 15).
    attention: dict[int, str] = field(default_factory=dict)

    def count(self, action: str, case_id: int) -> None:
        """Record one action on one case."""
        self.actions[action] = self.actions.get(action, 0) + 1
        if case_id not in self.case_ids:
            self.case_ids.append(case_id)
            self.cases += 1

    def fail(self, category: str, case_id: int) -> None:
        """Record that a step failed on one case, which was flagged and left for the next run."""
        self.attention[case_id] = category

    @property
    def failed(self) -> dict[str, int]:
        """How many cases failed, by reason category."""
        counts: dict[str, int] = {}
        for category in self.attention.values():
            counts[category] = counts.get(category, 0) + 1
        return counts

    def merge(self, other: StepReport) -> None:
        """Add another report's counts to this one (letters are counted by the caller)."""
        for action, number in other.actions.items():
            self.actions[action] = self.actions.get(action, 0) + number
        seen = set(self.case_ids)  # a sweep merges thousands of cases: no list scan each
        for case_id in other.case_ids:
            if case_id not in seen:
                seen.add(case_id)
                self.case_ids.append(case_id)
                self.cases += 1
        self.attention.update(other.attention)
