"""Letters that cannot be rendered fail loudly, naming the key at fault and never its value."""

from __future__ import annotations

import dataclasses
import re
import shutil
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from missing_education.letters import (
    LETTER_TYPES,
    LetterError,
    render_letter,
    render_letters,
    sample_context,
    sample_letterhead,
    template_version,
)
from missing_education.letters.batch import POOL_FROM, TypesetJob, TypesettingPool
from missing_education.letters.context import required_keys
from missing_education.letters.context_json import dumps_context
from missing_education.letters.typesetting import redacted

REPOSITORY_TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def test_a_logo_that_is_not_there_is_an_error(tmp_path: Path) -> None:
    letterhead = dataclasses.replace(sample_letterhead(), logo_path=tmp_path / "missing.png")
    with pytest.raises(LetterError, match="logo_path"):
        render_letter("closure_parent", sample_context("closure_parent"), letterhead)


@pytest.mark.parametrize("letter_type", LETTER_TYPES)
def test_each_required_key_left_out_is_named_in_the_error(letter_type: str) -> None:
    for key in required_keys(letter_type):
        context = sample_context(letter_type)
        *parents, last = key.path.split(".")
        holder = context
        for part in parents:
            holder = holder[part]
        del holder[last]
        with pytest.raises(LetterError, match=re.escape(f"'{key.path}' is missing")) as raised:
            render_letter(letter_type, context, sample_letterhead())
        assert "Amira" not in str(raised.value)


def copied_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the templates that CME_TEMPLATES_DIR points at."""
    folder = tmp_path / "templates"
    shutil.copytree(REPOSITORY_TEMPLATES, folder)
    monkeypatch.setenv("CME_TEMPLATES_DIR", str(folder))
    return folder


def test_a_template_that_uses_an_unknown_key_fails_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copied_templates(tmp_path, monkeypatch)
    path = folder / "closure_parent.typ.j2"
    path.write_text(path.read_text().replace("#{{ outcome }}", "#{{ child.nickname }}"))
    with pytest.raises(LetterError, match="nickname") as raised:
        render_letter("closure_parent", sample_context("closure_parent"), sample_letterhead())
    assert "Amira" not in str(raised.value)


def test_a_typst_error_does_not_quote_the_letter_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copied_templates(tmp_path, monkeypatch)
    path = folder / "closure_parent.typ.j2"
    path.write_text(path.read_text().replace("#{{ outcome }}", "#{{ outcome }}.nonsense()"))
    with pytest.raises(LetterError, match="Typst could not typeset") as raised:
        render_letter("closure_parent", sample_context("closure_parent"), sample_letterhead())
    assert "Hillside" not in str(raised.value)


def test_an_unknown_letter_type_is_an_error() -> None:
    with pytest.raises(LetterError, match="unknown letter type"):
        render_letter("summons", sample_context("school_enquiry"), sample_letterhead())


def test_missing_fonts_are_reported_with_the_debian_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CME_FONT_DIRS", str(tmp_path))
    with pytest.raises(LetterError, match="fonts-noto-core"):
        render_letter("closure_parent", sample_context("closure_parent"), sample_letterhead())


def test_text_no_font_can_display_is_printed_with_a_visible_replacement() -> None:
    context = sample_context("closure_parent")
    context["outcome"] = "On roll \ue000 at Hillside School"  # a private-use character
    letter = render_letter("closure_parent", context, sample_letterhead())
    assert letter.pages >= 1


def test_a_bad_letter_in_a_batch_is_named_by_its_place() -> None:
    broken = sample_context("school_enquiry")
    del broken["deadline"]
    items = [("closure_parent", sample_context("closure_parent")), ("school_enquiry", broken)]
    with pytest.raises(LetterError, match=r"letter 2 of 2: school_enquiry: .*'deadline'"):
        render_letters(items, sample_letterhead())


def test_typst_messages_lose_the_text_they_quote() -> None:
    message = 'the text `"Amira"` could not be displayed with font `"Noto Sans"`'
    assert redacted(message) == "the text `…` could not be displayed with font `…`"


def test_the_template_version_changes_when_the_stylesheet_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = template_version("school_enquiry")
    assert len(before) == 16
    assert before != template_version("parent_contact")
    copied_templates(tmp_path / "same", monkeypatch)
    assert template_version("school_enquiry") == before
    changed = copied_templates(tmp_path / "changed", monkeypatch)
    with (changed / "stylesheet.typ").open("a") as stylesheet:
        stylesheet.write("\n// changed\n")
    assert template_version("school_enquiry") != before


def test_a_typesetting_worker_that_dies_fails_the_batch_and_never_leaves_it_waiting() -> None:
    types = LETTER_TYPES[:8]
    jobs = [
        TypesetJob(n, types[n % len(types)], dumps_context(sample_context(types[n % len(types)])))
        for n in range(3 * POOL_FROM)
    ]
    with TypesettingPool(2) as pool:
        first = pool.start(jobs[: POOL_FROM * 2], sample_letterhead())
        second = pool.start(jobs[POOL_FROM * 2 :], sample_letterhead())
        executor = pool._executor
        assert executor is not None
        # The worker is killed (the machine ran out of memory, say) before it is done.
        for process in list(executor._processes.values()):
            process.kill()
        with pytest.raises(BrokenProcessPool):
            first.results()
            second.results()
