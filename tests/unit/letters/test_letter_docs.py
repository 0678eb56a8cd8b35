"""docs/letters.md keeps up with the letter types and the context keys."""

from __future__ import annotations

from pathlib import Path

from missing_education.letters import LETTER_TYPES
from missing_education.letters.context import optional_keys, required_keys

DOCS = Path(__file__).resolve().parents[3] / "docs" / "letters.md"


def test_the_docs_name_every_letter_type_and_every_context_key() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for letter_type in LETTER_TYPES:
        assert f"`{letter_type}`" in text
        for key in (*required_keys(letter_type), *optional_keys(letter_type)):
            assert f"`{key.path}`" in text, key.path
