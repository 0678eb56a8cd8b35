"""Letters: render any CME letter type to an accessible PDF from its template and context.

Jinja writes Typst markup from `templates/<type>.typ.j2` (with the shared `base.typ.j2`
and `stylesheet.typ`); every value enters as an escaped Typst string literal; Typst makes
the PDF. docs/letters.md describes the templates and the context keys each type needs.
"""

from missing_education.letters.context import LETTER_TYPES, check_context
from missing_education.letters.errors import LetterError
from missing_education.letters.letterhead import Letterhead
from missing_education.letters.print_batch import merge_pdfs
from missing_education.letters.rendering import RenderedLetter, render_letter, render_letters
from missing_education.letters.samples import preview, sample_context, sample_letterhead
from missing_education.letters.template_sources import template_version

__all__ = [
    "LETTER_TYPES",
    "LetterError",
    "Letterhead",
    "RenderedLetter",
    "check_context",
    "merge_pdfs",
    "preview",
    "render_letter",
    "render_letters",
    "sample_context",
    "sample_letterhead",
    "template_version",
]
