"""Row locks that make two processes working on the same case take turns.

A process locks the cases it works on (in id order, so two never wait for each other) until
its transaction ends; the other waits, then reads what the first committed and finds the work
done. On SQLite, which lets one writer in at a time, the lock is the database's own.
"""

from __future__ import annotations

from collections.abc import Iterable

from missing_education.ports import UnitOfWork


def lock_cases(uow: UnitOfWork, case_ids: Iterable[int]) -> list[int]:
    """Lock each case until the transaction ends; returns the ids in the order locked."""
    ordered = sorted(set(case_ids))
    for case_id in ordered:
        uow.cases.get(case_id, lock=True)
    return ordered
