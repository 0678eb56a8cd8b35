"""Limits on what a person types: who decided, notes and other free text (issue 15).

Every door (the `cme` command, a Prefect form, the case workspace) reaches the same check, so
a 10,000-character name or a line break that would forge an audit line is refused everywhere.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from missing_education.domain.errors import DecisionRefused

WHO_LIMIT = 100
NOTES_LIMIT = 4000
DETAIL_LIMIT = 200
ID_LIMIT = 2**31 - 1  # the case database's integer ids


def _has_control(text: str, *, allow_newlines: bool) -> bool:
    allowed = {"\n", "\t"} if allow_newlines else set()
    return any(
        unicodedata.category(char) in ("Cc", "Zl", "Zp") and char not in allowed for char in text
    )


def check_decision_text(who: str, details: Mapping[str, Any]) -> None:
    """Refuse a decision whose `who`, notes or other details are too long or break lines."""
    if not who.strip():
        raise DecisionRefused("who decided must be given (--by)")
    if len(who) > WHO_LIMIT or _has_control(who, allow_newlines=False):
        raise DecisionRefused(
            f"who decided must be one line of at most {WHO_LIMIT} characters (--by)"
        )
    for key, value in details.items():
        if not isinstance(value, str):
            continue
        free_text = key in ("notes", "why")
        limit = NOTES_LIMIT if free_text else DETAIL_LIMIT
        if len(value) > limit:
            raise DecisionRefused(
                f"{key} is {len(value):,} characters long; the limit is {limit:,}"
            )
        if _has_control(value, allow_newlines=free_text):
            raise DecisionRefused(f"{key} has control characters or line breaks")
