"""Merging two open cases of the same child: one is kept, the duplicate closes pointing to it.

The kept case takes the duplicate's notifications (so every referrer is told at closure, and a
re-sent notification finds the kept case), its notes and its risk flags (a merge never drops a
concern). The duplicate's letters, database checks and history stay on it, as evidence under
its own reference, and each case page links to the other. The duplicate closes as not CME with
no closure letters (the family's case goes on), its queued letters are cancelled and its
waiting decisions withdrawn. A merge is recorded in both histories with who and why.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from missing_education.clock import now
from missing_education.domain import Case, Outcome, case_reference
from missing_education.domain.letter import Delivery
from missing_education.domain.workspace import CaseMerge
from missing_education.ports import DecisionRuns, UnitOfWork
from missing_education.services.corrections import CorrectionRefused, note_in_history, who_and_why
from missing_education.services.decisions import NO_DECISION_RUNS
from missing_education.services.locks import lock_cases
from missing_education.services.safeguarding import merge_flags


class MergeRefused(CorrectionRefused):
    """The two cases cannot be merged; the message says why and what to do instead."""


def merge_cases(
    uow: UnitOfWork,
    keep_id: int,
    duplicate_id: int,
    *,
    by: str,
    reason: str,
    today: date,
    runs: DecisionRuns = NO_DECISION_RUNS,
) -> dict[str, Any]:
    """Merge the duplicate case into the kept one (guarded); merging again changes nothing."""
    by, reason = who_and_why(by, reason)
    if keep_id == duplicate_id:
        raise MergeRefused("a case cannot be merged into itself: give two different cases")
    with uow:
        lock_cases(uow, [keep_id, duplicate_id])
        keep, duplicate = uow.cases.get(keep_id), uow.cases.get(duplicate_id)
        done = next(
            (m for m in uow.workspace.merges(duplicate_id) if m.duplicate_id == duplicate_id), None
        )
        if done is not None:
            if done.kept_id != keep_id:
                raise MergeRefused(
                    f"{duplicate.reference} was merged into {case_reference(done.kept_id)} already"
                )
            return _result(keep, duplicate, {}, 0, already=True)
        _check_mergeable(uow, keep, duplicate)
        withdrawn = [d for d in uow.decisions.for_case(duplicate_id) if d.is_open]
        moved = uow.workspace.move_to_case(duplicate_id, keep_id)
        cancelled = _cancel_queued_letters(uow, duplicate_id)
        at = now()
        before = keep.vulnerabilities
        merge_flags(keep, duplicate.vulnerabilities)  # as a linked notification adds its flags
        keep.safeguarding = keep.safeguarding or duplicate.safeguarding
        gained = [f for f in keep.vulnerabilities if f not in before]
        # Not Procedure.close: closure letters would tell the family and school the work ended.
        duplicate.close(
            Outcome.NOT_CME,
            on=today,
            at=at,
            who=by,
            why=f"duplicate of {keep.reference}, merged into it: {reason}",
        )
        for deadline in uow.deadlines.for_case(duplicate_id):
            if deadline.is_open:
                uow.deadlines.meet(duplicate_id, deadline.step, today)
        uow.cases.save(duplicate)
        what = f"{moved.get('notifications', 0)} notifications and {moved.get('notes', 0)} notes"
        note_in_history(
            keep,
            by,
            f"{duplicate.reference} merged into this case ({what} moved here"
            + (f"; risk flags added: {', '.join(gained)}" if gained else "")
            + f"; its letters, checks and history stay on {duplicate.reference}): {reason}",
            at=at,
        )
        uow.cases.save(keep)
        uow.workspace.add_merge(CaseMerge(duplicate_id, keep_id, by, at))
        uow.commit()
    # After the commit: the duplicate's decisions no longer wait, so neither do their runs.
    finished = [d.flow_run_id for d in withdrawn if d.flow_run_id]
    if finished:
        runs.finish(finished)
    return _result(keep, duplicate, moved, cancelled, already=False)


def _check_mergeable(uow: UnitOfWork, keep: Case, duplicate: Case) -> None:
    if not keep.is_open:
        raise MergeRefused(
            f"{keep.reference} is closed: keep an open case (reopen it first if it is the one)"
        )
    if not duplicate.is_open:
        raise MergeRefused(f"{duplicate.reference} is closed already: there is nothing to merge")
    different = not_the_same_child(keep, duplicate)
    if different:
        raise MergeRefused(
            f"{keep.reference} and {duplicate.reference} do not look like the same child "
            f"({different}); if one was mistyped, correct it first (cme case correct)"
        )
    keep_waiting = {d.kind for d in uow.decisions.for_case(keep.id) if d.is_open}
    extra = sorted(
        {d.kind for d in uow.decisions.for_case(duplicate.id) if d.is_open} - keep_waiting
    )
    if extra:
        raise MergeRefused(
            f"{duplicate.reference} waits for a decision {keep.reference} does not "
            f"({', '.join(extra)}): answer it first, or keep {duplicate.reference} instead"
        )


def not_the_same_child(one: Case, other: Case) -> str:
    """Why two cases cannot be the same child ("" when they plausibly are).

    A matching UPN is enough and different UPNs are too many; otherwise the date of birth
    must agree (or have its day and month swapped, a common typing slip) and so must the
    forename or the surname. A date of birth not known on either case is no evidence either way.
    """
    a, b = one.child, other.child
    if a.upn and b.upn:
        return "" if a.upn == b.upn else "different UPNs"
    if a.date_of_birth is None or b.date_of_birth is None:
        born = True
    else:
        born = a.date_of_birth in (b.date_of_birth, _swapped(b.date_of_birth))
    if not born:
        return "different dates of birth"
    if _name(a.forename) != _name(b.forename) and _name(a.surname) != _name(b.surname):
        return "different forename and surname"
    return ""


def _swapped(day: date) -> date | None:
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


def _name(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.casefold())


def _cancel_queued_letters(uow: UnitOfWork, case_id: int) -> int:
    # A queued letter of the duplicate would repeat one the kept case sends: never post it.
    cancelled = 0
    for letter in uow.letters.for_case(case_id):
        if letter.status is Delivery.QUEUED and letter.print_batch_id is None:
            cancelled += uow.letters.claim(letter.id, Delivery.QUEUED, Delivery.CANCELLED)
    return cancelled


def _result(
    keep: Case, duplicate: Case, moved: dict[str, int], cancelled: int, *, already: bool
) -> dict[str, Any]:
    return {
        "kept": keep.reference,
        "duplicate": duplicate.reference,
        "already_merged": already,
        "moved": moved,
        "letters_cancelled": cancelled,
    }
