"""SQL repository of retention: closed cases past their period lose every personal detail.

What stays, for statistics and the audit trail: status, outcome, dates of referral, opening and
closure, reason and vulnerability codes, the safeguarding flag, the child's school-year cohort,
who moved the case and when, decisions' answers, letters' types and delivery states.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, and_, insert, select, update

from missing_education.domain import HistoryEntry, Status
from missing_education.domain.letter import Delivery
from missing_education.persistence.letter_store import SqlLetterStore
from missing_education.persistence.tables import (
    case_history,
    cases,
    database_checks,
    decisions,
    letters,
    notifications,
    print_batches,
)
from missing_education.ports import Anonymised

REMOVED = "[removed]"
# Every personal or free-text column of a case; the short coded ones are blanked instead.
_CASE_TEXT = (
    "forename",
    "surname",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "parent_name",
    "parent_phone",
    "parent_email",
    "school_name",
    "referrer_name",
    "referrer_organisation",
    "referrer_email",
    "identity_key",
    "notes",
)
_CASE_BLANK = ("upn", "school_urn")


def school_year_cohort(date_of_birth: date) -> date:
    """1 September starting the school year of birth: keeps the year group, not the birthday."""
    year = date_of_birth.year if date_of_birth.month >= 9 else date_of_birth.year - 1
    return date(year, 9, 1)


class SqlRetentionRepository:
    """Finds closed cases past their retention period and removes their personal data."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def due(self, closed_on_or_before: date) -> list[int]:
        """Closed cases closed on or before that day and not yet anonymised, by id."""
        return [
            int(i)
            for i in self.connection.execute(
                select(cases.c.id)
                .where(
                    cases.c.status == Status.CLOSED.value,
                    cases.c.closed_on <= closed_on_or_before,
                    cases.c.anonymised_on.is_(None),
                )
                .order_by(cases.c.id)
            ).scalars()
        ]

    def anonymise(self, case_id: int, entry: HistoryEntry, on: date) -> Anonymised:
        """Remove the case's personal data in this transaction; return its files to delete."""
        found = self.connection.execute(
            select(cases.c.date_of_birth)
            .where(cases.c.id == case_id, cases.c.anonymised_on.is_(None))
            .with_for_update()
        ).first()
        if found is None:
            return Anonymised(case_id, [], [])  # done already, by another run
        born = found.date_of_birth
        self.connection.execute(
            update(cases)
            .where(cases.c.id == case_id)
            .values(
                **dict.fromkeys(_CASE_TEXT, REMOVED),
                **dict.fromkeys(_CASE_BLANK, ""),
                date_of_birth=school_year_cohort(born) if born else None,
                anonymised_on=on,
            )
        )
        # History keeps who moved the case and when; its reasons may name people or files.
        self.connection.execute(
            update(case_history).where(case_history.c.case_id == case_id).values(why=REMOVED)
        )
        self.connection.execute(
            insert(case_history).values(
                case_id=case_id,
                at=entry.at,
                who=entry.who,
                from_status=entry.from_status.value if entry.from_status else None,
                to_status=entry.to_status.value,
                why=entry.why,
            )
        )
        for (notification_id,) in self.connection.execute(
            select(notifications.c.id).where(notifications.c.case_id == case_id)
        ).all():
            self.connection.execute(
                update(notifications)
                .where(notifications.c.id == notification_id)
                .values(
                    # The fingerprint is a hash of the child's details: it goes too.
                    fingerprint=f"removed:{notification_id}",
                    source=REMOVED,
                    referrer_organisation=REMOVED,
                    referrer_name=REMOVED,
                    referrer_email=REMOVED,
                    extra="{}",
                )
            )
        self.connection.execute(
            update(decisions).where(decisions.c.case_id == case_id).values(details="{}")
        )
        self.connection.execute(
            update(database_checks)
            .where(database_checks.c.case_id == case_id)
            .values(best_ref="", candidates="[]")
        )
        # Files written before letters were kept in the database (issue 18), if any are left.
        paths = [
            str(p)
            for p in self.connection.execute(
                select(letters.c.path).where(
                    letters.c.case_id == case_id, letters.c.path != REMOVED, letters.c.path != ""
                )
            ).scalars()
        ]
        documents = SqlLetterStore(self.connection).delete_for_case(case_id)
        self.connection.execute(
            update(letters)
            .where(
                letters.c.case_id == case_id,
                letters.c.status.in_([Delivery.QUEUED.value, Delivery.SENDING.value]),
            )
            .values(status=Delivery.FAILED.value, last_error="not sent: removed by retention")
        )
        self.connection.execute(
            update(letters)
            .where(letters.c.case_id == case_id)
            .values(path=REMOVED, recipient=REMOVED, recipient_email="", context="{}", details="{}")
        )
        return Anonymised(case_id, paths, self._spent_print_batches(), documents)

    def _spent_print_batches(self) -> list[str]:
        # A print batch holds many cases' letters: its files go once every one is anonymised.
        with_personal_data = (
            select(letters.c.print_batch_id)
            .where(letters.c.print_batch_id.is_not(None), letters.c.path != REMOVED)
            .distinct()
        )
        spent = self.connection.execute(
            select(print_batches.c.id, print_batches.c.pdf_path, print_batches.c.manifest_path)
            .where(
                and_(
                    print_batches.c.pdf_path != REMOVED,
                    print_batches.c.id.not_in(with_personal_data),
                )
            )
            .order_by(print_batches.c.id)
        ).all()
        if not spent:
            return []
        self.connection.execute(
            update(print_batches)
            .where(print_batches.c.id.in_([row.id for row in spent]))
            .values(pdf_path=REMOVED, manifest_path=REMOVED)
        )
        return [path for row in spent for path in (row.pdf_path, row.manifest_path)]
