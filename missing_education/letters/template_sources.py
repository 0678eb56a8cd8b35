"""Where the letter templates live, how they are loaded, and the version that names them."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import jinja2

from missing_education.letters.context import known_type
from missing_education.letters.errors import LetterError
from missing_education.letters.markup import letter_environment

# Every letter is built from its own template and these shared files.
BASE_LAYOUT = "base.typ.j2"
STYLESHEET = "stylesheet.typ"


def templates_dir() -> Path:
    """The templates folder: CME_TEMPLATES_DIR, else `templates/` beside the package."""
    return _templates_dir(os.environ.get("CME_TEMPLATES_DIR", ""))


@functools.lru_cache(maxsize=8)
def _templates_dir(configured: str) -> Path:
    # Looked for once per setting and process: every letter a step records asks for it.
    folder = Path(configured) if configured else Path(__file__).resolve().parents[2] / "templates"
    if not (folder / BASE_LAYOUT).is_file():
        raise LetterError(f"no letter templates in {folder} (set CME_TEMPLATES_DIR)")
    return folder


def template_file(letter_type: str) -> str:
    """The template file name for a letter type."""
    known_type(letter_type)
    return f"{letter_type}.typ.j2"


def template_version(letter_type: str) -> str:
    """A short sha256 of the type's template, the base layout and the stylesheet."""
    return _version(templates_dir(), template_file(letter_type))


@functools.lru_cache(maxsize=64)
def _version(folder: Path, file_name: str) -> str:
    # Worked out once per process, like the sources it describes (loaded_templates).
    _environment, sources = loaded_templates(folder)
    digest = hashlib.sha256()
    for name in (file_name, BASE_LAYOUT, STYLESHEET):
        digest.update(name.encode() + b"\0" + sources[name].encode() + b"\0")
    return digest.hexdigest()[:16]


@functools.lru_cache(maxsize=8)
def loaded_templates(folder: Path) -> tuple[jinja2.Environment, dict[str, str]]:
    """The Jinja environment over the folder's templates, and their sources by file name."""
    # Read once per process and kept in memory, so the version always describes the exact
    # sources that rendered the letter; a worker picks up changed templates when restarted.
    sources = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(folder.iterdir())
        if path.name.endswith((".typ.j2", ".typ"))
    }
    return letter_environment(sources), sources
