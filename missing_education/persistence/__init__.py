"""The case database: tables, repositories and the unit of work (the only SQLAlchemy user)."""

from missing_education.persistence.database import ensure_schema, head_revision, upgrade
from missing_education.persistence.unit_of_work import SqlUnitOfWork

__all__ = ["SqlUnitOfWork", "ensure_schema", "head_revision", "upgrade"]
