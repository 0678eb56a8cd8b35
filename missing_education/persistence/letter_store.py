"""Letters' PDFs in the case database: every worker host reads what any other one wrote."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from missing_education.persistence.tables import letter_documents, letters

_READ = select(letter_documents.c.pdf).where(letter_documents.c.letter_id == bindparam("id"))
_SIZE = select(letter_documents.c.size).where(letter_documents.c.letter_id == bindparam("id"))
_CHUNK = select(func.substr(letter_documents.c.pdf, bindparam("start"), bindparam("length"))).where(
    letter_documents.c.letter_id == bindparam("id")
)


class SqlLetterStore:
    """One row per letter (`letter_documents`); read whole, or streamed in pieces."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def put(self, letter_id: int, pdf: bytes) -> None:
        """Keep a letter's PDF (a second put of the same letter keeps the first)."""
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        self.connection.execute(
            dialect.insert(letter_documents).on_conflict_do_nothing(),
            {"letter_id": letter_id, "size": len(pdf), "pdf": pdf},
        )

    def put_all(self, documents: Sequence[tuple[int, bytes]]) -> None:
        """Keep many letters' PDFs in one statement (letter id, PDF); as `put` for each."""
        if not documents:
            return
        dialect = postgresql if self.connection.dialect.name == "postgresql" else sqlite
        self.connection.execute(
            dialect.insert(letter_documents).on_conflict_do_nothing(),
            [{"letter_id": i, "size": len(pdf), "pdf": pdf} for i, pdf in documents],
        )

    def read(self, letter_id: int) -> bytes | None:
        """The letter's PDF, or None when it has none (not typeset yet, or removed)."""
        pdf = self.connection.execute(_READ, {"id": letter_id}).scalar()
        return bytes(pdf) if pdf is not None else None

    def chunks(self, letter_id: int, size: int = 65536) -> Iterator[bytes]:
        """The PDF in pieces of `size` bytes, each read on its own: no letter held whole."""
        total = self.connection.execute(_SIZE, {"id": letter_id}).scalar()
        if total is None:
            return
        for start in range(0, int(total), size):
            piece = self.connection.execute(
                _CHUNK, {"id": letter_id, "start": start + 1, "length": size}
            ).scalar()
            yield bytes(piece or b"")

    def delete_for_case(self, case_id: int) -> int:
        """Remove every PDF of a case's letters (retention); returns how many went."""
        result = self.connection.execute(
            delete(letter_documents).where(
                letter_documents.c.letter_id.in_(
                    select(letters.c.id).where(letters.c.case_id == case_id)
                )
            )
        )
        return int(result.rowcount)
