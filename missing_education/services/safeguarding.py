"""Safeguarding on every notification: each new concern goes to MASH the day it arrives."""

# docs/domain.md section 4.1: a concern at intake goes to children's social care at once and CME
# steps never delay it; a new concern on a notification linked to an open case is a new
# referral; an unknown flag is kept, treated as a possible risk and put to a person to map.

from __future__ import annotations

from typing import TYPE_CHECKING

from missing_education.domain import Case
from missing_education.domain.risk import NOT_A_RISK, Risk, read_risks, words_for
from missing_education.domain.words import long_date
from missing_education.ports import NotificationRecord
from missing_education.services import recipients

if TYPE_CHECKING:
    from missing_education.services.procedure import Procedure, StepReport

RISK_MAPPING = "risk_mapping"


def refer_concerns(
    p: Procedure,
    case: Case,
    report: StepReport,
    notifications: list[NotificationRecord] | None = None,
) -> None:
    """Refer every notification's concern on this case to MASH once, and the police at once."""
    if notifications is None:
        notifications = p.uow.notifications.for_case(case.id)
    if not case.safeguarding and not any(n.vulnerabilities for n in notifications):
        return  # nothing flagged: the common case, decided without another query
    concerned = [n for n in notifications if read_risks(n.vulnerabilities).safeguarding]
    if case.safeguarding and not any(n.vulnerabilities for n in notifications):
        # A case taken in before flags were kept per notification: its own flags stand in.
        opened = [n for n in notifications if n.disposition == "opened"][:1]
        concerned = opened + concerned
    for notification in concerned:
        flags = notification.vulnerabilities or case.vulnerabilities
        reading = read_risks(flags)
        first = notification.disposition == "opened"
        key = "intake" if first else f"notification:{notification.id}"
        reason = (
            "A safeguarding concern was raised when the child was notified."
            if first
            else "A further notification about this child, received "
            f"{long_date(notification.referral_date)}, raises a safeguarding concern."
        )
        if reading.unknown:
            reason += (
                " It includes a flag we do not recognise; until a person has checked it we "
                "treat it as a possible risk."
            )
        p.letter(
            case,
            "social_care_referral",
            f"social_care_referral:{key}",
            recipients.agency("social_care", p.settings),
            reason=reason,
            evidence=p.evidence(case),
            risk_flags=[words_for(code) for code in flags],
            deadline=p.calendar.add_school_days(p.today, 1),
        )
        report.count("referred_to_social_care", case.id)
        if reading.police_at_once:
            _tell_police_and_responsible_authority(p, case, notification, reading.known, report)
    if read_risks(case.vulnerabilities).unknown:
        ask_to_map(p, case, report)


def ask_to_map(p: Procedure, case: Case, report: StepReport) -> None:
    """Put the case's first unmapped flag to a person (once: one question open at a time)."""
    if p.uow.decisions.open_for(case.id, RISK_MAPPING) is None:
        p.uow.decisions.request(case.id, RISK_MAPPING, p.today)
        report.count("risk_mapping_requested", case.id)


def merge_flags(case: Case, flags: tuple[str, ...]) -> bool:
    """Add a linked notification's flags to its case; whether anything was new."""
    merged = case.vulnerabilities + tuple(f for f in flags if f not in case.vulnerabilities)
    safeguarding = case.safeguarding or read_risks(merged).safeguarding
    if merged == case.vulnerabilities and safeguarding == case.safeguarding:
        return False
    case.vulnerabilities, case.safeguarding = merged, safeguarding
    return True


def map_flag(case: Case, answer: str) -> tuple[str, str] | None:
    """Replace the case's first unmapped flag by the code a person chose (or drop it)."""
    unknown = read_risks(case.vulnerabilities).unknown
    if not unknown:
        return None
    flag = unknown[0]
    mapped = () if answer == NOT_A_RISK else (answer,)
    flags: list[str] = []
    for code in case.vulnerabilities:
        for new in mapped if code == flag else (code,):
            if new not in flags:
                flags.append(new)
    case.vulnerabilities = tuple(flags)
    return flag, answer


def _tell_police_and_responsible_authority(
    p: Procedure,
    case: Case,
    notification: NotificationRecord,
    known: tuple[Risk, ...],
    report: StepReport,
) -> None:
    words = "; ".join(words_for(r.value) for r in known)
    p.letter(
        case,
        "police_notification",
        f"police_notification:at_once:{notification.id}",
        recipients.agency("police", p.settings),
        reason=f"The child was notified to us on {long_date(notification.referral_date)} as: "
        f"{words}. We tell you at once, without waiting for our own enquiries.",
        evidence=p.evidence(case),
        deadline=p.calendar.add_school_days(p.today, 1),
    )
    report.count("police_told_at_once", case.id)
    if Risk.MISSING_FROM_CARE in known:
        p.letter(
            case,
            "social_care_referral",
            f"responsible_authority:{notification.id}",
            recipients.agency("responsible_authority", p.settings),
            reason="The child was notified to us as missing from care. As the authority "
            "responsible for the child, please act now and tell us where the child is placed.",
            evidence=p.evidence(case),
            risk_flags=[words_for(r.value) for r in known],
            deadline=p.calendar.add_school_days(p.today, 1),
        )
        report.count("responsible_authority_told", case.id)
