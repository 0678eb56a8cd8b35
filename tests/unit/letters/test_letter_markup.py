"""The one escaping filter and the GOV.UK date and time formats."""

from __future__ import annotations

import json
from datetime import date, datetime

import jinja2
import pytest
import typst
from hypothesis import given, settings
from hypothesis import strategies as st

from missing_education.letters import LetterError
from missing_education.letters.markup import (
    clock_time,
    is_given,
    long_date,
    long_date_and_time,
    typst_string,
    year_group_name,
)


def typst_reads(literal: str) -> str:
    """The string Typst evaluates `literal` to."""
    compiler = typst.Compiler(
        input=f"#metadata({literal}) <value>".encode(), font_paths=[], ignore_system_fonts=True
    )
    return str(json.loads(compiler.query("<value>", field="value", one=True, format="json")))


def test_quotes_backslashes_and_newlines_are_escaped_inside_a_string_literal() -> None:
    assert typst_string('say "hi"\\now\nthen') == '"say \\"hi\\"\\\\now\\nthen"'


def test_markup_and_code_characters_stay_inside_the_literal() -> None:
    hostile = '#read("/etc/passwd") *bold* $x$ {{ 7*7 }} <script>'
    assert typst_reads(typst_string(hostile)) == hostile


def test_control_and_bidirectional_override_characters_are_removed() -> None:
    assert typst_reads(typst_string("a\x00b\x1bc\u202ed\u2066e\r\nf\tg")) == "abcde\nf\tg"


@settings(max_examples=150, deadline=None, database=None)
@given(st.text(max_size=60))
def test_any_text_reads_back_from_typst_as_the_same_text(text: str) -> None:
    expected = typst_reads(typst_string(text))
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n")
    for char in "\u0085\u2028\u2029":
        cleaned = cleaned.replace(char, "\n")
    kept = "".join(
        c
        for c in cleaned
        if not (
            (ord(c) < 0x20 and c not in "\n\t")
            or 0x7F <= ord(c) < 0xA0
            or 0x202A <= ord(c) <= 0x202E
            or 0x2066 <= ord(c) <= 0x2069
        )
    )
    assert expected == kept


def test_dates_are_written_the_govuk_way() -> None:
    assert long_date(date(2027, 1, 8)) == "8 January 2027"
    assert typst_string(date(2026, 12, 25)) == '"25 December 2026"'


def test_times_are_written_the_govuk_way() -> None:
    assert clock_time(datetime(2026, 11, 24, 9, 0)) == "9am"
    assert clock_time(datetime(2026, 11, 24, 10, 30)) == "10:30am"
    assert clock_time(datetime(2026, 11, 24, 12, 0)) == "midday"
    assert clock_time(datetime(2026, 11, 24, 17, 5)) == "5:05pm"
    assert clock_time(datetime(2026, 11, 24, 0, 0)) == "midnight"
    assert long_date_and_time(datetime(2027, 1, 8, 14, 0)) == "8 January 2027 at 2pm"


def test_year_group_zero_is_reception() -> None:
    assert year_group_name(0) == "Reception"
    assert year_group_name(7) == "Year 7"
    assert year_group_name(-1) == "Pre-school"


def test_a_missing_value_printed_by_a_template_is_an_error_not_a_blank() -> None:
    with pytest.raises(LetterError):
        typst_string(None)
    with pytest.raises(jinja2.UndefinedError):
        typst_string(jinja2.StrictUndefined(name="upn"))


def test_lists_and_mappings_cannot_be_printed_whole() -> None:
    with pytest.raises(LetterError, match="list"):
        typst_string(["a", "b"])


def test_optional_values_are_given_only_when_they_have_content() -> None:
    assert not is_given(jinja2.StrictUndefined(name="upn"))
    assert not is_given(None)
    assert not is_given("   ")
    assert not is_given([])
    assert is_given("H801200001001")
    assert is_given(0)
