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
from missing_education.letters.batch import TypesetJob, TypesettingPool
from missing_education.ports import UnitOfWork
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
    with TypesettingPool(settings.typeset_workers if workers is None else workers) as pool, uow:
        while True:
            queued = uow.letters.untypeset(limit=size, after_id=after, letter_ids=letter_ids)
            uow.commit()  # nothing is held open while the batch is typeset
            if not queued:
                break
            after = queued[-1].id
            results = pool.typeset(
                [TypesetJob(q.id, q.letter_type, q.context) for q in queued], head
            )
            failures = []
            for queued_letter, result in zip(queued, results, strict=True):
                made = result.letter
                if made is None:
                    failures.append((queued_letter.case_id, queued_letter.id, result.error))
                    continue
                recorded = uow.letters.record_typeset(
                    queued_letter.id,
                    sha256=made.sha256,
                    pages=made.pages,
                    template_version=made.template_version,
                    at=now(),
                )
                if recorded:  # else another renderer recorded it first, with the same bytes
                    uow.documents.put(queued_letter.id, made.pdf)
                    report.typeset += 1
                    report.pages += made.pages
            for case_id, letter_id, error in failures:
                reason = f"letter {letter_id} could not be typeset: {error}"
                uow.attention.flag(case_id, LETTER, reason, today)
                report.failed += 1
                report.attention.append(case_id)
            uow.commit()
    return report
