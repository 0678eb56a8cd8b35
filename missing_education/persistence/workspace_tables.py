"""The case workspace's tables: users, sessions, sign-in failures, record access, notes, merges."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
)

from missing_education.persistence.tables import cases, deadlines, metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),  # what they sign in with
    Column("full_name", String(100), nullable=False),
    Column("role", String(16), nullable=False),  # coordinator officer manager read_only
    Column("officer_code", String(32), nullable=False, default=""),  # an officer's own cases
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    # Only a digest of the cookie is kept: a copy of the database signs nobody in.
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

record_access = Table(
    "record_access",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("who", String(100), nullable=False),
    Column("action", String(100), nullable=False),  # viewed case | downloaded letter 12
    Column("at", DateTime(timezone=True), nullable=False),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(8), nullable=False),  # note | contact
    Column("at", DateTime(timezone=True), nullable=False),
    Column("who", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("contact_with", String(200), nullable=False, default=""),
    Column("contact_method", String(20), nullable=False, default=""),
    Column("contact_on", Date, nullable=True),
)

# A duplicate case merged into the case kept for the child: ids, who and when (the reason is in
# both cases' histories). One row per duplicate: a case is merged once.
case_merges = Table(
    "case_merges",
    metadata,
    Column("duplicate_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("kept_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("merged_by", String(100), nullable=False),
    Column("merged_at", DateTime(timezone=True), nullable=False),
)

# Search by date of birth and by surname across a council's whole history of cases.
Index("ix_cases_date_of_birth", cases.c.date_of_birth)
Index("ix_cases_surname_lower", func.lower(cases.c.surname))
Index("ix_cases_forename_lower", func.lower(cases.c.forename))
# The caseload's next deadline of every open case, read in case order from the index alone.
Index(
    "ix_deadlines_open_case_due",
    deadlines.c.met_on,
    deadlines.c.acted_on,
    deadlines.c.case_id,
    deadlines.c.due,
)
