"""Residence at triage: whether a child lives in the council's area, from the postcode."""

# A council's CME duty is to children in its area (Education Act 1996 s436A); a child who
# lives elsewhere is handed to the council where they live, not investigated here. Without a
# postcode, residence is unknown and the child is investigated: nobody is dropped.

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from missing_education.domain.directory import postcode_district

_OTHER_COUNCIL = re.compile(r"^\s*([A-Za-z0-9]+)\s*:\s*([^<>]+?)\s*(?:<([^<>\s]+@[^<>\s]+)>)?\s*$")


class Residence(StrEnum):
    """Where the child lives, as far as the notification shows."""

    IN_AREA = "in_area"
    OUT_OF_AREA = "out_of_area"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class OtherCouncil:
    """A neighbouring council's CME officer, for the postcodes it covers."""

    prefix: str
    name: str
    email: str = ""


def _area(district: str) -> str:
    return re.sub(r"[0-9].*$", "", district)


def covers(prefixes: tuple[str, ...], district: str) -> bool:
    """Whether a district ("DE4") is one of, or in a postcode area ("DE") among, the prefixes."""
    wanted = {p.strip().upper() for p in prefixes if p.strip()}
    return district in wanted or _area(district) in wanted


def residence(postcode: str, in_area: tuple[str, ...]) -> Residence:
    """In the area, outside it, or unknown (no postcode; or no area set: everyone is ours)."""
    district = postcode_district(postcode)
    if not district or not in_area:
        return Residence.UNKNOWN if not district else Residence.IN_AREA
    return Residence.IN_AREA if covers(in_area, district) else Residence.OUT_OF_AREA


def parse_other_councils(entries: tuple[str, ...]) -> list[OtherCouncil]:
    """Read `PREFIX: Council name <email>` entries; ValueError names a malformed one."""
    found = []
    for entry in entries:
        match = _OTHER_COUNCIL.match(entry)
        if match is None:
            raise ValueError(
                f"other_councils entry {entry!r} is not written 'S: Sheffield City Council "
                "<cme@sheffield.example>'"
            )
        found.append(OtherCouncil(match.group(1).upper(), match.group(2), match.group(3) or ""))
    return found


def council_for(postcode: str, councils: list[OtherCouncil]) -> OtherCouncil:
    """The council for a postcode: the longest matching prefix, else one named by district."""
    district = postcode_district(postcode)
    for council in sorted(councils, key=lambda c: -len(c.prefix)):
        if covers((council.prefix,), district):
            return council
    return OtherCouncil(district, f"the council for postcode district {district}")
