"""The people and places letters and visits go to: schools and education welfare officers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class School:
    """A school, by URN, with the address its enquiries go to."""

    urn: str
    name: str
    email: str = ""
    address_line1: str = ""
    town: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class Officer:
    """An education welfare officer who makes home visits in some postcode districts."""

    id: int
    code: str
    name: str
    email: str = ""
    phone: str = ""
    areas: tuple[str, ...] = ()
    capacity: int = 25
    active: bool = True


@dataclass(frozen=True)
class HomeVisit:
    """A home visit asked for on a case; unassigned while no officer is free."""

    case_id: int
    round: int
    requested_on: date
    officer_id: int | None = None
    assigned_on: date | None = None
    outcome: str | None = None
    visited_on: date | None = None


def postcode_district(postcode: str) -> str:
    """The outward code of a postcode ("DE4 3AG" -> "DE4"), or "" when there is none."""
    return postcode.split(" ")[0].upper() if postcode.strip() else ""


def choose_officer(
    officers: list[Officer], caseload: dict[int, int], district: str
) -> Officer | None:
    """The active officer covering the district with the lightest caseload and room for one more."""
    covering = [
        o
        for o in officers
        if o.active
        and (district in o.areas or "*" in o.areas)
        and caseload.get(o.id, 0) < o.capacity
    ]
    if not covering:
        return None
    # Officers who cover the district by name come before catch-all ("*") officers.
    return min(
        covering,
        key=lambda o: ("*" in o.areas and district not in o.areas, caseload.get(o.id, 0), o.id),
    )
