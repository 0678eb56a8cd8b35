"""Render letters to PDF: Jinja writes Typst markup from a template, Typst typesets it.

Each letter is compiled on its own by one warm Typst compiler, in a batch as well as alone,
so a letter's PDF (and its hash) is the same however it was produced, and every PDF keeps
its own accessibility tags. bench/letters.py measures this against the alternatives.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from missing_education.letters.context import (
    check_context,
    optional_keys,
    required_keys,
)
from missing_education.letters.errors import LetterError
from missing_education.letters.letterhead import Letterhead
from missing_education.letters.template_sources import (
    STYLESHEET,
    loaded_templates,
    template_file,
    template_version,
    templates_dir,
)
from missing_education.letters.typesetting import (
    Typesetter,
    UnprintableTextError,
    count_pages,
    font_dirs,
    shared_typesetter,
)


@dataclass(frozen=True)
class RenderedLetter:
    """One letter as a PDF, with what the evidence record needs to identify it."""

    letter_type: str
    pdf: bytes
    pages: int
    template_version: str
    sha256: str


def letter_source(
    letter_type: str, context: Mapping[str, Any], letterhead: Letterhead
) -> tuple[str, Path]:
    """The Typst source of a letter and the folder Typst may read files from (for the logo)."""
    check_context(letter_type, context)
    folder = templates_dir()
    root = folder
    # Set last, so that no context key can stand in for the letterhead or the logo.
    extra: dict[str, Any] = {"letterhead": letterhead, "logo_source": None}
    # An empty setting means no logo, as None does (Path("") is Path(".")).
    if letterhead.logo_path is not None and str(letterhead.logo_path).strip() not in ("", "."):
        logo = Path(letterhead.logo_path).resolve()
        if not logo.is_file():
            raise LetterError("the letterhead's logo_path is not a file")
        # Typst reads files only under its root, so the logo's folder becomes the root.
        root = logo.parent
        extra["logo_source"] = "/" + logo.name
    try:
        environment, _sources = loaded_templates(folder)
        template = environment.get_template(template_file(letter_type))
        source = template.render({**context, **extra})
    except jinja2.UndefinedError as error:
        # Jinja's message names the key ("'dict object' has no attribute 'upn'"), not a value.
        raise LetterError(f"{letter_type}: {error.message}") from None
    except jinja2.TemplateError as error:
        raise LetterError(f"{letter_type}: template error: {error.message}") from None
    return source, root


def render_letter(
    letter_type: str, context: Mapping[str, Any], letterhead: Letterhead
) -> RenderedLetter:
    """Render one letter to PDF; a character no font has is printed as U+FFFD."""
    typesetter = shared_typesetter(font_dirs())
    context = printable_context(context, typesetter)
    source, root = letter_source(letter_type, context, letterhead)
    letter_date: date = context["letter_date"]
    try:
        pdf = typesetter.typeset(source, root=root, created=letter_date)
    except UnprintableTextError:
        keys = _unprintable_keys(letter_type, context, letterhead, typesetter)
        raise LetterError(
            f"{letter_type}: {', '.join(keys) or 'some text'} has characters that no installed "
            "font can display; correct the record or install a font that covers them"
        ) from None
    return RenderedLetter(
        letter_type=letter_type,
        pdf=pdf,
        pages=count_pages(pdf),
        template_version=template_version(letter_type),
        sha256=hashlib.sha256(pdf).hexdigest(),
    )


def printable_context(context: Mapping[str, Any], typesetter: Typesetter) -> dict[str, Any]:
    """The context with every text the fonts cannot fully display made printable."""
    folder = templates_dir()
    stylesheet = loaded_templates(folder)[1][STYLESHEET]

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return typesetter.printable(value, stylesheet=stylesheet, root=folder)
        if isinstance(value, Mapping):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(clean(item) for item in value)
        return value

    return {key: clean(value) for key, value in context.items()}


def _unprintable_keys(
    letter_type: str, context: Mapping[str, Any], letterhead: Letterhead, typesetter: Typesetter
) -> list[str]:
    """The context keys (and letterhead fields) whose text the fonts cannot display."""
    folder = templates_dir()
    stylesheet = loaded_templates(folder)[1][STYLESHEET]
    shown = {key.path.split(".")[0] for key in required_keys(letter_type)}
    shown |= {key.path.split(".")[0] for key in optional_keys(letter_type)}
    values = [
        (path, text)
        for path, text in _text_values(context, "")
        if re.split(r"[.\[]", path)[0] in shown
    ]
    values += _text_values(dataclasses.asdict(letterhead), "letterhead.")
    return [
        path
        for path, text in values
        if not typesetter.can_display(text, stylesheet=stylesheet, root=folder)
    ]


def _text_values(value: Any, path: str) -> list[tuple[str, str]]:
    """Every piece of text in a context, with its dotted path (list items as path[0])."""
    if isinstance(value, str):
        return [(path.rstrip("."), value)]
    if isinstance(value, Mapping):
        return [pair for key, item in value.items() for pair in _text_values(item, f"{path}{key}.")]
    if isinstance(value, list | tuple):
        trimmed = path.rstrip(".")
        return [
            pair for n, item in enumerate(value) for pair in _text_values(item, f"{trimmed}[{n}].")
        ]
    return []


def render_letters(
    items: Sequence[tuple[str, Mapping[str, Any]]], letterhead: Letterhead
) -> list[RenderedLetter]:
    """Render many letters, in the order given; one bad letter fails the batch, naming it."""
    letters = []
    for number, (letter_type, context) in enumerate(items, start=1):
        try:
            letters.append(render_letter(letter_type, context, letterhead))
        except LetterError as error:
            raise LetterError(f"letter {number} of {len(items)}: {error}") from None
    return letters
