"""A step over many cases, a batch of cases per commit: read in bulk, written in bulk.

The batch's cases are locked and their records read with one query per table; the step runs
on each case in memory and what it writes is staged per case; a case the step fails on has its
work dropped and is flagged ("needs attention"), and the others are written together and
committed. A step may also write past the staging (a home visit, a database check): when a
case fails, the batch is rolled back and run again without it, so none of its work is kept.
Same rule as services.attention.each_case, a batch at a time instead of a case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from missing_education.domain.attention import Attention
from missing_education.domain.letter import LetterRecord
from missing_education.ports import CaseBatch, UnitOfWork, WriteConflict
from missing_education.services.attention import NOT_THE_CASE, classify
from missing_education.services.collecting import fewer_collections
from missing_education.services.procedure import Procedure, StepReport

Step = Callable[[Procedure, int], StepReport]
# A batch that loses a race (SQLite: another writer got in first) is read and run again.
CONFLICT_ATTEMPTS = 3


def in_batches(
    procedure: Procedure, case_ids: Iterable[int], step: Step, *, size: int | None = None
) -> StepReport:
    """Run `step(batch_procedure, case_id)` on each case, a batch per commit (see module)."""
    with fewer_collections():
        return _in_batches(procedure, case_ids, step, size)


def _in_batches(
    procedure: Procedure, case_ids: Iterable[int], step: Step, size: int | None
) -> StepReport:
    uow = procedure.uow
    report = StepReport()
    flagged = {attention.case_id for attention in uow.attention.all()}
    ordered = sorted(set(case_ids))
    size = max(1, size or procedure.settings.sweep_batch_size)
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            try:
                done, failed, made = _one_batch(uow, procedure, chunk, step, flagged)
            except WriteConflict:
                uow.rollback()
                if attempt == CONFLICT_ATTEMPTS:
                    raise
                continue
            break
        report.merge(done)
        for case_id, attention in failed.items():
            report.fail(attention.category, case_id)
        procedure.letters.extend(made)
    report.letters = len(procedure.letters)
    return report


def _one_batch(
    uow: UnitOfWork, procedure: Procedure, chunk: list[int], step: Step, flagged: set[int]
) -> tuple[StepReport, dict[int, Attention], list[LetterRecord]]:
    errors: dict[int, Exception] = {}
    while True:
        batch: CaseBatch = uow.batches.load([i for i in chunk if i not in errors])
        done, inside, failed_now = _run_batch(batch, procedure, chunk, step, errors)
        if not failed_now:
            break
        # What a failed case wrote outside the batch's staging (a home visit, a database
        # check) is already in the transaction: roll the batch back and run it again without
        # the failed cases, so nothing of theirs is kept. A step is run again from the same
        # records, so the cases that passed pass again; each round drops at least one case.
        errors.update(failed_now)
        uow.rollback()
    batch.flush()
    failed = {}
    for case_id, fault in errors.items():
        category, reason = classify(fault)
        failed[case_id] = uow.attention.flag(case_id, category, reason, procedure.today)
    for case_id in (set(chunk) & flagged) - errors.keys():
        uow.attention.clear(case_id)
    uow.commit()
    return done, failed, list(inside.letters)


def _run_batch(
    batch: CaseBatch,
    procedure: Procedure,
    chunk: list[int],
    step: Step,
    skipped: dict[int, Exception],
) -> tuple[StepReport, Procedure, dict[int, Exception]]:
    """The step on each case of the batch not `skipped`, in memory; the cases it failed on."""
    inside = Procedure(batch.uow, procedure.settings, procedure.today)
    inside._calendar = procedure.calendar  # loaded once for every batch
    done = StepReport()
    errors: dict[int, Exception] = {}
    for case_id in chunk:
        if case_id in skipped:
            continue
        kept = len(inside.letters)
        try:
            done.merge(step(inside, case_id))
        except NOT_THE_CASE:
            raise
        except Exception as error:  # one bad record stops nothing (issue 15)
            batch.discard(case_id)
            del inside.letters[kept:]
            errors[case_id] = error
    return done, inside, errors
