"""Joining letters into the daily print batch."""

from __future__ import annotations

import io

import pypdf
import pytest

from missing_education.letters import LetterError, RenderedLetter, merge_pdfs


def pdf_text(pdf: bytes) -> str:
    """All the text pypdf extracts from a PDF, page after page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_letters_are_joined_in_order_each_starting_on_a_new_sheet(
    sample_letters: dict[str, RenderedLetter],
) -> None:
    one_page = sample_letters["calling_card"]
    two_pages = sample_letters["school_enquiry"]
    assert (one_page.pages, two_pages.pages) == (1, 2)
    merged = merge_pdfs([one_page.pdf, two_pages.pdf, one_page.pdf])
    reader = pypdf.PdfReader(io.BytesIO(merged))
    # 1 page + blank back, 2 pages, 1 page + blank back.
    assert len(reader.pages) == 6
    assert "Sorry we missed you" in reader.pages[0].extract_text()
    assert reader.pages[1].extract_text().strip() == ""
    assert "Enquiry about a child" in reader.pages[2].extract_text()
    assert "Sorry we missed you" in pdf_text(merged).split("Enquiry about a child")[-1]


def test_an_empty_print_batch_is_an_error() -> None:
    with pytest.raises(LetterError):
        merge_pdfs([])


def test_a_single_sided_batch_has_no_blank_backs(
    sample_letters: dict[str, RenderedLetter],
) -> None:
    one_page = sample_letters["calling_card"].pdf
    merged = merge_pdfs([one_page, one_page], double_sided=False)
    assert len(pypdf.PdfReader(io.BytesIO(merged)).pages) == 2
