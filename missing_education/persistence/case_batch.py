"""Cases in batches: claimed (the sweep) or named (intake), read in bulk, written in bulk.

`claim_batch` takes the next cases from the sweep's list of cases with an overdue step (read
once), locks them (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two sweepers split the cases
instead of waiting) and claims their overdue deadlines with one `UPDATE ... RETURNING`: the
case before its deadline, as every step locks them. It then loads the batch's cases and
histories with one query each, and its deadlines, letters, decisions, visits and notifications
with one query per table when a step first needs that table. The batch's repositories answer
the procedure from memory and stage its writes per case; `discard` drops what one case staged
(a step that failed on it), and `flush` writes the rest with one statement per table, in the
caller's transaction (a case's row only if it changed). `load` makes the same kind of batch
from cases named by id (intake's triage and acknowledgements), locked in id order.
"""

from __future__ import annotations

import bisect
import weakref
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from functools import partial
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    exists,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from missing_education.domain import Case, HistoryEntry, Status
from missing_education.domain.check import SourceInfo
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.decision import DecisionRequest
from missing_education.domain.directory import HomeVisit, School
from missing_education.domain.letter import Channel, Delivery, LetterRecord
from missing_education.persistence.bulk import insert_rows
from missing_education.persistence.columns import StoredRow
from missing_education.persistence.columns import aware as _aware
from missing_education.persistence.deadline_repository import _deadline_from_row
from missing_education.persistence.decision_repository import _decision
from missing_education.persistence.letter_repository import _LETTER_COLUMNS, _letter
from missing_education.persistence.notification_repository import (
    NOTIFICATION_RECORD_COLUMNS,
    notification_record,
)
from missing_education.persistence.repository import _SAVE, SqlCaseRepository, saved_values
from missing_education.persistence.tables import (
    case_history,
    cases,
    deadlines,
    decisions,
    home_visits,
    letters,
    notifications,
)
from missing_education.ports import CaseBatch, NotificationRecord, UnitOfWork

T = TypeVar("T")
_BY_DUE = (deadlines.c.due, deadlines.c.id)
_BY_ROUND = (home_visits.c.case_id, home_visits.c.round)

_OPEN = and_(deadlines.c.met_on.is_(None), deadlines.c.acted_on.is_(None))
_MEET = (
    update(deadlines)
    .where(
        deadlines.c.case_id == bindparam("d_case_id"),
        deadlines.c.step == bindparam("d_step"),
        deadlines.c.round == bindparam("d_round"),
        _OPEN,
    )
    .values(met_on=bindparam("d_met_on"))
)
_RELEASE = (
    update(deadlines)
    .where(
        deadlines.c.case_id == bindparam("d_case_id"),
        deadlines.c.step == bindparam("d_step"),
        deadlines.c.round == bindparam("d_round"),
    )
    .values(acted_on=None)
)


def _among(connection: Connection, column: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """`column IN ids`: on PostgreSQL one array parameter (`= ANY`), not one per id."""
    if connection.dialect.name == "postgresql":
        array = bindparam(None, list(ids), type_=postgresql.ARRAY(Integer))
        return cast(ColumnElement[bool], column == any_(array))
    return cast(ColumnElement[bool], column.in_(list(ids)))


def _key(deadline: Deadline) -> tuple[int, str, int]:
    return (deadline.case_id, deadline.step.value, deadline.round)


def _rows(
    connection: Connection, query: Select[Any], key: Any, ids: Sequence[int], *order: Any
) -> list[dict[str, Any]]:
    """The rows of `query` whose `key` is among `ids`, as plain dicts (quicker than RowMapping)."""
    result = connection.execute(query.where(_among(connection, key, ids)).order_by(*order))
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def _visit(row: StoredRow) -> HomeVisit:
    return HomeVisit(**{k: v for k, v in row.items() if k != "id"})


class _PerCase(Generic[T]):
    """A table's rows for the batch's cases: read with one query when a step first needs the
    table (a batch whose steps never ask reads nothing), made into records case by case.

    Indexing gives the case's list itself (the batch appends to it, as a defaultdict did).
    """

    def __init__(
        self, read: Callable[[], list[dict[str, Any]]], make: Callable[[StoredRow], T]
    ) -> None:
        self._read: Callable[[], list[dict[str, Any]]] | None = read
        self._rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self._made: dict[int, list[T]] = {}
        self._make = make

    def __getitem__(self, case_id: int) -> list[T]:
        made = self._made.get(case_id)
        if made is None:
            if self._read is not None:
                for row in self._read():
                    self._rows[row["case_id"]].append(row)
                self._read = None
            # A row that cannot be read fails the step of its own case, each time it is asked.
            made = self._made[case_id] = [self._make(r) for r in self._rows.get(case_id, ())]
            self._rows.pop(case_id, None)
        return made


class SqlCaseBatches:
    """Claims the next batch of overdue cases for a sweep (see the module docstring)."""

    def __init__(self, connection: Connection, uow: UnitOfWork) -> None:
        self.connection = connection
        self.uow = uow
        self._schools: dict[str, School | None] = {}  # kept across the sweep's batches
        self._overdue: list[int] = []  # the cases with a step overdue, listed once a sweep
        self._overdue_on: date | None = None

    def claim_batch(self, today: date, *, after_case_id: int, limit: int) -> CaseBatch | None:
        """Lock up to `limit` cases after `after_case_id` with a step overdue; claim those steps."""
        after = after_case_id
        while True:
            candidates = self._overdue_after(today, after, limit)
            if not candidates:
                return None
            # Still overdue once locked: another sweeper may have acted on them meanwhile.
            query = (
                select(cases.c.id)
                .where(
                    _among(self.connection, cases.c.id, candidates),
                    exists().where(
                        deadlines.c.case_id == cases.c.id, _OPEN, deadlines.c.due < today
                    ),
                )
                .order_by(cases.c.id)
            )
            if self.connection.dialect.name == "postgresql":
                # Another sweeper's cases are skipped, not waited for: two sweepers split the work.
                query = query.with_for_update(skip_locked=True, of=cases)
            case_ids = list(self.connection.execute(query).scalars())
            after = candidates[-1]
            if case_ids:
                break
        claimed = self.connection.execute(
            update(deadlines)
            .where(
                _among(self.connection, deadlines.c.case_id, case_ids),
                _OPEN,
                deadlines.c.due < today,
            )
            .values(acted_on=today)
            .returning(*deadlines.c)
        )
        names = list(claimed.keys())
        steps = sorted(
            (
                _deadline_from_row(dict(zip(names, row, strict=True), acted_on=None))
                for row in claimed
            ),
            key=lambda d: (d.due, d.case_id),
        )
        return SqlCaseBatch(self, case_ids, steps, last_case_id=after)

    def _overdue_after(self, today: date, after: int, limit: int) -> list[int]:
        """The next `limit` cases after `after` with a step overdue, from one list per sweep.

        Listing them once (by the open deadlines' index) is what keeps a batch's cost flat: asking
        for "the next 200 after" each time walks the deadlines from the start. A case acted on
        since is left out when the batch is locked; at the list's end the database is asked again.
        """
        if self._overdue_on != today or after == 0:
            self._overdue, self._overdue_on = [], today  # a new sweep lists them afresh
        start = bisect.bisect_right(self._overdue, after)
        if start >= len(self._overdue):
            self._overdue = list(
                self.connection.execute(
                    select(deadlines.c.case_id)
                    .where(_OPEN, deadlines.c.due < today, deadlines.c.case_id > after)
                    .distinct()
                    .order_by(deadlines.c.case_id)
                ).scalars()
            )
            start = 0
        return self._overdue[start : start + limit]

    def load(self, case_ids: Sequence[int]) -> CaseBatch:
        """Lock these cases (in id order) and read their records: a batch with nothing claimed."""
        ids = sorted(set(case_ids))
        if self.connection.dialect.name == "postgresql" and ids:
            # Two runs naming the same cases take turns, as lock_cases makes them.
            self.connection.execute(
                select(cases.c.id)
                .where(_among(self.connection, cases.c.id, ids))
                .order_by(cases.c.id)
                .with_for_update()
            ).all()
        return SqlCaseBatch(self, ids, [])


class SqlCaseBatch:
    """One batch's records in memory, its writes staged per case until `flush`."""

    def __init__(
        self,
        claims: SqlCaseBatches,
        case_ids: list[int],
        claimed: list[Deadline],
        *,
        last_case_id: int | None = None,
    ):
        self.connection = claims.connection
        self.real = claims.uow
        self.case_ids = case_ids
        # Where the next batch starts: past cases another sweeper holds, too.
        self.last_case_id = max(case_ids, default=0) if last_case_id is None else last_case_id
        # What was claimed, oldest due first (another sweeper may have claimed a case's steps
        # between the lock and the claim: such a case has none here and is left alone).
        self.claimed = claimed
        ids = case_ids
        connection = self.connection
        # Cases whose row cannot even be read (a value another tool wrote wrongly), and why:
        # the sweep flags them and acts on the others.
        self.unreadable: dict[int, Exception] = {}
        self._cases: dict[int, Case] = {}
        try:
            self._cases = {
                row["id"]: SqlCaseRepository._case_from_row(row)
                for row in _rows(connection, select(cases), cases.c.id, ids)
            }
        except (ValueError, TypeError, KeyError, OverflowError):
            for case_id in ids:  # one by one, to find the row that cannot be read
                try:
                    one = connection.execute(select(cases).where(cases.c.id == case_id))
                    self._cases[case_id] = SqlCaseRepository._case_from_row(one.mappings().one())
                except (ValueError, TypeError, KeyError, OverflowError) as error:
                    self.unreadable[case_id] = error
        self._as_read = {case.id: saved_values(case) for case in self._cases.values()}
        for h in _rows(
            connection, select(case_history), case_history.c.case_id, ids, case_history.c.id
        ):
            if h["case_id"] not in self._cases:
                continue
            self._cases[h["case_id"]].history.append(
                HistoryEntry(
                    at=_aware(h["at"]),
                    who=h["who"],
                    from_status=Status(h["from_status"]) if h["from_status"] else None,
                    to_status=Status(h["to_status"]),
                    why=h["why"],
                )
            )
        # Each case's other records are made from their rows when a step first asks for them.
        self._deadlines = _PerCase(
            partial(_rows, connection, select(deadlines), deadlines.c.case_id, ids, *_BY_DUE),
            _deadline_from_row,
        )
        self._letters = _PerCase(
            partial(
                _rows, connection, select(*_LETTER_COLUMNS), letters.c.case_id, ids, letters.c.id
            ),
            _letter,
        )
        self._decisions = _PerCase(
            partial(_rows, connection, select(decisions), decisions.c.case_id, ids, decisions.c.id),
            _decision,
        )
        self._visits = _PerCase(
            partial(_rows, connection, select(home_visits), home_visits.c.case_id, ids, *_BY_ROUND),
            _visit,
        )
        self._notifications = _PerCase(
            partial(
                _rows,
                connection,
                select(*NOTIFICATION_RECORD_COLUMNS),
                notifications.c.case_id,
                ids,
                notifications.c.id,
            ),
            notification_record,
        )
        self._schools = claims._schools
        self._sources: list[SourceInfo] | None = None
        # Staged writes, per case.
        self._saved: dict[int, Case] = {}
        self._history: dict[int, list[HistoryEntry]] = defaultdict(list)
        self._new_deadlines: dict[tuple[int, str, int], Deadline] = {}
        self._met: dict[tuple[int, str, int], date] = {}
        self._new_letters: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self._new_decisions: dict[int, list[DecisionRequest]] = defaultdict(list)
        self._discarded: set[int] = set()
        # Duck-typed: the batch's repositories, and the real ones for everything else.
        self.uow = cast(UnitOfWork, _BatchView(self))

    def holds(self, case_id: int) -> bool:
        """Whether the case is one of this batch's (its records are in memory)."""
        return case_id in self._cases or case_id in self.unreadable

    def discard(self, case_id: int) -> None:
        """Drop everything the case's step staged; its claims are released at flush."""
        self._discarded.add(case_id)
        self._saved.pop(case_id, None)
        self._history.pop(case_id, None)
        self._new_letters.pop(case_id, None)
        self._new_decisions.pop(case_id, None)
        for key in [k for k in self._new_deadlines if k[0] == case_id]:
            del self._new_deadlines[key]
        for key in [k for k in self._met if k[0] == case_id]:
            del self._met[key]

    def flush(self) -> None:
        """Write every staged change with one statement per table; release discarded claims."""
        run = self.connection.execute
        # Only a case whose row changes is written: most steps add a letter or a deadline and
        # history, and on PostgreSQL every rewritten row costs an entry in each of its indexes.
        changed = [
            values
            for case in self._saved.values()
            if (values := saved_values(case)) != self._as_read.get(case.id)
        ]
        if changed:
            run(_SAVE, changed)
        history = [
            {
                "case_id": case_id,
                "at": entry.at,
                "who": entry.who,
                "from_status": entry.from_status.value if entry.from_status else None,
                "to_status": entry.to_status.value,
                "why": entry.why,
            }
            for case_id, entries in self._history.items()
            for entry in entries
        ]
        insert_rows(self.connection, case_history, history)
        if self._new_deadlines:
            run(
                self._insert(deadlines),
                [
                    {
                        "case_id": d.case_id,
                        "step": d.step.value,
                        "round": d.round,
                        "base_date": d.base_date,
                        "school_days": d.school_days,
                        "calendar_days": d.calendar_days,
                        "school_urn": d.school_urn,
                        "due": d.due,
                        "met_on": d.met_on,
                        "acted_on": d.acted_on,
                    }
                    for d in self._new_deadlines.values()
                ],
            )
        if self._met:
            run(
                _MEET,
                [
                    {"d_case_id": c, "d_step": s, "d_round": r, "d_met_on": on}
                    for (c, s, r), on in self._met.items()
                ],
            )
        new_letters = [values for rows in self._new_letters.values() for values in rows]
        insert_rows(self.connection, letters, new_letters)
        new_decisions = [d for rows in self._new_decisions.values() for d in rows]
        if new_decisions:
            run(
                self._insert(decisions),
                [
                    {
                        "case_id": d.case_id,
                        "kind": d.kind,
                        "round": d.round,
                        "requested_on": d.requested_on,
                        "details": "{}",
                    }
                    for d in new_decisions
                ],
            )
        released = [d for d in self.claimed if d.case_id in self._discarded]
        if released:
            run(
                _RELEASE,
                [
                    {"d_case_id": d.case_id, "d_step": d.step.value, "d_round": d.round}
                    for d in released
                ],
            )

    def _insert(self, table: Any) -> Any:
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        return dialect.insert(table).on_conflict_do_nothing()

    # -- what the batch's repositories call -----------------------------------------------

    def save_case(self, case: Case) -> None:
        self._saved[case.id] = case
        self._history[case.id].extend(case.new_history)
        case.new_history.clear()

    def add_deadline(self, deadline: Deadline) -> bool:
        found = self._deadlines[deadline.case_id]
        if any(_key(d) == _key(deadline) for d in found):
            return False
        found.append(deadline)
        found.sort(key=lambda d: d.due)
        self._new_deadlines[_key(deadline)] = deadline
        return True

    def meet(self, case_id: int, step: Step, on: date) -> None:
        found = self._deadlines[case_id]
        for index, deadline in enumerate(found):
            if deadline.step is step and deadline.is_open:
                met = replace(deadline, met_on=on)
                found[index] = met
                if _key(met) in self._new_deadlines:
                    self._new_deadlines[_key(met)] = met
                else:
                    self._met[_key(met)] = on

    def add_letter(self, values: dict[str, Any]) -> LetterRecord:
        self._new_letters[values["case_id"]].append(values)
        # Its id is given when the batch is written; nothing in a sweep step reads it.
        record = LetterRecord(
            id=0,
            case_id=values["case_id"],
            step_key=values["step_key"],
            letter_type=values["letter_type"],
            recipient_role=values["recipient_role"],
            recipient=values["recipient"],
            recipient_email=values["recipient_email"],
            channel=Channel(values["channel"]),
            template_version=values["template_version"],
            sha256=values["sha256"],
            pages=values["pages"],
            path=values["path"],
            created_at=values["created_at"],
            status=Delivery(values["status"]),
            replaces_letter_id=values.get("replaces_letter_id"),
        )
        self._letters[record.case_id].append(record)
        return record

    def request_decision(self, case_id: int, kind: str, requested_on: date) -> DecisionRequest:
        found = self._decisions[case_id]
        waiting = next((d for d in found if d.kind == kind and d.is_open), None)
        if waiting is not None:
            return waiting
        last = max((d.round for d in found if d.kind == kind), default=0)
        made = DecisionRequest(
            case_id=case_id, kind=kind, round=last + 1, requested_on=requested_on
        )
        found.append(made)
        self._new_decisions[case_id].append(made)
        return made


class _Delegate:
    """A repository of the batch: what it does not answer from memory goes to the real one."""

    def __init__(self, batch: SqlCaseBatch, real: Any) -> None:
        # Weak: the batch holds its view (batch.uow), so a strong reference back would make a
        # cycle, and a finished batch's records would wait for the garbage collector to go.
        self.batch: SqlCaseBatch = cast(SqlCaseBatch, weakref.proxy(batch))
        self.real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class _Cases(_Delegate):
    def get(self, case_id: int, *, lock: bool = False) -> Case:
        if case_id in self.batch.unreadable:
            raise self.batch.unreadable[case_id]
        if self.batch.holds(case_id):
            return self.batch._cases[case_id]  # locked when the batch was claimed
        return self.real.get(case_id, lock=lock)  # type: ignore[no-any-return]

    def save(self, case: Case) -> None:
        if self.batch.holds(case.id):
            self.batch.save_case(case)
        else:
            self.real.save(case)


class _Deadlines(_Delegate):
    def add(self, deadline: Deadline) -> bool:
        if self.batch.holds(deadline.case_id):
            return self.batch.add_deadline(deadline)
        return self.real.add(deadline)  # type: ignore[no-any-return]

    def add_new(self, deadline: Deadline) -> None:
        self.add(deadline)

    def for_case(self, case_id: int) -> list[Deadline]:
        if self.batch.holds(case_id):
            return list(self.batch._deadlines[case_id])
        return self.real.for_case(case_id)  # type: ignore[no-any-return]

    def meet(self, case_id: int, step: Step, on: date) -> None:
        if self.batch.holds(case_id):
            self.batch.meet(case_id, step, on)
        else:
            self.real.meet(case_id, step, on)


class _Letters(_Delegate):
    def find(self, case_id: int, step_key: str) -> LetterRecord | None:
        if self.batch.holds(case_id):
            return next((x for x in self.batch._letters[case_id] if x.step_key == step_key), None)
        return self.real.find(case_id, step_key)  # type: ignore[no-any-return]

    def add(self, values: dict[str, Any]) -> LetterRecord:
        if self.batch.holds(values["case_id"]):
            return self.batch.add_letter(values)
        return self.real.add(values)  # type: ignore[no-any-return]

    def for_case(self, case_id: int) -> list[LetterRecord]:
        if self.batch.holds(case_id):
            return list(self.batch._letters[case_id])
        return self.real.for_case(case_id)  # type: ignore[no-any-return]


class _Decisions(_Delegate):
    def request(self, case_id: int, kind: str, requested_on: date) -> DecisionRequest:
        if self.batch.holds(case_id):
            return self.batch.request_decision(case_id, kind, requested_on)
        return self.real.request(case_id, kind, requested_on)  # type: ignore[no-any-return]

    def open_for(self, case_id: int, kind: str) -> DecisionRequest | None:
        if self.batch.holds(case_id):
            found = self.batch._decisions[case_id]
            return next((d for d in found if d.kind == kind and d.is_open), None)
        return self.real.open_for(case_id, kind)  # type: ignore[no-any-return]

    def for_case(self, case_id: int) -> list[DecisionRequest]:
        if self.batch.holds(case_id):
            return list(self.batch._decisions[case_id])
        return self.real.for_case(case_id)  # type: ignore[no-any-return]


class _Directory(_Delegate):
    def school(self, urn: str) -> School | None:
        schools = self.batch._schools
        if urn not in schools:
            schools[urn] = self.real.school(urn)
        return schools[urn]

    def visits(self, case_id: int | None = None, *, unassigned: bool = False) -> list[HomeVisit]:
        if case_id is not None and not unassigned and self.batch.holds(case_id):
            return list(self.batch._visits[case_id])
        return self.real.visits(case_id, unassigned=unassigned)  # type: ignore[no-any-return]


class _Notifications(_Delegate):
    def for_case(self, case_id: int) -> list[NotificationRecord]:
        if self.batch.holds(case_id):
            return list(self.batch._notifications[case_id])
        return self.real.for_case(case_id)  # type: ignore[no-any-return]


class _Sources(_Delegate):
    def all(self) -> list[SourceInfo]:
        # Every monthly review searches the loaded sources: listed once per batch, not per case.
        if self.batch._sources is None:
            self.batch._sources = self.real.all()
        return list(self.batch._sources)


class _BatchView:
    """The unit of work a sweep step sees inside a batch: the batch's repositories first."""

    def __init__(self, batch: SqlCaseBatch) -> None:
        real = batch.real
        self.cases = _Cases(batch, real.cases)
        self.deadlines = _Deadlines(batch, real.deadlines)
        self.letters = _Letters(batch, real.letters)
        self.decisions = _Decisions(batch, real.decisions)
        self.directory = _Directory(batch, real.directory)
        self.notifications = _Notifications(batch, real.notifications)
        self.sources = _Sources(batch, real.sources)
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)  # calendar, attention, documents, ...

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        raise RuntimeError("a sweep batch is written as a whole (SqlCaseBatch.flush)")

    def rollback(self) -> None:
        raise RuntimeError("a sweep batch drops one case's work with discard(case_id)")
