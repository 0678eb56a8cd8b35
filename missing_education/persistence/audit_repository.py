"""SQL repository of the audit trail: who did what and when, from history, decisions, letters."""

from __future__ import annotations

from sqlalchemy import Connection, select

from missing_education.persistence.columns import aware
from missing_education.persistence.tables import case_history, decisions, letters
from missing_education.persistence.workspace_tables import record_access
from missing_education.ports import AuditEntry


class SqlAuditRepository:
    """Reads the records every step already keeps; writes nothing of its own."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def entries(self, case_id: int | None = None) -> list[AuditEntry]:
        """Every recorded action on one case (or all cases), oldest first."""
        found: list[AuditEntry] = []
        history = select(case_history).order_by(case_history.c.id)
        answered = select(decisions).where(decisions.c.decided_at.is_not(None))
        made = select(letters).order_by(letters.c.id)
        if case_id is not None:
            history = history.where(case_history.c.case_id == case_id)
            answered = answered.where(decisions.c.case_id == case_id)
            made = made.where(letters.c.case_id == case_id)
        for h in self.connection.execute(history).mappings():
            found.append(
                AuditEntry(
                    at=aware(h["at"]),
                    case_id=h["case_id"],
                    who=h["who"],
                    action=f"{h['from_status'] or 'opened'} -> {h['to_status']}",
                    detail=h["why"],
                )
            )
        for d in self.connection.execute(answered).mappings():
            found.append(
                AuditEntry(
                    at=aware(d["decided_at"]),
                    case_id=d["case_id"],
                    who=d["decided_by"] or "",
                    action=f"decided {d['kind']}: {d['answer']}",
                    detail=f"asked {d['requested_on'].isoformat()} (round {d['round']})",
                )
            )
        for letter in self.connection.execute(made).mappings():
            found.append(
                AuditEntry(
                    at=aware(letter["created_at"]),
                    case_id=letter["case_id"],
                    who="system",
                    action=f"letter {letter['letter_type']} issued",
                    detail=f"to {letter['recipient_role']} by {letter['channel']}",
                )
            )
            if letter["sent_at"] is not None:
                found.append(
                    AuditEntry(
                        at=aware(letter["sent_at"]),
                        case_id=letter["case_id"],
                        who="system",
                        action=f"letter {letter['letter_type']} {letter['status']}",
                        detail=f"to {letter['recipient_role']} by {letter['channel']}",
                    )
                )
        # Who looked: every case page viewed and letter downloaded in the case workspace.
        looked = select(record_access).order_by(record_access.c.id)
        if case_id is not None:
            looked = looked.where(record_access.c.case_id == case_id)
        for a in self.connection.execute(looked).mappings():
            found.append(
                AuditEntry(
                    at=aware(a["at"]),
                    case_id=a["case_id"],
                    who=a["who"],
                    action=a["action"],
                    detail="case workspace",
                )
            )
        return sorted(found, key=lambda e: (e.at, e.case_id))
