"""The Jinja environment that turns a letter template and its context into Typst markup.

Case data reaches Typst in one way only: every `{{ ... }}` in a template passes through
`typst_string`, Jinja's `finalize` hook, and comes out as a Typst string literal. A string
literal is shown as plain text, so a name like `*bold* #read("/etc/passwd")` prints exactly
as typed and is never markup or code, and Jinja never evaluates data as template code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import jinja2

from missing_education.letters.errors import LetterError

# Control characters are removed (newlines and tabs are kept), and so are the bidirectional
# embedding/override/isolate controls, which could make text display in a misleading order.
_REMOVED = dict.fromkeys(
    [
        *range(0x00, 0x09),
        0x0B,
        0x0C,
        *range(0x0E, 0x20),
        *range(0x7F, 0xA0),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u0085": "\n", "\u2028": "\n", "\u2029": "\n"}
_TYPST_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
# All three in one table for str.translate (a CRLF pair is made one newline first): line
# breaks become an escaped newline, removed characters go, the rest are escaped.
_LITERAL = str.maketrans(
    {
        **_REMOVED,
        **{ord(old): _TYPST_ESCAPES["\n"] for old in _LINE_BREAKS if len(old) == 1},
        **{ord(char): escaped for char, escaped in _TYPST_ESCAPES.items()},
    }
)

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def typst_string(value: Any) -> str:
    """Return `value` as a Typst string literal: the one way case data enters a letter."""
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises here, naming the missing key
    if value is None:
        raise LetterError("a template printed a value that is missing (None)")
    if isinstance(value, bool) or not isinstance(value, str | int | date):
        raise LetterError(f"a template printed a {type(value).__name__}; print text or dates")
    if isinstance(value, datetime):
        text = long_date_and_time(value)
    elif isinstance(value, date):
        text = long_date(value)
    else:
        text = str(value)
    return '"' + text.replace("\r\n", "\n").translate(_LITERAL) + '"'


def long_date(value: date) -> str:
    """Write a date the GOV.UK way: 8 January 2027."""
    if not isinstance(value, date):
        raise LetterError(f"long_date needs a date, not a {type(value).__name__}")
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def long_date_and_time(value: datetime) -> str:
    """Write a date and time the GOV.UK way: 8 January 2027 at 10:30am."""
    if not isinstance(value, datetime):
        raise LetterError(f"long_date_and_time needs a datetime, not a {type(value).__name__}")
    return f"{long_date(value)} at {clock_time(value)}"


def clock_time(value: datetime) -> str:
    """Write a time the GOV.UK way: 9am, 10:30am, midday, 5:15pm, midnight."""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    if value.hour == 0 and value.minute == 0:
        return "midnight"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def year_group_name(value: int) -> str:
    """Name a national curriculum year: 0 is Reception, 7 is Year 7, below 0 is pre-school."""
    if value < 0:
        return "Pre-school"
    return "Reception" if value == 0 else f"Year {value}"


def is_given(value: Any) -> bool:
    """Jinja test `is given`: an optional value is present and not empty."""
    if isinstance(value, jinja2.Undefined) or value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return bool(value)
    return True


def letter_environment(sources: Mapping[str, str]) -> jinja2.Environment:
    """A Jinja environment over template sources held in memory, keyed by file name."""
    environment = jinja2.Environment(
        loader=jinja2.DictLoader(dict(sources)),
        undefined=jinja2.StrictUndefined,
        finalize=typst_string,
        autoescape=False,  # escaping is typst_string's job, for Typst rather than HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["long_date"] = long_date
    environment.filters["long_date_and_time"] = long_date_and_time
    environment.filters["year_group"] = year_group_name
    environment.tests["given"] = is_given
    return environment
