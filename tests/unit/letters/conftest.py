"""Fixtures for the letters tests: every letter type rendered once with sample and edge data."""

from __future__ import annotations

import pytest

from missing_education.letters import LETTER_TYPES, RenderedLetter, preview


@pytest.fixture(scope="session")
def sample_letters() -> dict[str, RenderedLetter]:
    """Every letter type rendered with its sample context."""
    return {letter_type: preview(letter_type) for letter_type in LETTER_TYPES}


@pytest.fixture(scope="session")
def edge_letters() -> dict[str, RenderedLetter]:
    """Every letter type rendered with its edge context."""
    return {letter_type: preview(letter_type, edge=True) for letter_type in LETTER_TYPES}
