"""The SQL repository of letters: each kept as evidence, the outbox, and print batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from missing_education.domain import DomainError
from missing_education.domain.letter import Channel, Delivery, LetterRecord, PrintBatch
from missing_education.persistence.columns import StoredRow, aware_or_none
from missing_education.persistence.tables import (
    letters,
    print_batches,
)
from missing_education.ports import QueuedLetter, TypesetLetter, WriteConflict


def _letter(row: StoredRow) -> LetterRecord:
    created = aware_or_none(row["created_at"])
    assert created is not None
    return LetterRecord(
        id=row["id"],
        case_id=row["case_id"],
        step_key=row["step_key"],
        letter_type=row["letter_type"],
        recipient_role=row["recipient_role"],
        recipient=row["recipient"],
        recipient_email=row["recipient_email"],
        channel=Channel(row["channel"]),
        template_version=row["template_version"],
        sha256=row["sha256"],
        pages=row["pages"],
        path=row["path"],
        created_at=created,
        status=Delivery(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        sent_at=aware_or_none(row["sent_at"]),
        next_attempt_at=aware_or_none(row["next_attempt_at"]),
        message_id=row["message_id"],
        replaces_letter_id=row["replaces_letter_id"],
        print_batch_id=row["print_batch_id"],
        reply_by=row["reply_by"],
        served_on=row["served_on"],
        details=row["details"],
        typeset_at=aware_or_none(row["typeset_at"]),
    )


# A letter's row as the outbox and case pages read it: everything but its context.
_LETTER_COLUMNS = [c for c in letters.c if c.name != "context"]
_LETTER_OF_STEP = select(*_LETTER_COLUMNS).where(
    letters.c.case_id == bindparam("case_id"), letters.c.step_key == bindparam("step_key")
)
_INSERT_LETTER = insert(letters).returning(*_LETTER_COLUMNS)
_UNTYPESET = (
    select(
        letters.c.id,
        letters.c.case_id,
        letters.c.letter_type,
        letters.c.context,
        letters.c.template_version,
    )
    .where(letters.c.sha256 == "", letters.c.status == Delivery.QUEUED.value)
    .order_by(letters.c.id)
)
_RECORD_TYPESET = (
    update(letters)
    .where(letters.c.id == bindparam("letter_id"), letters.c.sha256 == "")
    .values(
        sha256=bindparam("new_sha256"),
        pages=bindparam("new_pages"),
        template_version=bindparam("new_template_version"),
        typeset_at=bindparam("at"),
        # What the letter said is in its PDF now: the copy kept for typesetting goes.
        context="{}",
    )
)


class SqlLetterRepository:
    """Letters kept as evidence, and the outbox they travel through."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def find(self, case_id: int, step_key: str) -> LetterRecord | None:
        """The letter a step already produced, if any."""
        row = (
            self.connection.execute(_LETTER_OF_STEP, {"case_id": case_id, "step_key": step_key})
            .mappings()
            .first()
        )
        return _letter(row) if row else None

    def add(self, values: dict[str, Any]) -> LetterRecord:
        """Record a rendered letter (queued for delivery)."""
        # RETURNING hands back the stored row (defaults included) without a second look.
        row = self.connection.execute(_INSERT_LETTER, values)
        return _letter(row.mappings().one())

    def get(self, letter_id: int) -> LetterRecord:
        """One letter by id."""
        row = self.connection.execute(
            select(*_LETTER_COLUMNS).where(letters.c.id == letter_id)
        ).mappings()
        return _letter(row.one())

    def for_case(self, case_id: int) -> list[LetterRecord]:
        """Every letter of a case, oldest first."""
        rows = self.connection.execute(
            select(*_LETTER_COLUMNS).where(letters.c.case_id == case_id).order_by(letters.c.id)
        ).mappings()
        return [_letter(r) for r in rows]

    def outbox(
        self,
        statuses: tuple[Delivery, ...] | None = None,
        *,
        channel: Channel | None = None,
        print_batch_id: int | None = None,
        unbatched: bool = False,
    ) -> list[LetterRecord]:
        """Letters in the given delivery states (all when None), oldest first; only one
        channel's, one print batch's, or those in no print batch, when asked."""
        query = select(*_LETTER_COLUMNS).order_by(letters.c.id)
        if statuses:
            query = query.where(letters.c.status.in_([s.value for s in statuses]))
        if channel is not None:
            query = query.where(letters.c.channel == channel.value)
        if print_batch_id is not None:
            query = query.where(letters.c.print_batch_id == print_batch_id)
        if unbatched:
            query = query.where(letters.c.print_batch_id.is_(None))
        return [_letter(r) for r in self.connection.execute(query).mappings()]

    def claim(self, letter_id: int, from_status: Delivery, to_status: Delivery) -> bool:
        """Move a letter between states only if it is still in `from_status` (one winner)."""
        result = self.connection.execute(
            update(letters)
            .where(letters.c.id == letter_id, letters.c.status == from_status.value)
            .values(status=to_status.value)
        )
        return result.rowcount == 1

    def set_delivery(self, letter_id: int, **values: Any) -> None:
        """Record a delivery attempt's outcome."""
        if "status" in values and isinstance(values["status"], Delivery):
            values["status"] = values["status"].value
        self.connection.execute(update(letters).where(letters.c.id == letter_id).values(**values))

    def add_print_batch(self, values: dict[str, Any], letter_ids: list[int]) -> PrintBatch:
        """Record a print batch and put its letters in it."""
        inserted = self.connection.execute(
            insert(print_batches).values(**values)
        ).inserted_primary_key
        assert inserted is not None
        batch_id = int(inserted[0])
        claimed = self.connection.execute(
            update(letters)
            .where(letters.c.id.in_(letter_ids), letters.c.print_batch_id.is_(None))
            .values(print_batch_id=batch_id)
        )
        if claimed.rowcount != len(set(letter_ids)):
            # Another print batch took some of these letters first: none may be printed twice.
            raise WriteConflict("letters were put in another print batch meanwhile")
        return self.print_batch(batch_id)

    def print_batch(self, batch_id: int) -> PrintBatch:
        """One print batch."""
        r = (
            self.connection.execute(select(print_batches).where(print_batches.c.id == batch_id))
            .mappings()
            .one_or_none()
        )
        if r is None:
            raise DomainError(f"no print batch with id {batch_id} (cme letters outbox lists them)")
        return PrintBatch(
            id=r["id"],
            created_on=r["created_on"],
            pdf_path=r["pdf_path"],
            manifest_path=r["manifest_path"],
            letters=r["letters"],
            pages=r["pages"],
            confirmed=r["confirmed_at"] is not None,
        )

    def untypeset(
        self, *, limit: int, after_id: int = 0, letter_ids: Sequence[int] | None = None
    ) -> list[QueuedLetter]:
        """Queued letters not yet typeset, oldest first (only these ids, when given)."""
        query = _UNTYPESET.where(letters.c.id > after_id).limit(limit)
        if letter_ids is not None:
            query = query.where(letters.c.id.in_(list(letter_ids)))
        return [
            QueuedLetter(
                id=r.id,
                case_id=r.case_id,
                letter_type=r.letter_type,
                context=r.context,
                template_version=r.template_version,
            )
            for r in self.connection.execute(query)
        ]

    def record_typeset(
        self, letter_id: int, *, sha256: str, pages: int, template_version: str, at: datetime
    ) -> bool:
        """Record a letter's hash and pages once (False when another renderer got there first)."""
        result = self.connection.execute(
            _RECORD_TYPESET,
            {
                "letter_id": letter_id,
                "new_sha256": sha256,
                "new_pages": pages,
                "new_template_version": template_version,
                "at": at,
            },
        )
        return result.rowcount == 1

    def record_typeset_all(self, typeset: Sequence[TypesetLetter], *, at: datetime) -> int:
        """Record many letters' hashes in one statement; how many were recorded by this call.

        A letter another renderer recorded first is left as it is and not counted.
        """
        if not typeset:
            return 0
        result = self.connection.execute(
            _RECORD_TYPESET,
            [
                {
                    "letter_id": letter.id,
                    "new_sha256": letter.sha256,
                    "new_pages": letter.pages,
                    "new_template_version": letter.template_version,
                    "at": at,
                }
                for letter in typeset
            ],
        )
        return int(result.rowcount)

    def confirm_print_batch(self, batch_id: int, at: datetime) -> int:
        """Mark a batch printed and its letters posted; returns how many letters moved."""
        self.connection.execute(
            update(print_batches)
            .where(print_batches.c.id == batch_id, print_batches.c.confirmed_at.is_(None))
            .values(confirmed_at=at)
        )
        result = self.connection.execute(
            update(letters)
            .where(letters.c.print_batch_id == batch_id, letters.c.status == Delivery.QUEUED.value)
            .values(status=Delivery.POSTED.value, sent_at=at)
        )
        return int(result.rowcount)
