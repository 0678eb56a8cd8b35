"""The SQL repository of notifications: each stored once, against its case."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select

from missing_education.clock import now
from missing_education.domain import Notification
from missing_education.persistence.bulk import insert_rows
from missing_education.persistence.columns import StoredRow
from missing_education.persistence.tables import notifications
from missing_education.ports import NotificationRecord

# The columns a NotificationRecord holds: not the receipt time nor the extra columns, whose
# conversion (a timestamp parsed per row on SQLite) was most of reading a batch's notifications.
NOTIFICATION_RECORD_COLUMNS = (
    notifications.c.id,
    notifications.c.case_id,
    notifications.c.source,
    notifications.c.row_number,
    notifications.c.referral_date,
    notifications.c.referrer_organisation,
    notifications.c.referrer_name,
    notifications.c.referrer_email,
    notifications.c.disposition,
    notifications.c.vulnerabilities,
)
_NOTIFICATIONS_OF_CASE = (
    select(*NOTIFICATION_RECORD_COLUMNS)
    .where(notifications.c.case_id == bindparam("case_id"))
    .order_by(notifications.c.id)
)


class SqlNotificationRepository:
    """Notifications, each stored once."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def cases_for(self, fingerprints: Sequence[str]) -> dict[str, int]:
        """Of these fingerprints, those an earlier intake took in, with the case of each."""
        wanted = sorted(set(fingerprints))
        if not wanted:
            return {}
        rows = self.connection.execute(
            select(notifications.c.fingerprint, notifications.c.case_id).where(
                notifications.c.fingerprint.in_(wanted)
            )
        ).all()
        return {row.fingerprint: int(row.case_id) for row in rows}

    def add(
        self, case_id: int, notification: Notification, *, source: str, row: int, disposition: str
    ) -> None:
        """Keep the notification against its case."""
        self.add_many([(case_id, notification, row, disposition)], source=source)

    def add_many(self, rows: Sequence[tuple[int, Notification, int, str]], *, source: str) -> None:
        """Keep many notifications (case id, notification, row number, disposition) at once."""
        if not rows:
            return
        received = now()
        insert_rows(
            self.connection,
            notifications,
            [
                {
                    "case_id": case_id,
                    "fingerprint": notification.fingerprint,
                    "source": source,
                    "row_number": row,
                    "received_at": received,
                    "referral_date": notification.referral_date,
                    "referrer_organisation": notification.referrer_organisation,
                    "referrer_name": notification.referrer_name,
                    "referrer_email": notification.referrer_email,
                    "disposition": disposition,
                    "vulnerabilities": ";".join(notification.vulnerabilities),
                    "extra": json.dumps(dict(notification.extra), ensure_ascii=False),
                }
                for case_id, notification, row, disposition in rows
            ],
        )

    def for_case(self, case_id: int) -> list[NotificationRecord]:
        """Every notification about the case, oldest first."""
        rows = self.connection.execute(_NOTIFICATIONS_OF_CASE, {"case_id": case_id}).mappings()
        return [notification_record(r) for r in rows]


def notification_record(r: StoredRow) -> NotificationRecord:
    """A stored notification as the services read it (the sweep's batches read it the same way)."""
    return NotificationRecord(
        id=r["id"],
        case_id=r["case_id"],
        source=r["source"],
        row_number=r["row_number"],
        referral_date=r["referral_date"],
        referrer_organisation=r["referrer_organisation"],
        referrer_name=r["referrer_name"],
        referrer_email=r["referrer_email"],
        disposition=r["disposition"],
        vulnerabilities=tuple(v for v in r["vulnerabilities"].split(";") if v),
    )
