"""CSV cells a spreadsheet would run as a formula are written as plain text instead.

A file we write (rejected rows, a print manifest, match results) is opened by someone in Excel
or LibreOffice; a cell starting "=", "+", "-", "@", a tab or a carriage return, copied from a
file a stranger sent us, could be a formula that runs there (CSV injection, OWASP). A leading
apostrophe makes the spreadsheet show the text as it is.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

# The full-width forms too: some spreadsheets read "＝" as "=".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise_formula(value: T) -> T:
    """The value, with an apostrophe in front if it is text a spreadsheet would calculate."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value  # type: ignore[return-value]
    return value
