"""The `cme` commands about who and what the council knows: officers, schools, data sources,
and batch matching of two lists."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from missing_education.cli_support import JsonOption
from missing_education.cli_support import fail as _fail
from missing_education.cli_support import open_uow as _uow
from missing_education.cli_support import print_json as _print_json
from missing_education.cli_support import settings_or_exit as _settings
from missing_education.matching import Thresholds, match_files
from missing_education.private_files import check_output_file
from missing_education.services import checks, directory


def officers_import(
    file: Annotated[Path, typer.Argument(help="CSV: code, name, email, phone, areas, capacity.")],
) -> None:
    """Add or update officers; `areas` lists postcode districts separated by ';' (or '*')."""
    result = directory.import_officers(_uow(_settings()), file)
    typer.echo(f"{result.rows} officers loaded.")


def officers_list(as_json: JsonOption = False) -> None:
    """Officers with their open visits and capacity, and visits waiting for an officer."""
    rows = directory.officer_workload(_uow(_settings()))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['code']:<8} {r['name']:<24} {r['open_visits']:>3} / {r.get('capacity', '-')}"
        )


def schools_import(
    file: Annotated[
        Path, typer.Argument(help="CSV: urn, name, email, address_line1, town, postcode.")
    ],
) -> None:
    """Add or replace schools by URN (enquiry letters go to their email address)."""
    result = directory.import_schools(_uow(_settings()), file)
    typer.echo(f"{result.rows} schools loaded.")


def sources_load(
    name: Annotated[str, typer.Argument(help="e.g. school_census, ehe_register, social_care.")],
    file: Annotated[Path, typer.Argument(help="CSV or .xlsx with ref, forename, surname, ...")],
    allow_rejected: Annotated[
        int,
        typer.Option(
            "--allow-rejected",
            min=0,
            max=100,
            metavar="PERCENT",
            help="Refuse the load (keeping the old source) if more rows than this are rejected.",
        ),
    ] = round(checks.MAX_REJECTED_SHARE * 100),
    as_json: JsonOption = False,
) -> None:
    """Replace a named source with an extract, atomically (a failed load keeps the old one).

    Columns: ref, forename, surname (required), date_of_birth, sex, upn, address_line1,
    postcode, school_urn (optional); extra columns are kept. Bad rows are reported by their
    spreadsheet row (the header is row 1). A file with no usable row, or with more than
    --allow-rejected per cent rejected, is refused and the old source kept. Files over
    200 MB, workbooks unpacking past 500 MB, over 1,000,000 rows or 200 columns are refused.
    """
    loaded = checks.load_source(
        _uow(_settings()), name, file, max_rejected_share=allow_rejected / 100
    )
    result = {
        "name": loaded.info.name,
        "rows": loaded.info.rows,
        "sha256": loaded.info.file_sha256,
        "rejected": len(loaded.rejections),
        "rejections": [{"row": r, "reason": why} for r, why in loaded.rejections],
    }
    if as_json:
        _print_json(result)
        return
    typer.echo(f"{name}: {loaded.info.rows} rows loaded, {len(loaded.rejections)} rejected.")
    for row, why in loaded.rejections:
        typer.echo(f"  row {row}: {why}")


def sources_list(as_json: JsonOption = False) -> None:
    """Each source with its rows, when it was loaded and its file hash."""
    rows = checks.list_sources(_uow(_settings()))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['name']:<24} {r['rows']:>9,} rows  loaded {r['loaded_at']}  {r['sha256'][:12]}"
        )
    if not rows:
        typer.echo("No sources loaded.")


def match(
    notifications: Annotated[Path, typer.Argument(help="People to find (register columns).")],
    register: Annotated[Path, typer.Argument(help="The list to search (register columns).")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV.")],
    match_threshold: Annotated[
        float | None,
        typer.Option(
            "--match-threshold",
            help="Score at or above which a candidate is linked (default: setting "
            "matching.match_threshold, 0.85).",
        ),
    ] = None,
    possible_threshold: Annotated[
        float | None,
        typer.Option(
            "--possible-threshold",
            help="Score at or above which a person is asked to look (default: setting "
            "matching.possible_threshold, 0.05).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Batch linkage: the best candidate for every row of NOTIFICATIONS in REGISTER.

    Output columns: notification_ref, register_ref (empty when none), score, decision
    (match, possible or none), one row per notification. How sure each field makes the
    matcher (its m values) is learnt from the notifications themselves; --json shows it.
    """
    configured = _settings().matching
    try:
        thresholds = Thresholds(
            match=configured.match_threshold if match_threshold is None else match_threshold,
            possible=configured.possible_threshold
            if possible_threshold is None
            else possible_threshold,
        )
        check_output_file(out, force=force)
        summary = match_files(notifications, register, out, thresholds, force=force)
    except ValueError as error:  # thresholds out of range; refused files are ValueErrors too
        raise _fail(str(error)) from None
    result: dict[str, Any] = {
        "notifications": summary.notifications,
        "register_rows": summary.register_rows,
        "match": summary.matches,
        "possible": summary.possibles,
        "none": summary.nones,
        "thresholds": {"match": thresholds.match, "possible": thresholds.possible},
        "scored_with_missing_fields": {
            "notifications": {str(n): rows for n, rows in summary.notifications_missing.items()},
            "register": {str(n): rows for n, rows in summary.register_missing.items()},
        },
        "learning": summary.learnt.as_dict() if summary.learnt else None,
        "rejected": [
            {"file": which, "row": r.row, "reason": r.reason}
            for which, rows in (
                ("notifications", summary.notification_rejections),
                ("register", summary.register_rejections),
            )
            for r in rows
        ],
    }
    if as_json:
        _print_json(result)
        return
    typer.echo(
        f"Wrote {out}: {summary.notifications} notifications against {summary.register_rows} "
        f"register rows: {summary.matches} match, {summary.possibles} possible, "
        f"{summary.nones} none (match at score >= {thresholds.match}, possible at "
        f">= {thresholds.possible})."
    )
    for one, many, missing in (
        ("notification", "notifications", summary.notifications_missing),
        ("register row", "register rows", summary.register_missing),
    ):
        for n, rows in missing.items():
            fields = "field" if n == 1 else "fields"
            typer.echo(f"  {rows} {one if rows == 1 else many} scored with {n} {fields} missing")
    if summary.learnt is not None:
        typer.echo(
            f"  m values and the share of swapped names learnt from the notifications "
            f"({summary.learnt.iterations} rounds; --json shows them)"
            if summary.learnt.learnt
            else f"  m values not learnt: {summary.learnt.reason}"
        )
    for r in result["rejected"]:
        typer.echo(f"  {r['file']} row {r['row']}: {r['reason']}")
