"""A letter's stored context: the quick encoder writes the very text the careful walk writes."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import UTC, date, datetime
from types import MappingProxyType
from typing import Any

import pytest

from missing_education.letters import LETTER_TYPES, LetterError, sample_context
from missing_education.letters.context_json import _tagged, dumps_context, loads_context


def _careful(context: Any) -> str:
    # The stored text as it was written before the quick path: the evidence must not change.
    return json.dumps(_tagged(context), ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_every_sample_context_is_stored_as_the_careful_walk_stores_it(letter_type: str) -> None:
    for edge in (False, True):
        context = sample_context(letter_type, edge=edge)
        assert dumps_context(context) == _careful(context)


@pytest.mark.parametrize(
    "context",
    [
        {"deadline": date(2026, 12, 1), "at": datetime(2026, 11, 25, 9, 30, tzinfo=UTC)},
        {"school": MappingProxyType({"name": "Hill Primary", "urn": "100001"})},
        {"evidence": ("first line", "second line"), "nested": [{"on": date(2026, 1, 5)}]},
        {"ordered": OrderedDict([("b", 1), ("a", 2.5)]), "flag": True, "none": None},
        {"keys": {1: "one", 2.5: "two and a half"}},
        {"keys": {True: "yes", None: "nothing"}},  # JSON would write these "true" and "null"
        {"name": "Zoë Ó Briain — café"},
    ],
)
def test_unusual_contexts_are_stored_as_the_careful_walk_stores_them(
    context: dict[str, Any],
) -> None:
    assert dumps_context(context) == _careful(context)


def test_a_value_json_cannot_hold_is_refused_by_name() -> None:
    with pytest.raises(LetterError, match="cannot hold a set"):
        dumps_context({"evidence": {"a", "b"}})
    with pytest.raises(LetterError, match="cannot hold a set"):
        dumps_context({"keys": {None: {"a"}}})


def test_dates_and_times_come_back_as_dates_and_times() -> None:
    context = {"deadline": date(2026, 12, 1), "visit": {"at": datetime(2026, 11, 2, tzinfo=UTC)}}
    assert loads_context(dumps_context(context)) == context
