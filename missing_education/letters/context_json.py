"""A letter's context as JSON, kept with the letter until it is typeset; dates come back as dates.

The sweep records a letter's context and a renderer typesets it later, perhaps on another
host: the context must come back exactly as it was given, so the PDF (and its hash) is the one
the step would have made at once. Dates and times are tagged; tuples come back as lists.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from missing_education.letters.errors import LetterError

_DATE = "$date"
_DATETIME = "$datetime"


def _tagged(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    if isinstance(value, date):
        return {_DATE: value.isoformat()}
    if isinstance(value, Mapping):
        return {str(key): _tagged(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tagged(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise LetterError(f"a letter's context cannot hold a {type(value).__name__}")


def _untagged(value: dict[str, Any]) -> Any:
    if len(value) == 1:
        if _DATE in value:
            return date.fromisoformat(value[_DATE])
        if _DATETIME in value:
            return datetime.fromisoformat(value[_DATETIME])
    return value


def dumps_context(context: Mapping[str, Any]) -> str:
    """The context as JSON text (LetterError for a value JSON cannot hold)."""
    try:
        # The encoder walks the context itself and asks `_tag` only for what JSON has no
        # word for (dates, other mappings); plain text keys give the same text as `_tagged`.
        if isinstance(context, dict) and _text_keys(context):
            return json.dumps(context, **_FORMAT, default=_tag)
    except (TypeError, ValueError):
        pass  # a key JSON cannot hold as is, or a loop: the careful walk says what is wrong
    return json.dumps(_tagged(context), **_FORMAT)


_FORMAT: dict[str, Any] = {"ensure_ascii": False, "separators": (",", ":")}


def _text_keys(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> bool:
    # JSON writes True and None keys as "true" and "null", `_tagged` as "True" and "None".
    if isinstance(value, dict):
        for key, item in value.items():
            if type(key) is not str or (isinstance(item, _NESTED) and not _text_keys(item)):
                return False
        return True
    return all(_text_keys(item) for item in value if isinstance(item, _NESTED))


_NESTED = (dict, list, tuple)


def _tag(value: Any) -> Any:
    if isinstance(value, datetime | date | Mapping):
        return _tagged(value)
    raise LetterError(f"a letter's context cannot hold a {type(value).__name__}")


def loads_context(text: str) -> dict[str, Any]:
    """A context written by dumps_context."""
    loaded = json.loads(text, object_hook=_untagged)
    if not isinstance(loaded, dict):
        raise LetterError("a letter's stored context is not a mapping")
    return loaded
