"""letters queued before typesetting (their context kept), PDFs stored in the database

Revision ID: 0012_i18_letters_in_database
Revises: 0009_law_edges
Create Date: 2026-11-30 13:40:00.000000

A letter is now recorded with its context and typeset later, in batches; its PDF is kept in
`letter_documents`, not under CME_HOME. Letters typeset before this revision have their PDF
copied in from the file their `path` names (a file that is gone is left as it was).
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op


revision = '0012_i18_letters_in_database'
down_revision = '0010_i16_case_merges'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("letters") as batch:
        batch.add_column(sa.Column("context", sa.Text(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("typeset_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_letters_untypeset",
        "letters",
        ["id"],
        postgresql_where=sa.text("sha256 = ''"),
        sqlite_where=sa.text("sha256 = ''"),
    )
    op.create_table(
        "letter_documents",
        sa.Column("letter_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["letter_id"], ["letters.id"], name="fk_letter_documents_letter_id_letters"
        ),
        sa.PrimaryKeyConstraint("letter_id", name="pk_letter_documents"),
    )
    # The PDFs written to the letters folder before: into the database, where every host reads.
    connection = op.get_bind()
    letters = sa.table(
        "letters", sa.column("id", sa.Integer()), sa.column("path", sa.String())
    )
    documents = sa.table(
        "letter_documents",
        sa.column("letter_id", sa.Integer()),
        sa.column("size", sa.Integer()),
        sa.column("pdf", sa.LargeBinary()),
    )
    rows = connection.execute(
        sa.select(letters.c.id, letters.c.path).where(
            letters.c.path != "", letters.c.path != "[removed]"
        )
    ).all()
    for letter_id, path in rows:
        file = Path(path)
        if file.is_file():
            pdf = file.read_bytes()
            connection.execute(
                sa.insert(documents).values(letter_id=letter_id, size=len(pdf), pdf=pdf)
            )


def downgrade() -> None:
    op.drop_table("letter_documents")
    op.drop_index("ix_letters_untypeset", table_name="letters")
    with op.batch_alter_table("letters") as batch:
        batch.drop_column("typeset_at")
        batch.drop_column("context")
