"""A database check: one search of one council data source for one case, kept as evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SourceInfo:
    """A loaded data source (school roll, EHE register, social care, ...)."""

    name: str
    file_name: str
    file_sha256: str
    rows: int
    loaded_at: datetime


@dataclass(frozen=True)
class DatabaseCheck:
    """What was searched, when, the candidates found with their scores, and the decision."""

    case_id: int
    source_name: str
    source_sha256: str
    checked_at: datetime
    fields_searched: tuple[str, ...]
    decision: str  # match | possible | none
    best_ref: str = ""
    best_score: float = 0.0
    candidates: list[dict[str, Any]] = field(default_factory=list)
