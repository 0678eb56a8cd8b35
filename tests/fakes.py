"""In-memory repositories and unit of work, so service tests run without a database.

They keep the promises of `missing_education.ports` the way the SQL adapters do: work is
visible inside the transaction at once, `commit` makes it permanent, and leaving the `with`
block (or `rollback`) throws away whatever was not committed.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

import pandas as pd

from missing_education.domain import (
    OPEN_STATUSES,
    Case,
    CaseNotFound,
    Child,
    DomainError,
    HistoryEntry,
    Notification,
    Status,
)
from missing_education.domain.attention import (
    DATE_OF_BIRTH,
    REASON_LIMIT,
    Attention,
    date_of_birth_not_known,
)
from missing_education.domain.check import DatabaseCheck, SourceInfo
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.decision import DecisionRequest
from missing_education.domain.directory import HomeVisit, Officer, School
from missing_education.domain.letter import Channel, Delivery, LetterRecord, PrintBatch
from missing_education.domain.workspace import CaseNote, RecordAccess, Role, User, WebSession
from missing_education.ports import (
    AttentionRepository,
    CalendarRepository,
    CaseBatches,
    CaseRepository,
    CaseSummary,
    DeadlineRepository,
    DecisionRepository,
    DirectoryRepository,
    LetterRepository,
    LetterStore,
    NewCase,
    NotificationRecord,
    NotificationRepository,
    QueuedDecision,
    QueuedLetter,
    SourceRepository,
    TypesetLetter,
    UnitOfWork,
    WriteConflict,
)
from missing_education.rules.calendar import CalendarPeriod
from missing_education.rules.school_age import SchoolAge, compulsory_school_age


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _identity(forename: str, surname: str, date_of_birth: date | None) -> object:
    if date_of_birth is None:
        return object()  # a name without a birthday identifies nobody: equal to nothing
    return (_fold(forename), _fold(surname), date_of_birth)


@dataclass
class FakeStore:
    """The whole "database": what the tests inspect to see what was written."""

    cases: dict[int, Case] = field(default_factory=dict)
    notifications: list[tuple[str, NotificationRecord]] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    calendar: list[CalendarPeriod] = field(default_factory=list)
    letters: dict[int, LetterRecord] = field(default_factory=dict)
    letter_contexts: dict[int, str] = field(default_factory=dict)
    documents: dict[int, bytes] = field(default_factory=dict)
    print_batches: dict[int, PrintBatch] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    officers: dict[int, Officer] = field(default_factory=dict)
    visits: list[HomeVisit] = field(default_factory=list)
    decisions: list[DecisionRequest] = field(default_factory=list)
    attention: dict[int, Attention] = field(default_factory=dict)
    next_case_id: int = 1
    # The case workspace's own records.
    users: list[User] = field(default_factory=list)
    # cookie digest: (user id, CSRF token, expires, signed in at)
    web_sessions: dict[str, tuple[int, str, datetime, datetime]] = field(default_factory=dict)
    login_failures: list[tuple[str, datetime]] = field(default_factory=list)
    accesses: list[RecordAccess] = field(default_factory=list)
    case_notes: list[CaseNote] = field(default_factory=list)
    # Council data sources and the checks made against them.
    sources: dict[str, tuple[SourceInfo, pd.DataFrame]] = field(default_factory=dict)
    checks: list[DatabaseCheck] = field(default_factory=list)


class FakeCaseRepository:
    """Cases kept as copies, so a change counts only once it is saved."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def add(
        self,
        notification: Notification,
        *,
        status: Status,
        opened_on: date,
        history: Sequence[HistoryEntry] = (),
        school_age: SchoolAge | None = None,
    ) -> Case:
        n = notification
        if status is not Status.CLOSED:
            # As the database's partial unique indexes: one open case per child.
            wanted = _identity(n.forename, n.surname, n.date_of_birth)
            for other in self.store.cases.values():
                c = other.child
                same = _identity(c.forename, c.surname, c.date_of_birth) == wanted or (
                    n.upn and c.upn == n.upn
                )
                if other.is_open and same:
                    raise WriteConflict("unique index: the child already has an open case")
        if school_age is None and n.date_of_birth is not None:
            school_age = compulsory_school_age(n.date_of_birth)
        case = Case(
            id=self.store.next_case_id,
            status=status,
            child=Child(
                forename=n.forename,
                surname=n.surname,
                date_of_birth=n.date_of_birth,
                sex=n.sex,
                upn=n.upn,
                address_line1=n.address_line1,
                address_line2=n.address_line2,
                town=n.town,
                postcode=n.postcode,
            ),
            opened_on=opened_on,
            referral_date=n.referral_date,
            school_urn=n.school_urn,
            school_name=n.school_name,
            parent_name=n.parent_name,
            csa_ends=school_age.ends if school_age else None,
            date_last_attended=n.date_last_attended,
            reason=n.reason,
            vulnerabilities=n.vulnerabilities,
            safeguarding=n.safeguarding,
            csa_needs_review=school_age.needs_review if school_age else False,
        )
        case.history = list(history)
        self.store.next_case_id += 1
        self.store.cases[case.id] = copy.deepcopy(case)
        return case

    def get(self, case_id: int, *, lock: bool = False) -> Case:
        # One process, one transaction at a time: there is nobody to wait for.
        if case_id not in self.store.cases:
            raise CaseNotFound(case_id)
        return copy.deepcopy(self.store.cases[case_id])

    def save(self, case: Case) -> None:
        stored = self.store.cases[case.id]
        moved_from = case.new_history[0].from_status if case.new_history else None
        if moved_from is not None and stored.status is not moved_from:
            raise WriteConflict(f"{case.reference} was moved on by another process")
        stored.status = case.status
        stored.outcome = case.outcome
        stored.closed_on = case.closed_on
        # History is appended, never rewritten: only the entries not yet saved go in.
        stored.history.extend(case.new_history)
        case.new_history.clear()

    def add_many(self, new: Sequence[NewCase]) -> list[int]:
        ids = []
        for c in new:
            case_id = self.add(
                c.notification,
                status=c.status,
                opened_on=c.opened_on,
                history=c.history,
                school_age=c.school_age,
            ).id
            self.store.cases[case_id].outcome = c.outcome
            self.store.cases[case_id].closed_on = c.closed_on
            ids.append(case_id)
        return ids

    def find_open_many(
        self, notifications: Sequence[Notification]
    ) -> list[tuple[int, bool] | None]:
        found: list[tuple[int, bool] | None] = []
        for n in notifications:
            case_id = self.find_open(n)
            by_upn = case_id is not None and bool(n.upn)
            by_upn = by_upn and self.store.cases[case_id or 0].child.upn == n.upn
            found.append(None if case_id is None else (case_id, by_upn))
        return found

    def find_open(self, notification: Notification) -> int | None:
        open_cases = [c for c in sorted(self.store.cases.values(), key=lambda c: c.id) if c.is_open]
        if notification.upn:
            for case in open_cases:
                if case.child.upn == notification.upn:
                    return case.id
        wanted = _identity(notification.forename, notification.surname, notification.date_of_birth)
        for case in open_cases:
            child = case.child
            if _identity(child.forename, child.surname, child.date_of_birth) == wanted:
                return case.id
        return None

    def summaries(self, status: Status | None = None) -> list[CaseSummary]:
        result = []
        for case in sorted(self.store.cases.values(), key=lambda c: c.id):
            if status is not None and case.status is not status:
                continue
            waiting = sorted(
                (d for d in self.store.deadlines if d.case_id == case.id and d.is_open),
                key=lambda d: d.due,
            )
            first = waiting[0] if waiting and case.is_open else None
            result.append(
                CaseSummary(
                    case_id=case.id,
                    reference=case.reference,
                    status=case.status,
                    deadline=first.due if first else None,
                    deadline_step=first.step.value if first else None,
                    opened_on=case.opened_on,
                )
            )
        return result

    def open_case_ids(self) -> list[int]:
        return sorted(c.id for c in self.store.cases.values() if c.status in OPEN_STATUSES)

    def open_past_school_age(self, on: date) -> list[int]:
        return sorted(
            c.id
            for c in self.store.cases.values()
            if c.status in OPEN_STATUSES and c.csa_ends is not None and c.csa_ends < on
        )


class FakeNotificationRepository:
    """Notifications with their fingerprints; a fingerprint is stored once, as in the table."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def cases_for(self, fingerprints: Sequence[str]) -> dict[str, int]:
        wanted = set(fingerprints)
        return {known: r.case_id for known, r in self.store.notifications if known in wanted}

    def add(
        self, case_id: int, notification: Notification, *, source: str, row: int, disposition: str
    ) -> None:
        if any(known == notification.fingerprint for known, _ in self.store.notifications):
            raise WriteConflict("unique constraint: notification fingerprint already stored")
        record = NotificationRecord(
            id=len(self.store.notifications) + 1,
            case_id=case_id,
            source=source,
            row_number=row,
            referral_date=notification.referral_date,
            referrer_organisation=notification.referrer_organisation,
            referrer_name=notification.referrer_name,
            referrer_email=notification.referrer_email,
            disposition=disposition,
            vulnerabilities=notification.vulnerabilities,
        )
        self.store.notifications.append((notification.fingerprint, record))

    def add_many(self, rows: Sequence[tuple[int, Notification, int, str]], *, source: str) -> None:
        for case_id, notification, row, disposition in rows:
            self.add(case_id, notification, source=source, row=row, disposition=disposition)

    def for_case(self, case_id: int) -> list[NotificationRecord]:
        return [record for _, record in self.store.notifications if record.case_id == case_id]


class FakeDeadlineRepository:
    """Deadlines, one per case, step and round."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def _index(self, case_id: int, step: Step, round: int) -> int | None:
        for index, d in enumerate(self.store.deadlines):
            if (d.case_id, d.step, d.round) == (case_id, step, round):
                return index
        return None

    def add(self, deadline: Deadline) -> bool:
        if self._index(deadline.case_id, deadline.step, deadline.round) is not None:
            return False
        self.store.deadlines.append(deadline)
        return True

    def add_new_many(self, deadlines: Sequence[Deadline]) -> None:
        for deadline in deadlines:
            self.add_new(deadline)

    def add_new(self, deadline: Deadline) -> None:
        if self._index(deadline.case_id, deadline.step, deadline.round) is not None:
            raise WriteConflict("unique constraint: the new case already has this deadline")
        self.store.deadlines.append(deadline)

    def for_case(self, case_id: int) -> list[Deadline]:
        return sorted(
            (d for d in self.store.deadlines if d.case_id == case_id), key=lambda d: d.due
        )

    def open(self) -> list[Deadline]:
        return [d for d in self.store.deadlines if d.is_open]

    def update_due(self, deadline: Deadline, due: date) -> None:
        index = self._index(deadline.case_id, deadline.step, deadline.round)
        if index is not None:
            self.store.deadlines[index] = replace(self.store.deadlines[index], due=due)

    def claim(self, deadline: Deadline, on: date) -> bool:
        index = self._index(deadline.case_id, deadline.step, deadline.round)
        if index is None or not self.store.deadlines[index].is_open:
            return False
        self.store.deadlines[index] = replace(self.store.deadlines[index], acted_on=on)
        return True

    def meet(self, case_id: int, step: Step, on: date) -> None:
        self.store.deadlines = [
            replace(d, met_on=on) if d.case_id == case_id and d.step is step and d.is_open else d
            for d in self.store.deadlines
        ]


class FakeCalendarRepository:
    """Term and closure periods of the council (school_urn None) and the schools."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def periods(self) -> list[CalendarPeriod]:
        return sorted(self.store.calendar, key=lambda p: (p.school_urn or "", p.start_date))

    def replace(self, school_urns: Iterable[str], periods: Sequence[CalendarPeriod]) -> None:
        urns = set(school_urns)
        kept = [p for p in self.store.calendar if (p.school_urn or "") not in urns]
        self.store.calendar = kept + list(periods)


class FakeLetterRepository:
    """Letters (one per case and step, as the table's unique constraint says) and print batches."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def find(self, case_id: int, step_key: str) -> LetterRecord | None:
        return next(
            (
                x
                for x in self.store.letters.values()
                if (x.case_id, x.step_key) == (case_id, step_key)
            ),
            None,
        )

    def add(self, values: dict[str, Any]) -> LetterRecord:
        if self.find(values["case_id"], values["step_key"]) is not None:
            raise ValueError("unique constraint: a letter for this case and step exists")
        values = dict(values)
        context = values.pop("context", "{}")
        letter = LetterRecord(
            id=max(self.store.letters, default=0) + 1,
            **{
                **values,
                "channel": Channel(values["channel"]),
                "status": Delivery(values["status"]),
            },
        )
        self.store.letters[letter.id] = letter
        self.store.letter_contexts[letter.id] = context
        return letter

    def untypeset(
        self, *, limit: int, after_id: int = 0, letter_ids: Sequence[int] | None = None
    ) -> list[QueuedLetter]:
        return [
            QueuedLetter(
                id=x.id,
                case_id=x.case_id,
                letter_type=x.letter_type,
                context=self.store.letter_contexts.get(x.id, "{}"),
                template_version=x.template_version,
            )
            for _, x in sorted(self.store.letters.items())
            if not x.sha256
            and x.status is Delivery.QUEUED
            and x.id > after_id
            and (letter_ids is None or x.id in letter_ids)
        ][:limit]

    def record_typeset(
        self, letter_id: int, *, sha256: str, pages: int, template_version: str, at: datetime
    ) -> bool:
        letter = self.store.letters[letter_id]
        if letter.sha256:
            return False
        self.store.letters[letter_id] = replace(
            letter, sha256=sha256, pages=pages, template_version=template_version, typeset_at=at
        )
        self.store.letter_contexts[letter_id] = "{}"
        return True

    def record_typeset_all(self, typeset: Sequence[TypesetLetter], *, at: datetime) -> int:
        return sum(
            self.record_typeset(
                x.id, sha256=x.sha256, pages=x.pages, template_version=x.template_version, at=at
            )
            for x in typeset
        )

    def get(self, letter_id: int) -> LetterRecord:
        return self.store.letters[letter_id]

    def for_case(self, case_id: int) -> list[LetterRecord]:
        return [x for _, x in sorted(self.store.letters.items()) if x.case_id == case_id]

    def outbox(
        self,
        statuses: tuple[Delivery, ...] | None = None,
        *,
        channel: Channel | None = None,
        print_batch_id: int | None = None,
        unbatched: bool = False,
    ) -> list[LetterRecord]:
        return [
            x
            for _, x in sorted(self.store.letters.items())
            if (not statuses or x.status in statuses)
            and (channel is None or x.channel is channel)
            and (print_batch_id is None or x.print_batch_id == print_batch_id)
            and (not unbatched or x.print_batch_id is None)
        ]

    def claim(self, letter_id: int, from_status: Delivery, to_status: Delivery) -> bool:
        letter = self.store.letters[letter_id]
        if letter.status is not from_status:
            return False
        self.store.letters[letter_id] = replace(letter, status=to_status)
        return True

    def set_delivery(self, letter_id: int, **values: Any) -> None:
        if "status" in values:
            values["status"] = Delivery(values["status"])
        self.store.letters[letter_id] = replace(self.store.letters[letter_id], **values)

    def add_print_batch(self, values: dict[str, Any], letter_ids: list[int]) -> PrintBatch:
        batch = PrintBatch(
            id=max(self.store.print_batches, default=0) + 1,
            created_on=values["created_on"],
            pdf_path=values["pdf_path"],
            manifest_path=values["manifest_path"],
            letters=values["letters"],
            pages=values["pages"],
            confirmed=False,
        )
        self.store.print_batches[batch.id] = batch
        for letter_id in letter_ids:
            self.set_delivery(letter_id, print_batch_id=batch.id)
        return batch

    def print_batch(self, batch_id: int) -> PrintBatch:
        if batch_id not in self.store.print_batches:
            raise DomainError(f"no print batch with id {batch_id} (cme letters outbox lists them)")
        return self.store.print_batches[batch_id]

    def confirm_print_batch(self, batch_id: int, at: datetime) -> int:
        self.store.print_batches[batch_id] = replace(
            self.store.print_batches[batch_id], confirmed=True
        )
        posted = [
            x.id
            for x in self.store.letters.values()
            if x.print_batch_id == batch_id and x.status is Delivery.QUEUED
        ]
        for letter_id in posted:
            self.set_delivery(letter_id, status=Delivery.POSTED, sent_at=at)
        return len(posted)


class FakeLetterStore:
    """Letters' PDFs by letter id."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def put(self, letter_id: int, pdf: bytes) -> None:
        self.store.documents.setdefault(letter_id, pdf)

    def put_all(self, documents: Sequence[tuple[int, bytes]]) -> None:
        for letter_id, pdf in documents:
            self.put(letter_id, pdf)

    def read(self, letter_id: int) -> bytes | None:
        return self.store.documents.get(letter_id)

    def chunks(self, letter_id: int, size: int = 65536) -> Iterator[bytes]:
        pdf = self.store.documents.get(letter_id)
        if pdf is not None:
            yield from (pdf[i : i + size] for i in range(0, len(pdf), size))

    def delete_for_case(self, case_id: int) -> int:
        ids = [i for i, x in self.store.letters.items() if x.case_id == case_id]
        return sum(self.store.documents.pop(i, None) is not None for i in ids)


class FakeDirectoryRepository:
    """Schools, officers and home visits (one per case and round)."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def school(self, urn: str) -> School | None:
        return self.store.schools.get(urn)

    def upsert_schools(self, rows: list[School]) -> None:
        self.store.schools.update((school.urn, school) for school in rows)

    def officers(self) -> list[Officer]:
        return [officer for _, officer in sorted(self.store.officers.items())]

    def officer(self, officer_id: int) -> Officer | None:
        return self.store.officers.get(officer_id)

    def upsert_officers(self, rows: list[dict[str, Any]]) -> None:
        for values in rows:
            values = dict(values)
            if isinstance(values.get("areas"), str):  # stored ";"-separated, as in the table
                values["areas"] = tuple(a for a in values["areas"].split(";") if a)
            found = next(
                (o for o in self.store.officers.values() if o.code == values["code"]), None
            )
            if found is None:
                officer = Officer(id=max(self.store.officers, default=0) + 1, **values)
            else:
                officer = replace(found, **values)
            self.store.officers[officer.id] = officer

    def caseloads(self) -> dict[int, int]:
        loads: dict[int, int] = {}
        for visit in self.store.visits:
            if visit.officer_id is not None and visit.outcome is None:
                loads[visit.officer_id] = loads.get(visit.officer_id, 0) + 1
        return loads

    def add_visit(self, visit: HomeVisit) -> bool:
        if any((v.case_id, v.round) == (visit.case_id, visit.round) for v in self.store.visits):
            return False
        self.store.visits.append(visit)
        return True

    def visits(self, case_id: int | None = None, *, unassigned: bool = False) -> list[HomeVisit]:
        return sorted(
            (
                v
                for v in self.store.visits
                if (case_id is None or v.case_id == case_id)
                and (not unassigned or (v.officer_id is None and v.outcome is None))
            ),
            key=lambda v: (v.case_id, v.round),
        )

    def update_visit(self, case_id: int, round: int, **values: Any) -> None:
        self.store.visits = [
            replace(v, **values) if (v.case_id, v.round) == (case_id, round) else v
            for v in self.store.visits
        ]


class FakeDecisionRepository:
    """Decisions asked of coordinators; one waits per case and kind, answered once."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def request(self, case_id: int, kind: str, requested_on: date) -> DecisionRequest:
        waiting = self.open_for(case_id, kind)
        if waiting is not None:
            return waiting
        rounds = [d.round for d in self.store.decisions if (d.case_id, d.kind) == (case_id, kind)]
        request = DecisionRequest(
            case_id=case_id, kind=kind, round=max(rounds, default=0) + 1, requested_on=requested_on
        )
        self.store.decisions.append(request)
        return request

    def open_for(self, case_id: int, kind: str) -> DecisionRequest | None:
        return next(
            (
                d
                for d in self.store.decisions
                if (d.case_id, d.kind) == (case_id, kind) and d.is_open
            ),
            None,
        )

    def waiting(self) -> list[DecisionRequest]:
        # As the database does: questions on closed cases are no longer waiting.
        return [
            d for d in self.store.decisions if d.is_open and self.store.cases[d.case_id].is_open
        ]

    def queue(self) -> list[QueuedDecision]:
        queued = []
        for d in self.waiting():
            open_due: dict[Step, date] = {}
            for x in self.store.deadlines:
                if x.case_id == d.case_id and x.is_open:
                    open_due[x.step] = max(x.due, open_due.get(x.step, x.due))
            queued.append(QueuedDecision(d, self.store.cases[d.case_id].safeguarding, open_due))
        return queued

    def for_case(self, case_id: int) -> list[DecisionRequest]:
        return [d for d in self.store.decisions if d.case_id == case_id]

    def answer(
        self, request: DecisionRequest, answer: str, details: dict[str, Any], who: str, at: datetime
    ) -> bool:
        for index, d in enumerate(self.store.decisions):
            if (d.case_id, d.kind, d.round) == (request.case_id, request.kind, request.round):
                if not d.is_open:
                    return False
                self.store.decisions[index] = replace(
                    d, answer=answer, details=dict(details), decided_by=who, decided_at=at
                )
                return True
        return False

    def attach_flow_run(self, request: DecisionRequest, flow_run_id: str) -> None:
        self.store.decisions = [
            replace(d, flow_run_id=flow_run_id)
            if (d.case_id, d.kind, d.round) == (request.case_id, request.kind, request.round)
            else d
            for d in self.store.decisions
        ]


class FakeWorkspaceRepository:
    """Users, sessions, sign-in failures, record access and notes, in memory.

    Caseload, search and corrections read the case tables in SQL and are tested there.
    """

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def add_user(
        self, name: str, full_name: str, role: Role, officer_code: str, password_hash: str
    ) -> User:
        if any(u.name == name for u in self.store.users):
            raise WriteConflict("that user name is taken")
        user = User(
            len(self.store.users) + 1, name, full_name, role, officer_code, password_hash, True
        )
        self.store.users.append(user)
        return user

    def user(self, name: str) -> User | None:
        return next((u for u in self.store.users if u.name == name), None)

    def users(self) -> list[User]:
        return sorted(self.store.users, key=lambda u: u.name)

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.store.users = [
            replace(u, password_hash=password_hash) if u.id == user_id else u
            for u in self.store.users
        ]

    def add_session(
        self, token_sha256: str, user_id: int, csrf_token: str, at: datetime, expires: datetime
    ) -> None:
        self.store.web_sessions[token_sha256] = (user_id, csrf_token, expires, at)

    def session(self, token_sha256: str, at: datetime) -> WebSession | None:
        found = self.store.web_sessions.get(token_sha256)
        if found is None or found[2] <= at:
            return None
        user = next(u for u in self.store.users if u.id == found[0])
        return WebSession(
            id=hash(token_sha256),
            user=user,
            csrf_token=found[1],
            expires_at=found[2],
            started_at=found[3],
        )

    def extend_session(self, session_id: int, expires: datetime) -> None:
        for token, (user_id, csrf, _, started) in list(self.store.web_sessions.items()):
            if hash(token) == session_id:
                self.store.web_sessions[token] = (user_id, csrf, expires, started)

    def end_session(self, token_sha256: str) -> None:
        self.store.web_sessions.pop(token_sha256, None)

    def forget_expired(self, at: datetime, failures_before: datetime) -> int:
        gone = [t for t, (_, _, expires, _) in self.store.web_sessions.items() if expires <= at]
        for token in gone:
            del self.store.web_sessions[token]
        self.store.login_failures = [f for f in self.store.login_failures if f[1] > failures_before]
        return len(gone)

    def add_login_failure(self, name: str, at: datetime) -> None:
        self.store.login_failures.append((name, at))

    def login_failures(self, name: str, since: datetime) -> int:
        return sum(1 for n, at in self.store.login_failures if n == name and at > since)

    def clear_login_failures(self, name: str) -> None:
        self.store.login_failures = [f for f in self.store.login_failures if f[0] != name]

    def record_access(self, case_id: int, who: str, action: str, at: datetime) -> None:
        self.store.accesses.append(RecordAccess(case_id, who, action, at))

    def accesses(self, case_id: int | None = None) -> list[RecordAccess]:
        return [a for a in self.store.accesses if case_id is None or a.case_id == case_id]

    def add_note(self, note: CaseNote) -> None:
        self.store.case_notes.append(replace(note, id=len(self.store.case_notes) + 1))

    def notes(self, case_id: int) -> list[CaseNote]:
        return [n for n in reversed(self.store.case_notes) if n.case_id == case_id]


class FakeAttentionRepository:
    """Flags on cases a step failed on."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def flag(self, case_id: int, category: str, reason: str, on: date) -> Attention:
        found = self.store.attention.get(case_id)
        made = Attention(
            case_id=case_id,
            category=category,
            reason=reason[:REASON_LIMIT],
            since=found.since if found else on,
            attempts=found.attempts + 1 if found else 1,
        )
        self.store.attention[case_id] = made
        return made

    def clear(self, case_id: int) -> None:
        found = self.store.attention.pop(case_id, None)
        case = self.store.cases.get(case_id)
        if found is None or found.category == DATE_OF_BIRTH:
            if found is not None:
                self.store.attention[case_id] = found  # only recording the date clears it
            return
        if case is not None and case.child.date_of_birth is None and case.is_open:
            self.store.attention[case_id] = Attention(
                case_id, DATE_OF_BIRTH, date_of_birth_not_known(case_id), case.opened_on
            )

    def resolve(self, case_id: int, category: str) -> None:
        found = self.store.attention.get(case_id)
        if found is not None and found.category == category:
            del self.store.attention[case_id]

    def get(self, case_id: int) -> Attention | None:
        return self.store.attention.get(case_id)

    def all(self) -> list[Attention]:
        return sorted(self.store.attention.values(), key=lambda a: (a.since, a.case_id))


class FakeCaseBatch:
    """A sweep batch over the fake store: writes go straight in (discard releases the claims)."""

    def __init__(self, uow: UnitOfWork, store: FakeStore, case_ids: list[int], today: date):
        self.uow = uow
        self.store = store
        self.last_case_id = max(case_ids, default=0)
        self.claimed: list[Deadline] = []
        for index, d in enumerate(store.deadlines):
            if d.case_id in case_ids and d.is_open and d.due < today:
                self.claimed.append(d)
                store.deadlines[index] = replace(d, acted_on=today)
        self.claimed.sort(key=lambda d: (d.due, d.case_id))

    def discard(self, case_id: int) -> None:
        keys = {(d.step, d.round) for d in self.claimed if d.case_id == case_id}
        for index, d in enumerate(self.store.deadlines):
            if d.case_id == case_id and (d.step, d.round) in keys:
                self.store.deadlines[index] = replace(d, acted_on=None)

    def flush(self) -> None:
        return None


class FakeCaseBatches:
    def __init__(self, uow: UnitOfWork, store: FakeStore) -> None:
        self.uow = uow
        self.store = store

    def claim_batch(self, today: date, *, after_case_id: int, limit: int) -> FakeCaseBatch | None:
        due = sorted(
            {
                d.case_id
                for d in self.store.deadlines
                if d.is_open and d.due < today and d.case_id > after_case_id
            }
        )[:limit]
        return FakeCaseBatch(self.uow, self.store, due, today) if due else None

    def load(self, case_ids: Sequence[int]) -> FakeCaseBatch:
        return FakeCaseBatch(self.uow, self.store, [], date.min)


class FakeSourceRepository:
    """Loaded sources and the checks made against them (one per case, source and version)."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store

    def replace(self, info: SourceInfo, records: pd.DataFrame) -> None:
        self.store.sources[info.name] = (info, records.copy())

    def all(self) -> list[SourceInfo]:
        return [info for _, (info, _) in sorted(self.store.sources.items())]

    def records(self, name: str) -> pd.DataFrame:
        return self.store.sources[name][1].copy()

    def add_check(self, check: DatabaseCheck) -> bool:
        key = (check.case_id, check.source_name, check.source_sha256)
        if any((c.case_id, c.source_name, c.source_sha256) == key for c in self.store.checks):
            return False
        self.store.checks.append(check)
        return True

    def checks(self, case_id: int) -> list[DatabaseCheck]:
        return [c for c in self.store.checks if c.case_id == case_id]


class FakeUnitOfWork:
    """`with uow: ...; uow.commit()` over a FakeStore; uncommitted work is rolled back."""

    cases: CaseRepository
    notifications: NotificationRepository
    deadlines: DeadlineRepository
    calendar: CalendarRepository
    letters: LetterRepository
    documents: LetterStore
    directory: DirectoryRepository
    decisions: DecisionRepository
    sources: SourceRepository
    attention: AttentionRepository
    batches: CaseBatches

    def __init__(self, store: FakeStore | None = None) -> None:
        self.store = store if store is not None else FakeStore()
        self._committed = copy.deepcopy(self.store)
        self.commits = 0
        self.cases = FakeCaseRepository(self.store)
        self.notifications = FakeNotificationRepository(self.store)
        self.deadlines = FakeDeadlineRepository(self.store)
        self.calendar = FakeCalendarRepository(self.store)
        self.letters = FakeLetterRepository(self.store)
        self.documents = FakeLetterStore(self.store)
        self.directory = FakeDirectoryRepository(self.store)
        self.decisions = FakeDecisionRepository(self.store)
        self.workspace = FakeWorkspaceRepository(self.store)
        self.attention = FakeAttentionRepository(self.store)
        self.batches = FakeCaseBatches(self, self.store)
        self.sources = FakeSourceRepository(self.store)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._committed = copy.deepcopy(self.store)
        self.commits += 1

    def rollback(self) -> None:
        # Restore in place: the repositories hold this very store.
        restored = copy.deepcopy(self._committed)
        for name in vars(restored):
            setattr(self.store, name, getattr(restored, name))


def _the_fake_keeps_the_ports_promises(uow: FakeUnitOfWork) -> UnitOfWork:
    # mypy checks here that FakeUnitOfWork has every member the UnitOfWork protocol asks for.
    return uow
