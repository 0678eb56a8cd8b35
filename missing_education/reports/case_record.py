"""The record of reasonable enquiries on one case, for a court, Ofsted or a subject access request.

It lists every notification, status change, database check, letter, home visit, decision and
time limit with dates and who, in one chronology and in tables. Unlike the management
report it holds the child's details: it is written for people entitled to see them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from missing_education.clock import LONDON
from missing_education.domain import SYSTEM, Case
from missing_education.domain.check import DatabaseCheck
from missing_education.domain.deadline import Deadline
from missing_education.domain.decision import DecisionRequest
from missing_education.domain.directory import HomeVisit, Officer
from missing_education.domain.letter import LetterRecord
from missing_education.ports import NotificationRecord
from missing_education.rules.school_age import compulsory_school_age, year_group

DAILY_REVIEW = "daily case review"


@dataclass(frozen=True)
class RecordTable:
    """One titled table of the record; `note` says what it holds or that it is empty."""

    title: str
    note: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class CaseRecord:
    """The whole record, as text ready to typeset."""

    reference: str
    title: str
    prepared: str
    facts: tuple[tuple[str, str], ...]
    tables: tuple[RecordTable, ...]

    def as_json(self) -> dict[str, Any]:
        """The record as the Typst template reads it."""
        return asdict(self)


@dataclass(frozen=True)
class _Event:
    day: date
    seconds: int  # time of day, for ordering; date-only events carry a fixed place
    when: str
    event: str
    who: str
    details: str


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def _day(value: date | None) -> str:
    return f"{value.day} {value:%b %Y}" if value else ""


def _moment(value: datetime | None) -> str:
    if value is None:
        return ""
    local = _local(value)
    return f"{_day(local.date())} {local:%H:%M}"


def _timed(moment: datetime, event: str, who: str, details: str) -> _Event:
    local = _local(moment)
    clock = local.time()
    seconds = clock.hour * 3600 + clock.minute * 60 + clock.second
    return _Event(local.date(), seconds, _moment(moment), event, who, details)


def _dated(day: date, event: str, who: str, details: str, *, first: bool = False) -> _Event:
    # A date without a time goes first that day (a referral) or last (anything else).
    return _Event(day, 0 if first else 86_400, _day(day), event, who, details)


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def _hash(sha256: str) -> str:
    if not sha256:
        return "not yet typeset"  # recorded; the renderer makes its PDF and hash later
    # Grouped so that a 64-character hash can wrap in a table cell.
    return " ".join(sha256[i : i + 16] for i in range(0, len(sha256), 16))


def _officer(officers: Mapping[int, Officer], officer_id: int | None) -> str:
    if officer_id is None:
        return "not assigned"
    officer = officers.get(officer_id)
    return f"{officer.name} ({officer.code})" if officer else f"officer {officer_id}"


def _details(values: Mapping[str, Any]) -> str:
    return "; ".join(f"{_words(k)}: {v}" for k, v in values.items() if v not in (None, ""))


def _table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> RecordTable:
    return RecordTable(title, "" if rows else "None.", columns, tuple(rows))


def case_record(
    case: Case,
    *,
    notifications: Sequence[NotificationRecord],
    letters: Sequence[LetterRecord],
    checks: Sequence[DatabaseCheck],
    decisions: Sequence[DecisionRequest],
    visits: Sequence[HomeVisit],
    deadlines: Sequence[Deadline],
    officers: Mapping[int, Officer],
    prepared_on: date,
    prepared_by: str,
) -> CaseRecord:
    """Everything done on the case, in order, with dates and who."""
    child = case.child
    span = compulsory_school_age(child.date_of_birth) if child.date_of_birth else None
    address = ", ".join(
        x for x in (child.address_line1, child.address_line2, child.town, child.postcode) if x
    )
    facts = (
        ("Child", f"{child.forename} {child.surname}"),
        ("Date of birth", _day(child.date_of_birth) or "not known"),
        ("Sex", child.sex or "not recorded"),
        ("Unique pupil number", child.upn or "not recorded"),
        (
            "Year group (on the date prepared)",
            str(year_group(child.date_of_birth, prepared_on))
            if child.date_of_birth
            else "not known",
        ),
        # The leaving date as worked out at intake, on the term calendar.
        (
            "Compulsory school age",
            f"{_day(span.starts)} to {_day(case.csa_ends or span.ends)}"
            if span
            else "not known (no date of birth)",
        ),
        ("Last known address", address or "not known"),
        ("Parent or carer", case.parent_name or "not recorded"),
        (
            "Last school",
            " ".join(x for x in (case.school_name, f"(URN {case.school_urn})") if x)
            if case.school_urn
            else case.school_name or "not known",
        ),
        ("Reason notified", _words(case.reason) or "not recorded"),
        ("Vulnerabilities", ", ".join(_words(v) for v in case.vulnerabilities) or "none recorded"),
        ("Safeguarding concern at intake", "yes" if case.safeguarding else "no"),
        ("Referral date", _day(case.referral_date)),
        ("Status", _words(case.status.value)),
        (
            "Outcome",
            f"{_words(case.outcome.value)} on {_day(case.closed_on)}" if case.outcome else "open",
        ),
    )

    events: list[_Event] = []
    for n in notifications:
        events.append(
            _dated(
                n.referral_date,
                "Notification",
                n.referrer_name or n.referrer_organisation,
                f"from {n.referrer_organisation} ({n.disposition}; {n.source}, row {n.row_number})",
                first=True,
            )
        )
    for h in case.history:
        moved = f"{_words(h.from_status)} to {_words(h.to_status)}" if h.from_status else ""
        change = "Status" if h.from_status != h.to_status else "Case note"
        events.append(_timed(h.at, change, h.who, "; ".join(x for x in (moved, h.why) if x)))
    for c in checks:
        found = f"; best score {c.best_score:.2f} ({c.best_ref})" if c.best_ref else ""
        events.append(
            _timed(
                c.checked_at,
                "Database check",
                SYSTEM,
                f"{c.source_name}: searched {', '.join(c.fields_searched)}; "
                f"result {c.decision}; {len(c.candidates)} candidates{found}",
            )
        )
    for letter in letters:
        sent = f"; {letter.status.value} {_moment(letter.sent_at)}".rstrip()
        events.append(
            _timed(
                letter.created_at,
                "Letter",
                SYSTEM,
                f"{_words(letter.letter_type)} to {letter.recipient} by {letter.channel.value}"
                f"{sent}",
            )
        )
    for d in decisions:
        events.append(_dated(d.requested_on, "Decision asked", SYSTEM, _words(d.kind)))
        if d.answer is not None and d.decided_at is not None:
            extra = _details(d.details)
            events.append(
                _timed(
                    d.decided_at,
                    "Decision",
                    d.decided_by or "",
                    f"{_words(d.kind)}: {_words(d.answer)}" + (f" ({extra})" if extra else ""),
                )
            )
    for v in visits:
        events.append(_dated(v.requested_on, "Home visit asked for", SYSTEM, f"visit {v.round}"))
        if v.assigned_on:
            events.append(
                _dated(
                    v.assigned_on,
                    "Home visit assigned",
                    SYSTEM,
                    f"visit {v.round} to {_officer(officers, v.officer_id)}",
                )
            )
        if v.visited_on:
            events.append(
                _dated(
                    v.visited_on,
                    "Home visit made",
                    _officer(officers, v.officer_id),
                    f"visit {v.round}: {_words(v.outcome)}",
                )
            )
    for t in deadlines:
        if t.acted_on:
            events.append(
                _dated(
                    t.acted_on,
                    "Time limit passed",
                    DAILY_REVIEW,
                    f"{_words(t.step.value)} (round {t.round}) was due {_day(t.due)}: acted on",
                )
            )
    events.sort(key=lambda e: (e.day, e.seconds))

    tables = (
        _table(
            "Chronology",
            ("When", "Event", "By", "Details"),
            [(e.when, e.event, e.who, e.details) for e in events],
        ),
        _table(
            "Notifications",
            ("Referral date", "Referrer", "Organisation", "Received as"),
            [
                (
                    _day(n.referral_date),
                    n.referrer_name or "not recorded",
                    n.referrer_organisation,
                    f"{n.disposition} ({n.source}, row {n.row_number})",
                )
                for n in notifications
            ],
        ),
        _table(
            "Letters",
            ("Created", "Letter", "To", "Delivery", "SHA-256 of the PDF kept"),
            [
                (
                    _moment(x.created_at),
                    f"{_words(x.letter_type)} (template {x.template_version})",
                    f"{x.recipient} ({x.channel.value})",
                    f"{x.status.value} {_moment(x.sent_at)}".strip(),
                    _hash(x.sha256),
                )
                for x in letters
            ],
        ),
        _table(
            "Database checks",
            ("Checked", "Source", "Fields searched", "Result"),
            [
                (
                    _moment(c.checked_at),
                    c.source_name,
                    ", ".join(c.fields_searched),
                    f"{c.decision}; best score {c.best_score:.2f}"
                    + (f" ({c.best_ref})" if c.best_ref else ""),
                )
                for c in checks
            ],
        ),
        _table(
            "Decisions",
            ("Asked", "Decision", "Answer", "By", "Answered", "Details"),
            [
                (
                    _day(d.requested_on),
                    f"{_words(d.kind)} (round {d.round})",
                    _words(d.answer) or "waiting",
                    d.decided_by or "",
                    _moment(d.decided_at),
                    _details(d.details),
                )
                for d in decisions
            ],
        ),
        _table(
            "Home visits",
            ("Visit", "Asked for", "Officer", "Assigned", "Made", "Outcome"),
            [
                (
                    str(v.round),
                    _day(v.requested_on),
                    _officer(officers, v.officer_id),
                    _day(v.assigned_on),
                    _day(v.visited_on),
                    _words(v.outcome),
                )
                for v in visits
            ],
        ),
        _table(
            "Time limits and escalations",
            ("Step", "Counted from", "Due", "Met", "Overdue: acted on"),
            [
                (
                    f"{_words(t.step.value)} (round {t.round})",
                    _day(t.base_date),
                    _day(t.due)
                    + (f" ({t.school_days} school days)" if t.school_days is not None else "")
                    + (f" ({t.calendar_days} days)" if t.calendar_days is not None else ""),
                    _day(t.met_on),
                    _day(t.acted_on),
                )
                for t in sorted(deadlines, key=lambda d: (d.base_date, d.due))
            ],
        ),
    )
    return CaseRecord(
        reference=case.reference,
        title="Record of reasonable enquiries",
        prepared=f"Prepared on {_day(prepared_on)} by {prepared_by}, from the case database.",
        facts=facts,
        tables=tables,
    )
