"""Handing a child who lives outside the area to their own council, with the letters it takes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from missing_education.domain import Case, Outcome
from missing_education.domain.directory import postcode_district
from missing_education.domain.residence import council_for, parse_other_councils
from missing_education.services import recipients

if TYPE_CHECKING:
    from missing_education.services.procedure import Procedure, StepReport


def hand_over(p: Procedure, case: Case, report: StepReport) -> None:
    """Send the other council the case and tell each referrer where it went (once each)."""
    council = council_for(
        case.child.postcode, parse_other_councils(p.settings.council.other_councils)
    )
    p.letter(
        case,
        "other_la_enquiry",
        "out_of_area_handover",
        recipients.other_council(council.name, council.email),
        other_council=council.name,
        notes=(
            "The child's address is in your area (postcode district "
            f"{postcode_district(case.child.postcode)}), not ours, so we have not investigated. "
            "We hand the notification to you and have closed our case."
        ),
        deadline=p.calendar.add_school_days(p.today, p.settings.timescales.handover_confirmation),
    )
    report.count("handed_to_home_council", case.id)
    told: set[tuple[str, str]] = set()
    for notification in p.uow.notifications.for_case(case.id):
        who = (notification.referrer_email.casefold(), notification.referrer_organisation)
        if who in told:
            continue
        told.add(who)
        p.letter(
            case,
            "closure_referrer",
            f"closure_referrer:{notification.id}",
            recipients.referrer(notification),
            notification_date=notification.referral_date,
            outcome=f"The child lives outside our area. We have passed your notification to "
            f"{council.name}, whose children missing education officer will make enquiries.",
        )


def is_handed_over(case: Case) -> bool:
    """Whether triage closed the case because the child lives elsewhere."""
    return case.outcome is Outcome.OUT_OF_AREA
