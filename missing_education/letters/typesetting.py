"""Typst typesetting: one warm compiler per process, fonts loaded once from named folders.

Letters are written as PDF/A-2a and PDF/UA-1 together: archival (they are evidence) and
tagged for screen readers, with selectable text. Fonts come only from the folders given
(`CME_FONT_DIRS`, else the Debian font folders), never from a user's font cache.
"""

from __future__ import annotations

import functools
import io
import os
import re
import threading
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import typst

from missing_education.letters.errors import LetterError
from missing_education.letters.markup import typst_string

# Debian: fonts-noto-core, fonts-noto-cjk, fonts-noto-color-emoji, fonts-hanazono and
# fonts-dejavu-core install these folders (scripts/system-packages.sh).
DEBIAN_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/noto"),
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/truetype/hanazono"),
    Path("/usr/share/fonts/truetype/dejavu"),
)

# The families the stylesheet relies on, and the Debian package that provides each.
REQUIRED_FONT_FAMILIES: dict[str, str] = {
    "Noto Sans": "fonts-noto-core",
    "Noto Sans Arabic": "fonts-noto-core",
    "Noto Sans Devanagari": "fonts-noto-core",
    "Noto Sans CJK SC": "fonts-noto-cjk",
    "Noto Color Emoji": "fonts-noto-color-emoji",
    "HanaMinB": "fonts-hanazono",
    "DejaVu Sans": "fonts-dejavu-core",
}


# Shown in place of a character that no installed font has: visible, and never a crash.
REPLACEMENT = "\ufffd"
_SEPARATORS = {"\u2028", "\u2029", "\u0085"}


def _is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


# A run this long with nowhere to break would run out of its box (the address window, a table
# cell, the page): it gets a zero-width break opportunity every BREAK_EVERY characters.
_UNBROKEN = re.compile(r"[^\s\-/@]{41,}")
BREAK_EVERY = 30


def breakable(text: str) -> str:
    """`text` with long unbroken runs (not email addresses or web links) made breakable."""
    if "://" in text or "@" in text:
        return text

    def split(match: re.Match[str]) -> str:
        run = match.group(0)
        return "\u200b".join(run[i : i + BREAK_EVERY] for i in range(0, len(run), BREAK_EVERY))

    return _UNBROKEN.sub(split, text)


class UnprintableTextError(LetterError):
    """Some text has a character that none of the installed fonts can display."""


def font_dirs() -> tuple[Path, ...]:
    """The font folders: CME_FONT_DIRS (separated by os.pathsep), else the Debian ones."""
    configured = os.environ.get("CME_FONT_DIRS", "")
    if configured.strip():
        return tuple(Path(part) for part in configured.split(os.pathsep) if part.strip())
    return DEBIAN_FONT_DIRS


class Typesetter:
    """A warm Typst compiler: fonts load once and later letters reuse its layout caches."""

    def __init__(self, folders: Sequence[Path]) -> None:
        fonts = typst.Fonts(
            include_system_fonts=False,
            include_embedded_fonts=False,
            font_paths=[str(folder) for folder in folders if folder.is_dir()],
        )
        families = set(fonts.families())
        missing = [name for name in REQUIRED_FONT_FAMILIES if name not in families]
        if missing:
            packages = sorted({REQUIRED_FONT_FAMILIES[name] for name in missing})
            raise LetterError(
                f"fonts {', '.join(missing)} not found in {', '.join(map(str, folders))}; "
                f"install the Debian packages {' '.join(packages)} or set CME_FONT_DIRS"
            )
        self._compiler = typst.Compiler(font_paths=fonts, ignore_system_fonts=True)
        # One Typst compiler is not safe to share between threads without this.
        self._lock = threading.Lock()
        self._printable: dict[str, bool] = {}

    def typeset(self, source: str, *, root: Path, created: date) -> bytes:
        """Compile Typst `source` to PDF; files it reads must be under `root`."""
        # The letter date as creation date keeps the PDF, and so its hash, reproducible.
        timestamp = datetime(created.year, created.month, created.day, tzinfo=UTC)
        with self._lock:
            try:
                pdf, warnings = self._compiler.compile_with_warnings(
                    input=source.encode("utf-8"),
                    format="pdf",
                    root=str(root),
                    pdf_standards=["a-2a", "ua-1"],
                    timestamp=timestamp,
                )
            except typst.TypstError as error:
                if "could not be displayed" in error.message:
                    # PDF/A and PDF/UA forbid a missing glyph; the caller finds which key.
                    raise UnprintableTextError("text that no installed font can display") from None
                raise LetterError(
                    f"Typst could not typeset the letter: {redacted(error.message)}"
                ) from None
        if warnings:
            raise LetterError(f"Typst warned while typesetting: {redacted(warnings[0].message)}")
        if not isinstance(pdf, bytes):
            raise LetterError("Typst returned no PDF")
        return pdf

    def printable(self, text: str, *, stylesheet: str, root: Path) -> str:
        """`text` with each character no font can display shown as U+FFFD, never a crash.

        Each character is tried once per process (a few milliseconds) and the answer kept.
        Line and paragraph separators become spaces, so a name stays on one line.
        """
        out = []
        for char in text:
            if char < "\x80":
                out.append(char)
            elif char in _SEPARATORS:
                out.append(" ")
            elif char == "\ufeff":
                continue  # a byte-order mark inside text: PDF/A forbids it, and it shows nothing
            elif _is_noncharacter(char):
                out.append(REPLACEMENT)
            elif unicodedata.category(char) in ("Cf", "Mn", "Me"):
                out.append(char)  # joiners and marks shape their neighbours: never on their own
            else:
                known = self._printable.get(char)
                if known is None:
                    known = self._printable[char] = self.can_display(
                        char, stylesheet=stylesheet, root=root
                    )
                out.append(char if known else REPLACEMENT)
        return breakable("".join(out))

    def can_display(self, text: str, *, stylesheet: str, root: Path) -> bool:
        """Whether the stylesheet's letter fonts have a glyph for every character of `text`."""
        literal = typst_string(text)
        source = (
            f'{stylesheet}\n#set document(title: "Probe")\n'
            f'#set text(font: letter-fonts, lang: "en")\n'
            f'#{literal} #text(weight: "bold", {literal})\n'
        )
        try:
            self.typeset(source, root=root, created=date(2000, 1, 1))
        except UnprintableTextError:
            return False
        return True


def redacted(message: str) -> str:
    """A Typst message without the text it quotes, which may be case data."""
    # The diagnostic and hints quote source lines and are dropped; the message quotes
    # text and code between backticks.
    return re.sub(r"`[^`]*`", "`…`", message)


@functools.lru_cache(maxsize=4)
def shared_typesetter(folders: tuple[Path, ...]) -> Typesetter:
    """The process's typesetter for these font folders, built on first use."""
    return Typesetter(folders)


def count_pages(pdf: bytes) -> int:
    """The number of pages in a PDF: read from Typst's page tree, else by pypdf."""
    counted = _typst_page_count(pdf)
    if counted is not None:
        return counted
    import pypdf  # here, not above: a typesetting worker starts faster without it

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


_STARTXREF = re.compile(rb"startxref\r?\n(\d+)\r?\n%%EOF\r?\n?\Z")
_XREF_HEAD = re.compile(rb"xref\r?\n0 (\d+)\r?\n")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])\r?\n")
_TRAILER_ROOT = re.compile(rb"trailer\r?\n<</Size (\d+)/Root (\d+) 0 R/Info \d+ 0 R/ID\[")
_CATALOG = rb"%d 0 obj\r?\n<</Type/Catalog/Pages (\d+) 0 R"
_PAGE_TREE = rb"%d 0 obj\r?\n<</Type/Pages/Count (\d+)/Kids\["


def _typst_page_count(pdf: bytes) -> int | None:
    """The page count of a PDF laid out as Typst writes it, or None for any other layout.

    pypdf parses the whole cross-reference table and every page to count them, a tenth of a
    letter's typesetting time. Typst writes one plain cross-reference table, and the catalog
    and page tree open with fixed keys: this follows the trailer to the catalog, and the
    catalog to the page tree's /Count, reading each object only at the offset the table gives
    (so text inside the letter can never be mistaken for it). Anything else is left to pypdf.
    """
    tail = _STARTXREF.search(pdf, max(0, len(pdf) - 64))
    if tail is None:
        return None
    start = int(tail.group(1))
    head = _XREF_HEAD.match(pdf, start)
    if head is None:
        return None
    size = int(head.group(1))
    table = head.end()

    def offset(number: int) -> int | None:
        if not 0 < number < size:
            return None
        entry = _XREF_ENTRY.match(pdf, table + 20 * number)
        return int(entry.group(1)) if entry is not None and entry.group(3) == b"n" else None

    trailer = _TRAILER_ROOT.match(pdf, table + 20 * size)
    if trailer is None or int(trailer.group(1)) != size:
        return None
    at = offset(root := int(trailer.group(2)))
    catalog = re.compile(_CATALOG % root).match(pdf, at) if at is not None else None
    if catalog is None:
        return None
    at = offset(tree := int(catalog.group(1)))
    pages = re.compile(_PAGE_TREE % tree).match(pdf, at) if at is not None else None
    return int(pages.group(1)) if pages is not None else None
