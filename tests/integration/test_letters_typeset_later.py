"""Letters are recorded by the steps and typeset later, in batches on every core, on SQLite and
PostgreSQL: the PDF and its hash are those the letter would have had typeset at once, each PDF
is kept once in the case database, and a letter that cannot be typeset flags its case.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from missing_education.clock import now
from missing_education.domain import NOTIFICATION_COLUMNS
from missing_education.domain.workspace import Role
from missing_education.letters import render_letter
from missing_education.letters.batch import POOL_FROM, TypesetResult, Typesetting
from missing_education.letters.context_json import loads_context
from missing_education.persistence import SqlUnitOfWork
from missing_education.persistence.database import ensure_schema
from missing_education.services.accounts import add_user
from missing_education.services.intake import ingest_file
from missing_education.services.letters import letterhead
from missing_education.services.procedure import Procedure
from missing_education.services.typesetting import typeset_letters
from missing_education.services.workspace import letter_file
from missing_education.settings import Settings, load_settings
from synthetic.council import synthetic_notifications, write_csv
from tests.integration.test_one_bad_record import REFERRAL


def acknowledged(url: str, folder: Path, count: int) -> Settings:
    """`count` notifications taken in and acknowledged: their letters recorded, not typeset."""
    settings = load_settings()
    rows = synthetic_notifications(count, seed=5, referral_date=REFERRAL)
    path = write_csv(folder / "n.csv", rows, NOTIFICATION_COLUMNS)
    report = ingest_file(SqlUnitOfWork(url), path, settings=settings, today=REFERRAL)
    with SqlUnitOfWork(url) as uow:
        Procedure(uow, settings, REFERRAL).acknowledge(report.opened_case_ids)
        uow.commit()
    return settings


def test_a_step_records_its_letter_and_the_renderer_makes_the_pdf_it_would_have_made_at_once(
    database_url: str, tmp_path: Path
) -> None:
    settings = acknowledged(database_url, tmp_path, 2)
    with SqlUnitOfWork(database_url) as uow:
        queued = uow.letters.untypeset(limit=10)
        records = uow.letters.outbox()
    assert len(queued) == len(records) >= 2
    assert all(not x.is_typeset and x.pages == 0 and x.typeset_at is None for x in records)
    first = queued[0]
    alone = render_letter(first.letter_type, loads_context(first.context), letterhead(settings))

    report = typeset_letters(SqlUnitOfWork(database_url), settings=settings, today=REFERRAL)

    assert (report.typeset, report.failed) == (len(queued), 0)
    with SqlUnitOfWork(database_url) as uow:
        letter = uow.letters.get(first.id)
        pdf = uow.documents.read(first.id)
        streamed = b"".join(uow.documents.chunks(first.id, size=1000))
        assert uow.letters.untypeset(limit=10) == []
    assert pdf == streamed == alone.pdf
    assert (letter.sha256, letter.pages, letter.template_version) == (
        alone.sha256,
        alone.pages,
        alone.template_version,
    )
    assert letter.template_version == first.template_version  # recorded when it was queued
    # What the letter said now lives in its PDF only: the copy kept for typesetting is gone.
    with ensure_schema(database_url).connect() as connection:
        contexts = connection.execute(text("SELECT DISTINCT context FROM letters")).scalars()
        assert list(contexts) == ["{}"]
    again = typeset_letters(SqlUnitOfWork(database_url), settings=settings, today=REFERRAL)
    assert (again.typeset, again.failed) == (0, 0)


def test_a_batch_is_typeset_on_every_core_each_pdf_kept_once_with_its_hash(
    database_url: str, tmp_path: Path
) -> None:
    settings = acknowledged(database_url, tmp_path, 40)
    with SqlUnitOfWork(database_url) as uow:
        queued = uow.letters.untypeset(limit=100)
    head = letterhead(settings)
    alone = {q.id: render_letter(q.letter_type, loads_context(q.context), head) for q in queued}
    assert len(queued) >= 2 * POOL_FROM  # two batches, each big enough for the worker

    report = typeset_letters(
        SqlUnitOfWork(database_url),
        settings=settings,
        today=REFERRAL,
        workers=2,
        batch_size=POOL_FROM,
    )

    with SqlUnitOfWork(database_url) as uow:
        letters = uow.letters.outbox()
        pdfs = {x.id: uow.documents.read(x.id) for x in letters}
    assert report.typeset == len(letters) == len(queued)
    assert report.pages == sum(x.pages for x in letters)
    for letter in letters:
        pdf = pdfs[letter.id]
        assert pdf is not None and pdf.startswith(b"%PDF")
        assert hashlib.sha256(pdf).hexdigest() == letter.sha256
        # The same bytes as the letter typeset on its own, whichever process typeset it.
        assert (pdf, letter.sha256, letter.pages) == (
            alone[letter.id].pdf,
            alone[letter.id].sha256,
            alone[letter.id].pages,
        )


def test_a_letter_another_renderer_recorded_first_is_kept_once_and_the_rest_of_its_batch_still_is(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = acknowledged(database_url, tmp_path, 4)
    with SqlUnitOfWork(database_url) as uow:
        first = uow.letters.untypeset(limit=1)[0]
    theirs = render_letter(first.letter_type, loads_context(first.context), letterhead(settings))
    real_results = Typesetting.results

    def another_renderer_gets_there_first(typesetting: Typesetting) -> list[TypesetResult]:
        # Between this renderer reading the batch and writing it, another one records a letter.
        with SqlUnitOfWork(database_url) as other:
            other.letters.record_typeset(
                first.id,
                sha256=theirs.sha256,
                pages=theirs.pages,
                template_version=theirs.template_version,
                at=now(),
            )
            other.documents.put(first.id, theirs.pdf)
            other.commit()
        return real_results(typesetting)

    monkeypatch.setattr(Typesetting, "results", another_renderer_gets_there_first)
    report = typeset_letters(SqlUnitOfWork(database_url), settings=settings, today=REFERRAL)

    with SqlUnitOfWork(database_url) as uow:
        letters = uow.letters.outbox()
        pdfs = {x.id: uow.documents.read(x.id) for x in letters}
        assert uow.letters.untypeset(limit=10) == []
    assert (report.typeset, report.failed) == (len(letters) - 1, 0)  # theirs is not counted
    assert pdfs[first.id] == theirs.pdf
    for letter in letters:
        pdf = pdfs[letter.id]
        assert pdf is not None and hashlib.sha256(pdf).hexdigest() == letter.sha256


def test_a_letter_that_cannot_be_typeset_flags_its_case_stays_queued_and_the_others_go_on(
    database_url: str, tmp_path: Path
) -> None:
    settings = acknowledged(database_url, tmp_path, 3)
    with SqlUnitOfWork(database_url) as uow:
        broken = uow.letters.untypeset(limit=1)[0]
    # A context that lost its keys (written by some other tool): nothing it could say.
    with ensure_schema(database_url).begin() as connection:
        connection.execute(
            text("UPDATE letters SET context = '{}' WHERE id = :id"), {"id": broken.id}
        )

    report = typeset_letters(SqlUnitOfWork(database_url), settings=settings, today=REFERRAL)

    assert report.failed == 1
    assert report.as_dict()["attention"] == [f"CME-{broken.case_id:06d}"]
    with SqlUnitOfWork(database_url) as uow:
        letters = uow.letters.outbox()
        flag = uow.attention.get(broken.case_id)
        assert uow.documents.read(broken.id) is None
    assert report.typeset == len(letters) - 1
    assert [x.id for x in letters if not x.is_typeset] == [broken.id]
    assert flag is not None and flag.category == "letter"
    assert f"letter {broken.id} could not be typeset" in flag.reason


@pytest.mark.parametrize("workers", [0, 1])
def test_the_typesetting_settings_are_read_and_checked(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CME_TYPESET_WORKERS", str(workers))
    monkeypatch.setenv("CME_SWEEP_BATCH_SIZE", "50")
    settings = load_settings()
    assert (settings.typeset_workers, settings.sweep_batch_size) == (workers, 50)
    monkeypatch.setenv("CME_SWEEP_BATCH_SIZE", "0")
    with pytest.raises(ValueError, match="sweep_batch_size"):
        load_settings()


def test_the_case_page_typesets_a_queued_letter_on_demand_and_streams_it_in_pieces(
    database_url: str, tmp_path: Path
) -> None:
    settings = acknowledged(database_url, tmp_path, 1)
    reader = add_user(
        SqlUnitOfWork(database_url),
        "reader",
        full_name="Rita Reader",
        role=Role.READ_ONLY,
        password="a long enough password",
    )
    with SqlUnitOfWork(database_url) as uow:
        letter = uow.letters.outbox()[0]
    assert not letter.is_typeset

    pieces, name = letter_file(
        SqlUnitOfWork(database_url), reader, letter.case_id, letter.id, settings=settings
    )

    assert pieces is not None and name.endswith(f"-{letter.id}.pdf")
    pdf = b"".join(pieces)
    with SqlUnitOfWork(database_url) as uow:
        typeset = uow.letters.get(letter.id)
    assert pdf.startswith(b"%PDF") and hashlib.sha256(pdf).hexdigest() == typeset.sha256
