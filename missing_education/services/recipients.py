"""Who each letter goes to, and how: schools, councils and agencies by email; families by post."""

from __future__ import annotations

from missing_education.domain import Case
from missing_education.domain.letter import Channel, Recipient
from missing_education.ports import NotificationRecord, UnitOfWork
from missing_education.settings import Settings


def referrer(notification: NotificationRecord) -> Recipient:
    """The person or organisation that notified us (by email when they gave one)."""
    name = notification.referrer_name or "The referrer"
    if notification.referrer_email:
        return Recipient(
            role="referrer",
            name=name,
            channel=Channel.EMAIL,
            email=notification.referrer_email,
            organisation=notification.referrer_organisation,
        )
    return Recipient(
        role="referrer",
        name=name,
        channel=Channel.POST,
        organisation=notification.referrer_organisation,
        address_lines=(notification.referrer_organisation,),
    )


def school(uow: UnitOfWork, case: Case) -> Recipient | None:
    """The child's last known school, from the schools directory (None if no school is known)."""
    if not case.school_urn and not case.school_name:
        return None
    known = uow.directory.school(case.school_urn) if case.school_urn else None
    name = known.name if known else case.school_name or f"School URN {case.school_urn}"
    if known and known.email:
        return Recipient(
            role="school",
            name="The Headteacher",
            channel=Channel.EMAIL,
            email=known.email,
            organisation=name,
        )
    lines = (
        tuple(x for x in (known.address_line1, known.town, known.postcode) if x) if known else ()
    )
    return Recipient(
        role="school",
        name="The Headteacher",
        channel=Channel.POST,
        organisation=name,
        address_lines=lines or (name,),
    )


def named_school(uow: UnitOfWork, urn: str) -> Recipient | None:
    """A school in the directory by its URN (a school named in an attendance order)."""
    known = uow.directory.school(urn)
    if known is None:
        return None
    if known.email:
        return Recipient(
            role="school",
            name="The Headteacher",
            channel=Channel.EMAIL,
            email=known.email,
            organisation=known.name,
        )
    lines = tuple(x for x in (known.address_line1, known.town, known.postcode) if x)
    return Recipient(
        role="school",
        name="The Headteacher",
        channel=Channel.POST,
        organisation=known.name,
        address_lines=lines or (known.name,),
    )


def parent(case: Case, parent_name: str) -> Recipient | None:
    """The parent or carer at the child's last known address (None with no address)."""
    child = case.child
    lines = tuple(
        x for x in (child.address_line1, child.address_line2, child.town, child.postcode) if x
    )
    if not child.address_line1:
        return None
    return Recipient(
        role="parent",
        name=parent_name or "The parent or carer",
        channel=Channel.POST,
        address_lines=lines,
    )


def agency(role: str, settings: Settings) -> Recipient:
    """A council team or partner agency, from the contacts settings."""
    contacts = settings.contacts
    table = {
        "social_care": (
            "Multi-Agency Safeguarding Hub",
            contacts.mash_email,
            "Children's Social Care",
        ),
        "police": ("Missing Persons Unit", contacts.police_email, "Police"),
        "manager": (contacts.manager_name, contacts.manager_email, settings.council.service_name),
        "admissions": (
            "In-Year Admissions Team",
            contacts.admissions_email,
            settings.council.council_name,
        ),
        "fair_access": (
            "Fair Access Panel",
            contacts.fair_access_email,
            settings.council.council_name,
        ),
        "responsible_authority": (
            "Children in Care Team (responsible authority)",
            contacts.responsible_authority_email,
            "Children's Social Care",
        ),
        "ehe_team": (
            "Elective Home Education Team",
            contacts.ehe_team_email,
            settings.council.council_name,
        ),
        "armed_forces": (
            "Children's Education Advisory Service",
            contacts.armed_forces_email,
            "Armed forces families' education advisers",
        ),
        "attendance_enforcement": (
            "Attendance Enforcement (Legal Services)",
            contacts.attendance_enforcement_email,
            settings.council.council_name,
        ),
    }
    name, email, organisation = table[role]
    return Recipient(
        role=role, name=name, channel=Channel.EMAIL, email=email, organisation=organisation
    )


def other_council(council: str, email: str) -> Recipient:
    """Another council's CME officer."""
    return Recipient(
        role="other_council",
        name="Children Missing Education Officer",
        channel=Channel.EMAIL if email else Channel.POST,
        email=email,
        organisation=council,
        address_lines=() if email else (council,),
    )
