"""Letters for every name (issue 15): emoji, rare CJK, unassigned characters, endless words."""

from __future__ import annotations

import io

import pypdf
import pytest

from missing_education.letters import LETTER_TYPES, render_letter, sample_context, sample_letterhead

MM = 72 / 25.4
HOSTILE_NAME = "Amira👩‍👩‍👧 𠀀\ue000\U0010fffd\ufeff Khan\u2028Jones"


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def positions(pdf: bytes) -> list[tuple[str, float, float, int]]:
    """Every piece of text with its x and y (mm from the top left) and its page number."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found: list[tuple[str, float, float, int]] = []
    for number, page in enumerate(reader.pages, start=1):
        height = float(page.mediabox.height)

        def visit(
            text: str,
            cm: list[float],
            tm: list[float],
            *_: object,
            n: int = number,
            h: float = height,
        ) -> None:
            if text.strip():
                x = (cm[0] * tm[4] + cm[2] * tm[5] + cm[4]) / MM
                y = (h - (cm[1] * tm[4] + cm[3] * tm[5] + cm[5])) / MM
                found.append((text, x, y, n))

        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_every_letter_prints_a_name_with_emoji_rare_cjk_and_characters_no_font_has(
    letter_type: str,
) -> None:
    context = sample_context(letter_type)
    context["child"] = {**context["child"], "forename": HOSTILE_NAME}
    context["recipient"] = {**context["recipient"], "name": HOSTILE_NAME}

    letter = render_letter(letter_type, context, sample_letterhead())

    text = text_of(letter.pdf)
    assert "𠀀" in text  # CJK Extension B, from Hanazono
    assert "👩" in text  # Noto Color Emoji
    # The private-use and unassigned characters show as a visible replacement, not a crash.
    assert "\ufffd" in text
    assert "\ue000" not in text
    # A line separator in a name does not break the name (or the salutation) over two lines.
    assert "Khan Jones" in text


def test_a_100_character_word_and_a_2000_character_address_stay_inside_the_page() -> None:
    context = sample_context("parent_contact")
    endless = "Wolfeschlegelsteinhausenberger" * 4 + "dorffvoralternwarengewissenhaft"
    assert len(endless) > 100
    context["child"] = {**context["child"], "surname": endless}
    context["recipient"] = {
        **context["recipient"],
        "name": endless,
        "address_lines": ["Flat 1 " + "Longbuilding" * 160, "Matlock", "DE4 3AB"],
    }

    letter = render_letter("parent_contact", context, sample_letterhead())

    placed = positions(letter.pdf)
    # Nothing runs off the right edge of an A4 page (210 mm, 20 mm margins).
    assert max(x for _, x, _, _ in placed) < 190
    reference = [(x, y) for text, x, y, n in placed if "CME-000123" in text and n == 1 and y < 100]
    # The address stays in its column: nothing of it reaches the reference and date on the right.
    address = [(x, y) for text, x, y, n in placed if "Longbuilding" in text and n == 1]
    assert address
    # Wrapped into lines that fit the window (about 60 characters at the smallest size).
    assert max(len(text) for text, *_ in placed if "Longbuilding" in text) < 75
    assert max(x for x, _ in address) < 110
    assert reference and min(x for x, _ in reference) > 110
    # Clipped to at most 70 mm, the address leaves the letter its first page.
    title = [y for text, _, y, n in placed if text.startswith("We need to know") and n == 1]
    assert title and title[0] < 50 + 70 + 15
    assert "Dear" in text_of(letter.pdf)
