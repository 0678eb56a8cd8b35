"""No letter goes in the post with a past reply-by date: stale post is remade or withdrawn.

When the post is made up into a print batch, every letter waiting for it that states a date is
checked against the day it would now be delivered. A statutory notice (s437(1), s438) must still
give the parent its full period from service; any other letter at least `post_min_reply_days`
after delivery. A stale letter is made again with new dates, as a new letter record that
replaces it, or, when it should no longer go at all (the case is closed, the stage it belongs
to is over, the child is past school age), withdrawn with the reason, which the coordinator
sees in the outbox, the case history and the print-batch report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from missing_education.clock import now
from missing_education.domain import SYSTEM, Case, HistoryEntry, Status
from missing_education.domain.attention import Attention
from missing_education.domain.letter import (
    Channel,
    Delivery,
    LetterRecord,
    Recipient,
    decode_details,
)
from missing_education.domain.words import letter_words, long_date
from missing_education.ports import UnitOfWork, WriteConflict
from missing_education.rules.service import deemed_served, period_last_day, stated_last_day
from missing_education.services import recipients
from missing_education.services.attention import guarded
from missing_education.services.letters import LetterRequest, issue_letters
from missing_education.services.locks import lock_cases
from missing_education.services.procedure import CME_ACTION_LETTERS, Procedure
from missing_education.services.procedure.attendance_order import statutory_days
from missing_education.settings import Settings

# The stage a statutory notice belongs to: once the case has left it, the notice must not go.
NOTICE_STAGES = {
    "s437_notice": Status.S437_ISSUED,
    "s438_notice": Status.S438_ISSUED,
    "school_attendance_order": Status.ATTENDANCE_ORDER,
}
# Letters whose `deadline` is not a date asked of the recipient (the acknowledgement says when
# we aim to have located the child): their date is a fact, not a reply-by.
NOT_A_REPLY_BY = frozenset({"acknowledgement"})


@dataclass
class StalePost:
    """What the check of the waiting post did: letters remade, and letters withdrawn (why)."""

    remade: list[tuple[int, int]] = field(default_factory=list)  # (old letter, new letter)
    withdrawn: list[tuple[int, str]] = field(default_factory=list)  # (letter, reason)
    attention: dict[int, str] = field(default_factory=dict)  # case id -> reason category


def review_waiting_post(uow: UnitOfWork, *, settings: Settings, today: date) -> StalePost:
    """Remake or withdraw every postal letter whose date would be past or too close if posted
    today; each case in a transaction of its own (one that fails is flagged, the rest go on).
    """
    result = StalePost()
    with uow:
        procedure = Procedure(uow, settings, today)
        waiting = [
            letter
            for letter in uow.letters.outbox(
                (Delivery.QUEUED,), channel=Channel.POST, unbatched=True
            )
            if letter.reply_by is not None and letter.letter_type not in NOT_A_REPLY_BY
        ]
        for letter in waiting:
            if letter.reply_by is not None and letter.reply_by >= fair_reply_by(
                procedure, letter.letter_type, today
            ):
                continue
            try:
                outcome = guarded(
                    uow,
                    letter.case_id,
                    today,
                    partial(_remake_or_withdraw, procedure, letter.id, result),
                    clear=False,
                )
            except WriteConflict:
                uow.rollback()  # another batch run took it: it is looked at there
                continue
            if isinstance(outcome, Attention):
                result.attention[letter.case_id] = outcome.category
    return result


def fair_reply_by(p: Procedure, letter_type: str, posted_on: date) -> date:
    """The earliest date a letter posted on `posted_on` may ask for and still be fair."""
    timescales = p.settings.timescales
    delivered = deemed_served(posted_on, timescales.post_deemed_service_days)
    days = statutory_days(p, letter_type)
    if days is not None:
        return period_last_day(delivered, days)  # the full statutory period from service
    return delivered + timedelta(days=timescales.post_min_reply_days)


def _remake_or_withdraw(p: Procedure, letter_id: int, result: StalePost) -> None:
    uow = p.uow
    lock_cases(uow, [uow.letters.get(letter_id).case_id])
    letter = uow.letters.get(letter_id)
    if letter.status is not Delivery.QUEUED or letter.print_batch_id is not None:
        return  # taken meanwhile
    case = uow.cases.get(letter.case_id)
    stated = long_date(letter.reply_by) if letter.reply_by else "its date"
    why = _why_not_remade(p, case, letter)
    if why is not None:
        _withdraw(p, case, letter, f"{stated} had passed or was too close, and {why}")
        result.withdrawn.append((letter.id, why))
        return
    kept = decode_details(letter.details)
    details = dict(kept["details"])
    details["deadline"] = new_reply_by(p, letter)
    root = letter.step_key.split(":reissue:")[0]
    # A remade letter goes to the family's address as the record has it now.
    stored = Recipient(
        **{
            **kept["recipient"],
            "channel": Channel(kept["recipient"]["channel"]),
            "address_lines": tuple(kept["recipient"]["address_lines"]),
        }
    )
    to = recipients.parent(case, case.parent_name) if stored.role == "parent" else stored
    if to is None:
        _withdraw(p, case, letter, f"{stated} had passed and the family has no address now")
        result.withdrawn.append((letter.id, "the family has no address now"))
        return
    _withdraw(
        p,
        case,
        letter,
        f"{stated} had passed or was too close when the post was made up; remade with "
        f"{long_date(details['deadline'])}",
    )
    made = issue_letters(
        uow,
        [
            LetterRequest(
                case,
                letter.letter_type,
                f"{root}:reissue:{letter.id}",
                to,
                details,
                replaces=uow.letters.get(letter.id),
            )
        ],
        settings=p.settings,
        today=p.today,
    )[0]
    result.remade.append((letter.id, made.id))


def new_reply_by(p: Procedure, letter: LetterRecord) -> date:
    """The date a remade letter states: the full period again, counted from today."""
    timescales = p.settings.timescales
    days = statutory_days(p, letter.letter_type)
    if days is not None:
        return stated_last_day(p.today, days, timescales.post_deemed_service_days)
    made_on = decode_details(letter.details).get("letter_date", p.today)
    given = (letter.reply_by - made_on).days if letter.reply_by else 0
    return max(p.today + timedelta(days=given), fair_reply_by(p, letter.letter_type, p.today))


def _why_not_remade(p: Procedure, case: Case, letter: LetterRecord) -> str | None:
    if not case.is_open:
        return f"the case is closed ({case.outcome})"
    if p.past_school_age(case) and letter.letter_type in CME_ACTION_LETTERS:
        return "the child is past compulsory school age"
    stage = NOTICE_STAGES.get(letter.letter_type)
    if stage is not None and case.status is not stage:
        return f"the case has moved on to {case.status.value}: the notice no longer applies"
    if "recipient" not in decode_details(letter.details):
        return "it was made before letters kept what they were made from: write again if needed"
    return None


def _withdraw(p: Procedure, case: Case, letter: LetterRecord, reason: str) -> None:
    p.uow.letters.claim(letter.id, Delivery.QUEUED, Delivery.WITHDRAWN)
    p.uow.letters.set_delivery(letter.id, last_error=f"withdrawn from the post: {reason}"[:500])
    entry = HistoryEntry(
        at=now(),
        who=SYSTEM,
        from_status=case.status,
        to_status=case.status,
        why=f"letter {letter.id} ({letter_words(letter.letter_type)}) withdrawn from "
        f"the post: {reason}",
    )
    case.history.append(entry)
    case.new_history.append(entry)
    p.uow.cases.save(case)
