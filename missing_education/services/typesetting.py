"""The renderer: queued letters typeset in batches on every core, their PDFs kept, hashes recorded.

Steps (intake, the sweep, decisions) record letters and typeset nothing, so their transactions
stay short. This typesets what they queued, a batch at a time (one commit each), keeps each PDF
in the letter store and records its hash, pages and template version: the evidence a letter
always carried. Running it twice, or on two hosts at once, typesets nothing twice: the first to
record a letter's hash keeps it. A letter that cannot be typeset flags its case ("needs
attention", a letter problem) and stays queued; the others go on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from missing_education.clock import now
from missing_education.domain import case_reference
from missing_education.domain.attention import LETTER
from missing_education.letters.batch import TypesetJob, TypesetResult, Typesetting, TypesettingPool
from missing_education.letters.rendering import RenderedLetter
from missing_education.ports import QueuedLetter, TypesetLetter, UnitOfWork
from missing_education.services.letters import letterhead
from missing_education.settings import Settings


@dataclass
class TypesetReport:
    """What one run of the renderer did: counts and the flagged cases' ids."""

    typeset: int = 0
    pages: int = 0
    failed: int = 0
    attention: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """For --json, flow results and artifacts (references only)."""
        return {
            "typeset": self.typeset,
            "pages": self.pages,
            # As every run reports cases needing attention: counts by reason category.
            "failed": {LETTER: self.failed} if self.failed else {},
            "attention": [case_reference(i) for i in sorted(set(self.attention))],
        }


def typeset_letters(
    uow: UnitOfWork,
    *,
    settings: Settings,
    today: date,
    letter_ids: Sequence[int] | None = None,
    batch_size: int | None = None,
    workers: int | None = None,
) -> TypesetReport:
    """Typeset every queued letter not yet typeset (only `letter_ids`, when given).

    Call it outside any `with uow:` of the caller's: it commits a batch at a time.
    """
    report = TypesetReport()
    head = letterhead(settings)
    size = max(1, batch_size or settings.typeset_batch_size)
    after = 0
    started: tuple[list[QueuedLetter], Typesetting] | None = None
    with TypesettingPool(settings.typeset_workers if workers is None else workers) as pool, uow:
        while True:
            # The next batch is read and handed to the workers before the last one is written,
            # so they typeset while this process writes.
            queued = uow.letters.untypeset(limit=size, after_id=after, letter_ids=letter_ids)
            uow.commit()  # nothing is held open while the batch is typeset
            following = None
            if queued:
                after = queued[-1].id
                jobs = [TypesetJob(q.id, q.letter_type, q.context) for q in queued]
                following = (queued, pool.start(jobs, head))
            if started is not None:
                _record(uow, started[0], started[1].results(), report, today)
                uow.commit()
            if following is None:
                break
            started = following
    return report


def _record(
    uow: UnitOfWork,
    queued: list[QueuedLetter],
    results: list[TypesetResult],
    report: TypesetReport,
    today: date,
) -> None:
    """Keep a batch's PDFs and record their hashes; flag the cases whose letter failed.

    The hashes are recorded in one statement and the PDFs kept in another. When another
    renderer recorded some of the batch first (two hosts at once), one statement cannot say
    which: the batch's writes are rolled back and made again a letter at a time, each PDF kept
    only by the renderer that recorded its hash.
    """
    failures = []
    made: list[tuple[int, RenderedLetter]] = []
    for queued_letter, result in zip(queued, results, strict=True):
        if result.letter is None:
            failures.append((queued_letter.case_id, queued_letter.id, result.error))
        else:
            made.append((queued_letter.id, result.letter))
    at = now()
    evidence = [TypesetLetter(i, x.sha256, x.pages, x.template_version) for i, x in made]
    if uow.letters.record_typeset_all(evidence, at=at) == len(made):
        uow.documents.put_all([(i, x.pdf) for i, x in made])
        report.typeset += len(made)
        report.pages += sum(x.pages for _, x in made)
    else:
        uow.rollback()
        for letter_id, letter in made:
            recorded = uow.letters.record_typeset(
                letter_id,
                sha256=letter.sha256,
                pages=letter.pages,
                template_version=letter.template_version,
                at=at,
            )
            if recorded:  # else another renderer recorded it first, with the same bytes
                uow.documents.put(letter_id, letter.pdf)
                report.typeset += 1
                report.pages += letter.pages
    for case_id, letter_id, error in failures:
        reason = f"letter {letter_id} could not be typeset: {error}"
        uow.attention.flag(case_id, LETTER, reason, today)
        report.failed += 1
        report.attention.append(case_id)
