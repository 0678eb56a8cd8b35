"""The `cme letters` commands: preview, outbox, sending and print batches."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from missing_education.cli_support import JsonOption
from missing_education.cli_support import fail as _fail
from missing_education.cli_support import open_uow as _uow
from missing_education.cli_support import parse_day as _parse_day
from missing_education.cli_support import print_json as _print_json
from missing_education.cli_support import settings_or_exit as _settings
from missing_education.cli_support import today_or_exit as _today
from missing_education.delivery import SmtpTransport
from missing_education.domain.limits import ID_LIMIT
from missing_education.letters import LETTER_TYPES, LetterError, render_letter, sample_context
from missing_education.private_files import check_output_file, write_private
from missing_education.services import outbox
from missing_education.services.letters import letterhead


def letters_preview(
    letter_type: Annotated[
        str, typer.Argument(metavar="TYPE", help="A letter type, e.g. school_enquiry.")
    ],
    out: Annotated[Path | None, typer.Option(help="Where to write the PDF.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
) -> None:
    """Render a letter with sample data and this council's letterhead, to check the wording."""
    settings = _settings()
    if letter_type not in LETTER_TYPES:
        raise _fail(f"unknown letter type {letter_type!r}; types: {', '.join(LETTER_TYPES)}", 2)
    target = out or Path(f"{letter_type}-preview.pdf")
    check_output_file(target, force=force)
    try:
        rendered = render_letter(letter_type, sample_context(letter_type), letterhead(settings))
        write_private(target, rendered.pdf, force=force)
    except LetterError as error:
        raise _fail(str(error)) from None
    typer.echo(f"Wrote {target} ({rendered.pages} pages, template {rendered.template_version}).")


def letters_outbox(as_json: JsonOption = False) -> None:
    """Every letter and where it is: queued, sending, sent, failed or posted."""
    rows = outbox.outbox_view(_uow(_settings()))
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>6} {r['reference']} {r['type']:<24} {r['channel']:<5} "
            f"{r['status']:<8} {r['recipient']}"
            + (f"  ({r['last_error']})" if r["last_error"] else "")
        )
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    typer.echo(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "The outbox is empty.")


def letters_send(
    resend_uncertain: Annotated[
        bool, typer.Option(help="Also re-send letters a crash left in 'sending' (same Message-ID).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Email every queued letter that is due, exactly once each; failures retry with back-off."""
    settings = _settings()
    report = outbox.send_queued(
        _uow(settings),
        SmtpTransport(settings.mail),
        settings=settings,
        resend_uncertain=resend_uncertain,
    )
    if as_json:
        _print_json(report.as_dict())
        return
    typer.echo(
        f"{report.sent} sent, {report.retrying} to retry, {report.failed} failed, "
        f"{report.waiting} waiting for their retry time."
    )
    if report.uncertain:
        typer.echo(
            f"{len(report.uncertain)} letters may or may not have gone (a crash while "
            "sending): check, then run with --resend-uncertain."
        )


def letters_print_batch() -> None:
    """Put every queued postal letter into one PDF with a manifest CSV for the print room."""
    settings = _settings()
    made = outbox.make_up_post(_uow(settings), settings=settings, today=_today())
    for old_id, new_id in made.stale.remade:
        typer.echo(
            f"Letter {old_id} remade as letter {new_id}: its date had passed or was too close."
        )
    for letter_id, reason in made.stale.withdrawn:
        typer.echo(f"Letter {letter_id} withdrawn from the post: {reason}.")
    if made.stale.attention:
        typer.echo(
            f"{len(made.stale.attention)} cases need attention: a stale letter could not be "
            "remade (cme cases --attention)."
        )
    batch = made.batch
    if batch is None:
        typer.echo("No letters waiting to be posted.")
        return
    typer.echo(f"Print batch {batch.id}: {batch.letters} letters, {batch.pages} pages.")
    typer.echo(f"  PDF: {batch.pdf_path}\n  manifest: {batch.manifest_path}")
    typer.echo(f"When posted, run: cme letters confirm-batch {batch.id}")


def letters_confirm_batch(
    batch_id: Annotated[int, typer.Argument(help="The print batch id.", min=1, max=ID_LIMIT)],
    posted_on: Annotated[
        str | None,
        typer.Option(help="The day it went in the post, YYYY-MM-DD (default: today)."),
    ] = None,
) -> None:
    """Confirm a print batch went in the post: its letters are marked posted.

    Each letter is deemed served on the second business day after posting; the periods of
    s437(1) and s438 notices and school attendance orders run from that day.
    """
    settings = _settings()
    day = _parse_day(posted_on, "--posted-on") if posted_on else _today()
    if day > _today():
        raise _fail(f"--posted-on {day.isoformat()} is in the future")
    moved = outbox.confirm_print_batch(_uow(settings), batch_id, settings=settings, posted_on=day)
    typer.echo(f"Print batch {batch_id}: {moved} letters marked posted on {day:%d %B %Y}.")
