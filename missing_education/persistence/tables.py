"""The case database's tables (SQLAlchemy Core); Alembic migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("status", String(32), nullable=False, index=True),
    Column("forename", String(100), nullable=False),
    Column("surname", String(100), nullable=False),
    Column("date_of_birth", Date, nullable=True),  # not known: the case waits for it
    Column("sex", String(1), nullable=False, default=""),
    Column("upn", String(13), nullable=False, default="", index=True),
    Column("address_line1", String(2000), nullable=False, default=""),
    Column("address_line2", String(2000), nullable=False, default=""),
    Column("town", String(2000), nullable=False, default=""),
    Column("postcode", String(10), nullable=False, default=""),
    Column("parent_name", String(100), nullable=False, default=""),
    Column("parent_phone", String(2000), nullable=False, default=""),
    Column("parent_email", String(2000), nullable=False, default=""),
    Column("school_urn", String(7), nullable=False, default=""),
    Column("school_name", String(2000), nullable=False, default=""),
    Column("date_last_attended", Date, nullable=True),
    Column("reason", String(2000), nullable=False, default=""),
    Column("vulnerabilities", String(2000), nullable=False, default=""),
    Column("safeguarding", Boolean, nullable=False, default=False),
    Column("referrer_name", String(100), nullable=False, default=""),
    Column("referrer_organisation", String(2000), nullable=False, default=""),
    Column("referrer_email", String(2000), nullable=False, default=""),
    # Folded forename|surname|date of birth: finds the open case of a child without a UPN.
    Column("identity_key", String(256), nullable=False, index=True),
    Column("referral_date", Date, nullable=False),
    Column("opened_on", Date, nullable=False),
    Column("csa_starts", Date, nullable=True),
    Column("csa_ends", Date, nullable=True),
    Column("csa_needs_review", Boolean, nullable=False, default=False),
    Column("outcome", String(64), nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("notes", Text, nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # Set when the retention period ran out and the personal data was removed.
    Column("anonymised_on", Date, nullable=True),
)
# One open case per child, whichever process takes the notification in first: a second intake
# racing the first fails on these and retries, then links to the case the first one opened.
_OPEN_CASE = text("status <> 'closed'")
_OPEN_CASE_WITH_UPN = text("status <> 'closed' AND upn <> ''")
Index(
    "uq_cases_open_identity_key",
    cases.c.identity_key,
    unique=True,
    postgresql_where=_OPEN_CASE,
    sqlite_where=_OPEN_CASE,
)
Index(
    "uq_cases_open_upn",
    cases.c.upn,
    unique=True,
    postgresql_where=_OPEN_CASE_WITH_UPN,
    sqlite_where=_OPEN_CASE_WITH_UPN,
)
# The daily review's first question, which open cases are past compulsory school age, read
# from open cases alone (without it every case ever opened is read, closed ones too).
Index(
    "ix_cases_open_csa_ends",
    cases.c.csa_ends,
    postgresql_where=_OPEN_CASE,
    sqlite_where=_OPEN_CASE,
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    # The same notification ingested twice has the same fingerprint: one row, one case.
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("source", String(500), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("referral_date", Date, nullable=False),
    Column("referrer_organisation", String(2000), nullable=False),
    Column("referrer_name", String(100), nullable=False, default=""),
    Column("referrer_email", String(2000), nullable=False, default=""),
    Column("disposition", String(16), nullable=False),  # opened | linked
    # This notification's own flags (docs/domain.md 4.1): a linked one may raise a new concern.
    Column("vulnerabilities", String(2000), nullable=False, default="", server_default=""),
    Column("extra", Text, nullable=False, default="{}"),  # extra columns, kept as notes (JSON)
)

case_history = Table(
    "case_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("who", String(200), nullable=False),
    Column("from_status", String(32), nullable=True),
    Column("to_status", String(32), nullable=False),
    Column("why", Text, nullable=False),
)

deadlines = Table(
    "deadlines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False),
    Column("step", String(48), nullable=False),
    Column("round", Integer, nullable=False, default=1),
    Column("base_date", Date, nullable=False),
    Column("school_days", Integer, nullable=True),
    Column("calendar_days", Integer, nullable=True),
    Column("school_urn", String(7), nullable=False, default=""),
    Column("due", Date, nullable=False),
    Column("met_on", Date, nullable=True),
    Column("acted_on", Date, nullable=True),
    UniqueConstraint("case_id", "step", "round", name="uq_deadlines_case_step_round"),
    Index("ix_deadlines_open_due", "met_on", "acted_on", "due"),
)

calendar_periods = Table(
    "calendar_periods",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("school_urn", String(7), nullable=False, default=""),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("description", String(200), nullable=False, default=""),
)

schools = Table(
    "schools",
    metadata,
    Column("urn", String(7), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False, default=""),
    Column("address_line1", String(200), nullable=False, default=""),
    Column("town", String(100), nullable=False, default=""),
    Column("postcode", String(10), nullable=False, default=""),
)

officers = Table(
    "officers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(100), nullable=False),
    Column("email", String(320), nullable=False, default=""),
    Column("phone", String(40), nullable=False, default=""),
    Column("areas", String(500), nullable=False, default=""),  # postcode districts, ";"
    Column("capacity", Integer, nullable=False, default=25),
    Column("active", Boolean, nullable=False, default=True),
)

home_visits = Table(
    "home_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("round", Integer, nullable=False, default=1),
    Column("officer_id", Integer, ForeignKey("officers.id"), nullable=True, index=True),
    Column("requested_on", Date, nullable=False),
    Column("assigned_on", Date, nullable=True),
    Column("outcome", String(48), nullable=True),
    Column("visited_on", Date, nullable=True),
    UniqueConstraint("case_id", "round", name="uq_home_visits_case_round"),
)

letters = Table(
    "letters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    # What step produced the letter: re-running that step finds this letter, not a new one.
    Column("step_key", String(100), nullable=False),
    Column("letter_type", String(40), nullable=False),
    Column("recipient_role", String(40), nullable=False),
    Column("recipient", String(300), nullable=False),
    Column("recipient_email", String(320), nullable=False, default=""),
    Column("channel", String(8), nullable=False),  # email | post
    Column("template_version", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("pages", Integer, nullable=False),
    Column("path", String(1000), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("replaces_letter_id", Integer, ForeignKey("letters.id"), nullable=True),
    Column("status", String(12), nullable=False, index=True),  # queued sending sent failed posted
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("last_error", String(500), nullable=False, default=""),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("message_id", String(200), nullable=False, default=""),
    Column("print_batch_id", Integer, ForeignKey("print_batches.id"), nullable=True),
    # What the letter says, kept until it is typeset (JSON; dates tagged): the sweep records a
    # letter and the renderer typesets it later, in batches. sha256 is "" until then.
    Column("context", Text, nullable=False, default="{}", server_default="{}"),
    Column("typeset_at", DateTime(timezone=True), nullable=True),
    Column("reply_by", Date, nullable=True),  # the date the letter asks for
    Column("served_on", Date, nullable=True),  # deemed served (post) or sent (email)
    Column("details", Text, nullable=False, default="{}"),  # JSON: to remake it with new dates
    UniqueConstraint("case_id", "step_key", name="uq_letters_case_step"),
)
Index(
    "ix_letters_untypeset",
    letters.c.id,
    postgresql_where=text("sha256 = ''"),
    sqlite_where=text("sha256 = ''"),
)

# Each letter's PDF, in the case database where every worker host can read it (issue 18):
# CME_HOME keeps no letter that a second host would need.
letter_documents = Table(
    "letter_documents",
    metadata,
    Column("letter_id", Integer, ForeignKey("letters.id"), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("pdf", LargeBinary, nullable=False),
)

# Notification files waiting for intake (`cme upload`, the inbox), in the case database so that
# the host that runs the intake flow needs nothing from the host where the file arrived.
held_files = Table(
    "held_files",
    metadata,
    Column("id", String(18), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("from_inbox", Boolean, nullable=False, default=False),
    Column("reason", Text, nullable=True),
    Column("held_at", DateTime(timezone=True), nullable=False),
    # Set when the file has been taken in: its bytes and name are dropped and the row kept, so
    # a rerun of the run that took it in finds "taken in already" rather than no file at all.
    Column("released_at", DateTime(timezone=True), nullable=True),
)

print_batches = Table(
    "print_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_on", Date, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("pdf_path", String(1000), nullable=False),
    Column("manifest_path", String(1000), nullable=False),
    Column("letters", Integer, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),  # school_reply, home_visit, admissions, ...
    Column("round", Integer, nullable=False, default=1),
    Column("requested_on", Date, nullable=False),
    Column("answer", String(64), nullable=True),
    Column("details", Text, nullable=False, default="{}"),  # JSON: dates, choices, notes
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("flow_run_id", String(64), nullable=True),
    UniqueConstraint("case_id", "kind", "round", name="uq_decisions_case_kind_round"),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("file_name", String(500), nullable=False),
    Column("file_sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)

source_records = Table(
    "source_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source_id", Integer, ForeignKey("sources.id"), nullable=False, index=True),
    Column("ref", String(200), nullable=False),
    Column("forename", String(200), nullable=False),
    Column("surname", String(200), nullable=False),
    # Kept as written: a bad date is treated as missing by the matcher, never a reason to drop.
    Column("date_of_birth", String(40), nullable=False, default=""),
    Column("sex", String(10), nullable=False, default=""),
    Column("upn", String(20), nullable=False, default=""),
    Column("address_line1", String(2000), nullable=False, default=""),
    Column("postcode", String(20), nullable=False, default=""),
    Column("school_urn", String(10), nullable=False, default=""),
    Column("extra", Text, nullable=False, default="{}"),
)

database_checks = Table(
    "database_checks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("source_name", String(100), nullable=False),
    Column("source_sha256", String(64), nullable=False),
    Column("checked_at", DateTime(timezone=True), nullable=False),
    Column("fields_searched", String(500), nullable=False),
    Column("decision", String(16), nullable=False),  # match | possible | none
    Column("best_ref", String(200), nullable=False, default=""),
    Column("best_score", Float, nullable=False, default=0.0),
    Column("candidates", Text, nullable=False, default="[]"),  # JSON: ref, score, decision, why
    UniqueConstraint("case_id", "source_name", "source_sha256", name="uq_checks_case_source"),
)

# A case a step failed on (issue 15): kept until a step on it succeeds. The reason names
# fields and references, never a child's details.
case_attention = Table(
    "case_attention",
    metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("category", String(20), nullable=False),
    Column("reason", String(300), nullable=False),
    Column("since", Date, nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
)
