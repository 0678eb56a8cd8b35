"""Rendering every letter type to PDF and reading the PDF back."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from pathlib import Path

import pypdf
import pytest

from missing_education.letters import (
    LETTER_TYPES,
    RenderedLetter,
    render_letter,
    render_letters,
    sample_context,
    sample_letterhead,
    template_version,
)
from missing_education.letters.markup import long_date
from missing_education.letters.rendering import letter_source
from missing_education.letters.samples import HOSTILE_TEXT, LONG_FORENAME, LONG_SURNAME
from missing_education.letters.typesetting import _typst_page_count, count_pages
from tests.system_packages import require_debian_package

REPOSITORY_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
MM = 72 / 25.4


def pdf_text(pdf: bytes) -> str:
    """All the text pypdf extracts from a PDF, page after page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Text without whitespace, so line wrapping in the PDF does not matter."""
    return "".join(text.split())


def stated_deadline(letter_type: str) -> str | None:
    """The deadline the sample context gives, as the letter should write it."""
    context = sample_context(letter_type)
    return long_date(context["deadline"]) if "deadline" in context else None


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_each_sample_letter_shows_the_child_the_reference_and_the_deadline(
    letter_type: str, sample_letters: dict[str, RenderedLetter]
) -> None:
    letter = sample_letters[letter_type]
    text = squeezed(pdf_text(letter.pdf))
    context = sample_context(letter_type)
    for expected in ("Amira Khan", "3 May 2014", "CME-000123", "25 November 2026"):
        assert squeezed(expected) in text
    assert squeezed(context["recipient"]["name"]) in text
    assert squeezed(context["officer"]["email"]) in text
    deadline = stated_deadline(letter_type)
    if deadline:
        assert squeezed(deadline) in text
    assert "Endofletter" in text
    assert "Howweuseyourinformation" in text


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_each_edge_letter_prints_long_hostile_and_non_latin_text_literally(
    letter_type: str, edge_letters: dict[str, RenderedLetter]
) -> None:
    text = squeezed(pdf_text(edge_letters[letter_type].pdf))
    for expected in (LONG_FORENAME, LONG_SURNAME, HOSTILE_TEXT, "CME-987654", "29 February 2012"):
        assert squeezed(expected) in text
    for word in ("سارة", "الحسن", "王小明", "Δημήτρης", "Παπαδόπουλος", "Флорес-Гарсия"):
        assert word in text
    assert "Siobhán O'Connor-Smythe" in pdf_text(edge_letters[letter_type].pdf)
    assert "root:x:0:0" not in text
    deadline = stated_deadline(letter_type)
    if deadline:
        assert squeezed(deadline) in text


def test_edge_letters_leave_out_optional_lines_rather_than_print_blanks(
    edge_letters: dict[str, RenderedLetter],
) -> None:
    text = pdf_text(edge_letters["school_enquiry"].pdf)
    assert "Unique pupil number" not in text
    assert "Year group" not in text
    assert "replaces" not in text


def test_devanagari_and_arabic_names_extract_in_reading_order_with_poppler(
    edge_letters: dict[str, RenderedLetter], tmp_path: Path
) -> None:
    # pypdf repeats Devanagari clusters that carry /ActualText; poppler reads them correctly.
    require_debian_package("pdftotext", "poppler-utils")
    path = tmp_path / "letter.pdf"
    path.write_bytes(edge_letters["parent_contact"].pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "प्रिया शर्मा" in text
    assert "سارة الحسن" in text


def test_the_recipient_address_sits_in_the_envelope_window(
    sample_letters: dict[str, RenderedLetter],
) -> None:
    page = pypdf.PdfReader(io.BytesIO(sample_letters["school_enquiry"].pdf)).pages[0]
    height = float(page.mediabox.height)
    found: list[tuple[float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip() == "The Headteacher":
            found.append((cm[4] / MM, (height - cm[5]) / MM))

    page.extract_text(visitor_text=visit)
    (left, baseline_from_top), *_ = found
    # The UK DL/C5 window: 90 x 35 mm, 20 mm from the left, about 45-85 mm from the top.
    assert 20 <= left <= 30
    assert 45 <= baseline_from_top <= 60


def test_letters_are_tagged_archival_pdfs_with_a_title_and_language(
    sample_letters: dict[str, RenderedLetter],
) -> None:
    letter = sample_letters["parent_contact"]
    reader = pypdf.PdfReader(io.BytesIO(letter.pdf))
    catalogue = reader.trailer["/Root"].get_object()
    assert isinstance(catalogue, pypdf.generic.DictionaryObject)
    assert "/StructTreeRoot" in catalogue
    mark_info = catalogue["/MarkInfo"].get_object()
    assert isinstance(mark_info, pypdf.generic.DictionaryObject)
    assert mark_info["/Marked"]
    assert str(catalogue["/Lang"]) == "en-GB"
    assert b"pdfaid:part" in letter.pdf
    assert b"pdfuaid:part" in letter.pdf
    title = reader.metadata.title if reader.metadata else None
    assert title is not None
    assert title.endswith("CME-000123")
    assert "Amira" not in title


def test_a_letter_records_its_pages_hash_and_template_version(
    sample_letters: dict[str, RenderedLetter],
) -> None:
    letter = sample_letters["calling_card"]
    assert letter.letter_type == "calling_card"
    assert letter.pdf.startswith(b"%PDF-")
    assert letter.pages == len(pypdf.PdfReader(io.BytesIO(letter.pdf)).pages) == 1
    assert len(letter.sha256) == 64
    assert letter.template_version == template_version("calling_card")


def test_pages_are_counted_from_typsts_page_tree_as_pypdf_counts_them(
    sample_letters: dict[str, RenderedLetter], edge_letters: dict[str, RenderedLetter]
) -> None:
    for letter in [*sample_letters.values(), *edge_letters.values()]:
        read = len(pypdf.PdfReader(io.BytesIO(letter.pdf)).pages)
        assert _typst_page_count(letter.pdf) == letter.pages == count_pages(letter.pdf) == read
    # A PDF laid out otherwise (pypdf's own, joined pages) is counted by pypdf.
    writer = pypdf.PdfWriter()
    for letter in list(sample_letters.values())[:3]:
        writer.append(io.BytesIO(letter.pdf))
    joined = io.BytesIO()
    writer.write(joined)
    expected = sum(letter.pages for letter in list(sample_letters.values())[:3])
    assert _typst_page_count(joined.getvalue()) is None
    assert count_pages(joined.getvalue()) == expected
    # Text in a letter that imitates a page tree is never read as one: only the offsets count.
    context = sample_context("calling_card")
    hostile = {**context, "visit": {**context["visit"], "officer": "<</Type/Pages/Count 9/Kids["}}
    assert render_letter("calling_card", hostile, sample_letterhead()).pages == 1


def test_the_same_letter_rendered_twice_is_the_same_document() -> None:
    context = sample_context("s437_notice")
    first = render_letter("s437_notice", context, sample_letterhead())
    second = render_letter("s437_notice", context, sample_letterhead())
    assert first.sha256 == second.sha256


def test_a_batch_gives_the_same_documents_in_the_same_order_as_single_renders() -> None:
    items = [(t, sample_context(t, edge=n % 2 == 1)) for n, t in enumerate(LETTER_TYPES[:6])]
    batch = render_letters(items, sample_letterhead())
    assert [letter.letter_type for letter in batch] == list(LETTER_TYPES[:6])
    singles = [render_letter(t, c, sample_letterhead()) for t, c in items]
    assert [letter.sha256 for letter in batch] == [letter.sha256 for letter in singles]


def test_a_correction_says_which_letter_it_replaces() -> None:
    context = {**sample_context("school_enquiry"), "replaces": "CME-000123/4"}
    text = pdf_text(render_letter("school_enquiry", context, sample_letterhead()).pdf)
    assert "This letter replaces our earlier letter CME-000123/4." in text


def test_optional_details_show_when_given(sample_letters: dict[str, RenderedLetter]) -> None:
    text = squeezed(pdf_text(sample_letters["other_la_enquiry"].pdf))
    assert squeezed("22 Harbour View") in text
    assert squeezed("A neighbour said the family moved to Northtown in October.") in text
    assert squeezed("H801200001001") in text
    assert squeezed("Year 8") in text


@pytest.mark.parametrize("no_logo", [None, Path("")])
def test_without_a_logo_the_council_name_heads_the_letter(no_logo: Path | None) -> None:
    letterhead = dataclasses.replace(sample_letterhead(), logo_path=no_logo)
    letter = render_letter("closure_parent", sample_context("closure_parent"), letterhead)
    assert pdf_text(letter.pdf).startswith("Sample County Council")


def test_case_data_reaches_typst_only_as_string_literals() -> None:
    context = sample_context("closure_parent")
    context["outcome"] = '#read("/etc/passwd")'
    source, _root = letter_source("closure_parent", context, sample_letterhead())
    assert '#"#read(\\"/etc/passwd\\")"' in source
    assert '\n#read("' not in source


def test_the_stylesheet_is_plain_typst_without_jinja_delimiters() -> None:
    source = (REPOSITORY_TEMPLATES / "stylesheet.typ").read_text()
    for delimiter in ("{{", "{%", "{#"):
        assert delimiter not in source


def test_an_address_too_long_for_the_window_pushes_the_body_down_rather_than_overlap(
    edge_letters: dict[str, RenderedLetter],
) -> None:
    page = pypdf.PdfReader(io.BytesIO(edge_letters["manager_escalation"].pdf)).pages[0]
    height = float(page.mediabox.height)
    from_top: dict[str, float] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        for marker in ("ST4 2PQ", "Escalation"):
            if text.strip().startswith(marker):
                from_top.setdefault(marker, (height - cm[5]) / MM)

    page.extract_text(visitor_text=visit)
    assert from_top["Escalation"] > from_top["ST4 2PQ"] + 5
