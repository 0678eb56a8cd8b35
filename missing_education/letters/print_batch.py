"""The daily print batch: many letters' PDFs joined into one PDF to send to the printer."""

from __future__ import annotations

import io
from collections.abc import Sequence

from missing_education.letters.errors import LetterError


def merge_pdfs(pdfs: Sequence[bytes], *, double_sided: bool = True) -> bytes:
    """Join PDFs into one, in the order given, each letter starting on a new sheet."""
    if not pdfs:
        raise LetterError("there are no letters to merge")
    import pypdf  # here, not above: typesetting workers import this package and never merge

    writer = pypdf.PdfWriter()
    for pdf in pdfs:
        writer.append(pypdf.PdfReader(io.BytesIO(pdf)))
        # Printed double-sided, an odd-length letter would share a sheet with the next one.
        if double_sided and len(writer.pages) % 2:
            writer.add_blank_page()
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
