"""The README's state diagram is the one generated from the transition table."""

from __future__ import annotations

from pathlib import Path

from missing_education.domain.diagram import readme_block
from missing_education.domain.preconditions import readme_table as preconditions_table
from missing_education.domain.states import TRANSITIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_diagram_matches_the_transition_table() -> None:
    assert readme_block() in README.read_text(encoding="utf-8")


def test_the_diagram_has_one_arrow_per_allowed_move() -> None:
    lines = readme_block().splitlines()
    arrows = [x for x in lines if x.startswith("    ") and "-->" in x and "[*]" not in x]
    assert len(arrows) == len(TRANSITIONS)


def test_the_readme_table_of_preconditions_matches_the_preconditions_table() -> None:
    assert preconditions_table() in README.read_text(encoding="utf-8")
