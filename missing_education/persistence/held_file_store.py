"""Notification files held for intake, in the case database: every worker host reads them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, or_, select, update

from missing_education.persistence.tables import held_files
from missing_education.ports import HeldFileRecord

_RECORD = (
    held_files.c.id,
    held_files.c.name,
    held_files.c.size,
    held_files.c.from_inbox,
    held_files.c.reason,
    held_files.c.released_at,
)


class SqlHeldFileStore:
    """One row per held file (`held_files`): its bytes, its name, why it was refused."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, record: HeldFileRecord, content: bytes, *, at: datetime) -> None:
        """Hold a file's bytes under its id."""
        self.connection.execute(
            insert(held_files),
            {
                "id": record.id,
                "name": record.name,
                "size": len(content),
                "content": content,
                "from_inbox": record.from_inbox,
                "reason": record.reason,
                "held_at": at,
            },
        )

    def get(self, file_id: str) -> HeldFileRecord | None:
        """The held file with this id (its bytes are read apart), or None."""
        row = self.connection.execute(
            select(*_RECORD).where(held_files.c.id == file_id)
        ).one_or_none()
        if row is None:
            return None
        return HeldFileRecord(
            row.id, row.name, row.size, bool(row.from_inbox), row.reason, row.released_at
        )

    def content(self, file_id: str) -> bytes | None:
        """The file's bytes, as they were held."""
        data = self.connection.execute(
            select(held_files.c.content).where(held_files.c.id == file_id)
        ).scalar()
        return bytes(data) if data is not None else None

    def refuse(self, file_id: str, reason: str) -> None:
        """Keep why the file was refused whole."""
        self.connection.execute(
            update(held_files).where(held_files.c.id == file_id).values(reason=reason)
        )

    def release(self, file_id: str, *, at: datetime) -> bool:
        """Let a taken-in file go: its bytes and name dropped, the row kept to say so."""
        return bool(
            self.connection.execute(
                update(held_files)
                .where(held_files.c.id == file_id, held_files.c.released_at.is_(None))
                .values(content=b"", name="", size=0, reason=None, released_at=at)
            ).rowcount
        )

    def remove_uploads_held_before(self, moment: datetime) -> int:
        """Forget files held before `moment`: uploads, and inbox files already let go (an inbox
        file not yet filed away is in flight: kept)."""
        result = self.connection.execute(
            delete(held_files).where(
                or_(held_files.c.from_inbox.is_(False), held_files.c.released_at.is_not(None)),
                held_files.c.held_at < moment,
            )
        )
        return int(result.rowcount)

    def from_inbox(self) -> list[str]:
        """Ids of files taken from the inbox and not yet finished, oldest first."""
        return list(
            self.connection.execute(
                select(held_files.c.id)
                .where(held_files.c.from_inbox.is_(True), held_files.c.released_at.is_(None))
                .order_by(held_files.c.held_at, held_files.c.id)
            ).scalars()
        )
