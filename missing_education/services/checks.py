"""Database checks: load the council's data sources and search them for a case's child.

Every search is recorded (source, when, fields searched, candidates with scores and reasons,
decision) as evidence of reasonable enquiries. A `match` or `possible` is never acted on by
itself: it goes to a coordinator as a match-review decision, because a false link can close
the case of a child who is still missing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from missing_education.clock import now
from missing_education.domain import Case, Outcome
from missing_education.domain.check import DatabaseCheck, SourceInfo
from missing_education.domain.errors import InputFileRefused
from missing_education.matching import Matcher, MatchingInputError, Thresholds, read_register
from missing_education.ports import UnitOfWork

FIELDS_SEARCHED = ("upn", "forename", "surname", "date_of_birth", "sex", "postcode")
# What a confirmed match in a source means for the case (by the start of the source's name).
SOURCE_OUTCOMES: tuple[tuple[str, Outcome], ...] = (
    ("school", Outcome.ON_ROLL_HERE),
    ("census", Outcome.ON_ROLL_HERE),
    ("roll", Outcome.ON_ROLL_HERE),
    ("admissions", Outcome.ON_ROLL_HERE),
    ("ehe", Outcome.EHE),
    ("other", Outcome.ON_ROLL_ELSEWHERE),
    ("lpd", Outcome.ON_ROLL_ELSEWHERE),
)

# Matchers are built once per source version and kept for the life of the process.
_MATCHERS: dict[tuple[str, str], Matcher] = {}


class SourceFileError(InputFileRefused):
    """A source file is refused; the previous load of that source stays in place."""


@dataclass(frozen=True)
class SourceLoad:
    """What a load took in and what it rejected (row and reason)."""

    info: SourceInfo
    rejections: list[tuple[int, str]]
    extra_columns: list[str]


def outcome_for(source_name: str) -> Outcome | None:
    """The closure outcome a confirmed match in this source supports, if any."""
    lowered = source_name.lower()
    return next((o for prefix, o in SOURCE_OUTCOMES if lowered.startswith(prefix)), None)


# A load rejecting more than this share of its rows is refused: the old source stays.
MAX_REJECTED_SHARE = 0.2


def load_source(
    uow: UnitOfWork, name: str, path: Path, *, max_rejected_share: float = MAX_REJECTED_SHARE
) -> SourceLoad:
    """Replace a named source with a CSV or Excel extract, atomically.

    A file in which no row (or too large a share of rows) can be used is refused and the
    source keeps its last good load: an empty or broken extract must not silently empty it.
    Row numbers are the spreadsheet's (the header is row 1).
    """
    if not name.replace("_", "").replace("-", "").isalnum() or len(name) > 60:
        raise SourceFileError("a source name is up to 60 letters, digits, '-' and '_'")
    try:
        register = read_register(path)
    except MatchingInputError as error:
        raise SourceFileError(str(error)) from None
    rejections = [(r.row, r.reason) for r in register.rejections]
    total = len(register.records) + len(rejections)
    if not len(register.records):
        raise SourceFileError(
            f"no row of {path.name} could be used ({len(rejections)} rejected); "
            f"the source {name} was kept as it was"
            + "".join(f"\n  row {row}: {why}" for row, why in rejections[:10])
        )
    if len(rejections) > max_rejected_share * total:
        raise SourceFileError(
            f"{len(rejections)} of {total} rows of {path.name} were rejected, more than "
            f"{max_rejected_share:.0%}; the source {name} was kept as it was "
            "(correct the file, or allow more with --allow-rejected)"
            + "".join(f"\n  row {row}: {why}" for row, why in rejections[:10])
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    info = SourceInfo(
        name=name,
        file_name=path.name,
        file_sha256=digest,
        rows=len(register.records),
        loaded_at=now(),
    )
    with uow:
        uow.sources.replace(info, register.records)
        uow.commit()
    return SourceLoad(
        info=info,
        rejections=rejections,
        extra_columns=list(register.extra_columns),
    )


def list_sources(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Each source with rows, loaded-at and file hash."""
    with uow:
        return [
            {
                "name": s.name,
                "rows": s.rows,
                "loaded_at": s.loaded_at.isoformat(timespec="seconds"),
                "file": s.file_name,
                "sha256": s.file_sha256,
            }
            for s in uow.sources.all()
        ]


def _matcher(uow: UnitOfWork, source: SourceInfo, thresholds: Thresholds) -> Matcher:
    key = (source.name, source.file_sha256)
    if key not in _MATCHERS:
        for stale in [k for k in _MATCHERS if k[0] == source.name]:
            del _MATCHERS[stale]
        _MATCHERS[key] = Matcher(uow.sources.records(source.name))
    matcher = _MATCHERS[key]
    matcher.thresholds = thresholds  # the council's operating point (settings [matching])
    return matcher


def person(case: Case) -> dict[str, Any]:
    """The case's child as the matcher reads a person."""
    child = case.child
    return {
        "ref": case.reference,
        "forename": child.forename,
        "surname": child.surname,
        # Not known: a blank, which weighs nothing for or against a record.
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else "",
        "sex": child.sex,
        "upn": child.upn,
        "address_line1": child.address_line1,
        "postcode": child.postcode,
        "school_urn": case.school_urn,
    }


def check_databases(
    uow: UnitOfWork, case: Case, thresholds: Thresholds | None = None
) -> list[DatabaseCheck]:
    """Search every loaded source for the child once per source version; return new checks."""
    thresholds = thresholds or Thresholds()
    made = []
    for source in uow.sources.all():
        if any(
            c.source_name == source.name and c.source_sha256 == source.file_sha256
            for c in uow.sources.checks(case.id)
        ):
            continue
        searched = person(case)
        found = (
            _matcher(uow, source, thresholds).candidates(searched, limit=5) if source.rows else []
        )
        best = found[0] if found else None
        check = DatabaseCheck(
            case_id=case.id,
            source_name=source.name,
            source_sha256=source.file_sha256,
            checked_at=now(),
            # Evidence of reasonable enquiries: only what the record had to search with.
            fields_searched=tuple(f for f in FIELDS_SEARCHED if searched[f]),
            decision=best.decision if best else "none",
            best_ref=best.register_ref if best and best.decision != "none" else "",
            best_score=round(best.score, 4) if best else 0.0,
            candidates=[
                {
                    "ref": c.register_ref,
                    "score": round(c.score, 4),
                    "decision": c.decision,
                    "why": [
                        {"field": a.field, "level": a.level, "weight": round(a.weight, 2)}
                        for a in c.explanation
                    ],
                }
                for c in found
            ],
        )
        if uow.sources.add_check(check):
            made.append(check)
    return made


def match_summary(check: DatabaseCheck) -> dict[str, Any]:
    """A check as `cme case show` lists it."""
    return {
        "source": check.source_name,
        "checked_at": check.checked_at.isoformat(timespec="seconds"),
        "fields_searched": list(check.fields_searched),
        "decision": check.decision,
        "best_ref": check.best_ref,
        "best_score": check.best_score,
        "candidates": check.candidates,
    }


def records_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A register-shaped frame (used by tests and benchmarks)."""
    return pd.DataFrame(rows, dtype=object)
