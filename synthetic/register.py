"""A synthetic register of pupils, for tests, benchmarks and the demo.

Pupils live in households (siblings share a surname, address and postcode; some are
twins), with English and multicultural names whose frequencies fall off with rank, dates
of birth of school age, UK-shaped postcodes and DfE-shaped UPNs. Nothing here is real
personal data. Notifications about these pupils are made in `noisy_notifications`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from missing_education.domain.register import REGISTER_COLUMNS
from synthetic.names import (
    ENGLISH_SURNAME_ENDS,
    ENGLISH_SURNAME_STARTS,
    HERITAGES,
    MIDDLE_NAMES_BOYS,
    MIDDLE_NAMES_GIRLS,
    POSTCODE_DISTRICTS,
    STREET_ENDS,
    STREET_STARTS,
    Heritage,
)

# Pupils of compulsory school age on 1 September 2025 (Reception to Year 11).
OLDEST_BIRTH = dt.date(2009, 9, 1)
YOUNGEST_BIRTH = dt.date(2021, 8, 31)
HOUSEHOLD_SIZES = {1: 0.42, 2: 0.38, 3: 0.14, 4: 0.05, 5: 0.01}
TWIN_SHARE = 0.03  # of younger siblings born on the same day as the one before
MIN_SIBLING_GAP_DAYS = 300
OTHER_SURNAME_SHARE = 0.12  # of younger siblings with a different surname
MIXED_HERITAGE_SHARE = 0.06
DOUBLE_BARRELLED_SHARE = 0.03
MIDDLE_NAME_SHARE = 0.10
RARE_ENGLISH_SURNAME_SHARE = 0.40
BLANK_UPN_SHARE = 0.04
BLANK_SEX_SHARE = 0.01
HOUSEHOLDS_PER_POSTCODE = 10
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # postcode unit letters never include C I K M O V
_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_LA_CODE = "830"
OTHER_LA_CODE = "831"  # UPNs issued elsewhere: never on the synthetic register


def _rank_weights(count: int) -> npt.NDArray[np.float64]:
    # Name popularity falls off with rank, gently enough that the top name is a few percent.
    weights = 1.0 / (np.arange(1, count + 1) + 3.0) ** 0.6
    return np.asarray(weights / weights.sum(), dtype=np.float64)


def _pick(rng: np.random.Generator, names: Sequence[str], size: int) -> npt.NDArray[np.object_]:
    return rng.choice(np.array(names, dtype=object), size=size, p=_rank_weights(len(names)))


def _heritage_surnames(rng: np.random.Generator, heritage: Heritage, size: int) -> list[str]:
    surnames = _pick(rng, heritage.surnames, size)
    if heritage.name == "english":
        rare = rng.random(size) < RARE_ENGLISH_SURNAME_SHARE
        starts = rng.choice(np.array(ENGLISH_SURNAME_STARTS, dtype=object), size=size)
        ends = rng.choice(np.array(ENGLISH_SURNAME_ENDS, dtype=object), size=size)
        surnames = np.where(rare, starts + ends, surnames)
    return [str(s) for s in surnames]


def gendered_surname(surname: str, sex: str) -> str:
    """The -ski/-ska (-cki/-cka, -dzki/-dzka) form of a Polish surname for a boy or a girl."""
    for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if sex == "F" and surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
        if sex == "M" and surname.endswith(feminine):
            return surname[: -len(feminine)] + masculine
    return surname


def unique_pupil_number(serial: int, la_code: str = _LA_CODE) -> str:
    """A UPN in the DfE shape: check letter, then LA code and nine more digits."""
    digits = f"{la_code}{serial % 10**9:09d}"
    check = sum(int(d) * w for d, w in zip(digits, range(2, 14), strict=True)) % 23
    return _UPN_CHECK_LETTERS[check] + digits


def _date_text(days: npt.NDArray[np.int64]) -> list[str]:
    return [str(d) for d in (np.datetime64("1970-01-01") + days.astype("timedelta64[D]"))]


@dataclass(frozen=True)
class CouncilArea:
    """Postcode units with a street each, and schools per district."""

    postcodes: npt.NDArray[np.object_]
    streets: npt.NDArray[np.object_]
    districts: npt.NDArray[np.object_]
    schools: dict[str, list[str]]


def _area(rng: np.random.Generator, households: int) -> CouncilArea:
    units = max(50, households // HOUSEHOLDS_PER_POSTCODE)
    districts = rng.choice(np.array(POSTCODE_DISTRICTS, dtype=object), size=units)
    sectors = rng.integers(0, 10, size=units)
    letters = rng.choice(list(UNIT_LETTERS), size=(units, 2))
    postcodes = np.array(
        [f"{d} {s}{a}{b}" for d, s, (a, b) in zip(districts, sectors, letters, strict=True)],
        dtype=object,
    )
    postcodes, first = np.unique(postcodes, return_index=True)
    districts = districts[first]
    streets = rng.choice(np.array(STREET_STARTS, dtype=object), size=len(postcodes)) + " "
    streets = streets + rng.choice(np.array(STREET_ENDS, dtype=object), size=len(postcodes))
    urns = iter(
        rng.choice(np.arange(100000, 150000), size=6 * len(POSTCODE_DISTRICTS), replace=False)
    )
    schools = {d: [str(next(urns)) for _ in range(6)] for d in POSTCODE_DISTRICTS}
    return CouncilArea(postcodes, streets, districts, schools)


def _household_sizes(rng: np.random.Generator, children: int) -> npt.NDArray[np.int64]:
    sizes = rng.choice(
        np.array(list(HOUSEHOLD_SIZES)), size=children, p=np.array(list(HOUSEHOLD_SIZES.values()))
    )
    cut = int(np.searchsorted(np.cumsum(sizes), children)) + 1
    sizes = sizes[:cut].copy()
    sizes[-1] -= int(sizes.sum()) - children
    return sizes


def _dates_of_birth(
    rng: np.random.Generator, household: npt.NDArray[np.int64], position: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    oldest = (np.datetime64(OLDEST_BIRTH) - np.datetime64("1970-01-01")).astype(np.int64)
    youngest = (np.datetime64(YOUNGEST_BIRTH) - np.datetime64("1970-01-01")).astype(np.int64)
    days = rng.integers(oldest, youngest + 1, size=len(household))
    # Brothers and sisters are born at least ten months apart; draw again until they are.
    for _ in range(50):
        order = np.lexsort((days, household))
        ordered, families = days[order], household[order]
        too_close = (np.diff(ordered) < MIN_SIBLING_GAP_DAYS) & (families[1:] == families[:-1])
        if not too_close.any():
            break
        again = order[1:][too_close]
        days[again] = rng.integers(oldest, youngest + 1, size=len(again))
    days = days[np.lexsort((days, household))]  # the first in each household is the oldest
    # Twins: a younger child born on the same day as the one before.
    twins = np.flatnonzero((position > 0) & (rng.random(len(household)) < TWIN_SHARE))
    days[twins] = days[twins - 1]
    return days


def make_children(rng: np.random.Generator, children: int, area: CouncilArea) -> pd.DataFrame:
    """Children in households (register columns but ref and upn, plus a household number)."""
    sizes = _household_sizes(rng, children)
    households = len(sizes)
    shares = np.array([h.share for h in HERITAGES])
    heritage = rng.choice(len(HERITAGES), size=households, p=shares / shares.sum())
    forename_heritage = heritage.copy()
    mixed = rng.random(households) < MIXED_HERITAGE_SHARE
    forename_heritage[mixed] = rng.choice(
        len(HERITAGES), size=int(mixed.sum()), p=shares / shares.sum()
    )
    family_surname = np.empty(households, dtype=object)
    for number, h in enumerate(HERITAGES):
        chosen = np.flatnonzero(heritage == number)
        family_surname[chosen] = _heritage_surnames(rng, h, len(chosen))
    barrelled = np.flatnonzero(rng.random(households) < DOUBLE_BARRELLED_SHARE)
    joins = np.where(rng.random(len(barrelled)) < 0.7, "-", " ")
    family_surname[barrelled] = (
        family_surname[barrelled] + joins + family_surname[rng.permutation(barrelled)]
    )
    unit = rng.integers(0, len(area.postcodes), size=households)
    house_number = rng.integers(1, 220, size=households)

    household = np.repeat(np.arange(households), sizes)
    starts = np.cumsum(sizes) - sizes
    position = np.arange(children) - np.repeat(starts, sizes)
    sex = np.where(rng.random(children) < 0.5, "M", "F").astype(object)
    forename = np.empty(children, dtype=object)
    surname = family_surname[household].copy()
    other_surname = (position > 0) & (rng.random(children) < OTHER_SURNAME_SHARE)
    for number, h in enumerate(HERITAGES):
        for code, names in (("M", h.boys), ("F", h.girls)):
            chosen = np.flatnonzero((forename_heritage[household] == number) & (sex == code))
            forename[chosen] = _pick(rng, names, len(chosen))
        chosen = np.flatnonzero(other_surname & (heritage[household] == number))
        surname[chosen] = _heritage_surnames(rng, h, len(chosen))
    _give_siblings_different_forenames(rng, forename, household, position)
    for code, middle_names in (("M", MIDDLE_NAMES_BOYS), ("F", MIDDLE_NAMES_GIRLS)):
        middle = (rng.random(children) < MIDDLE_NAME_SHARE) & (sex == code)
        forename[middle] = forename[middle] + " " + _pick(rng, middle_names, int(middle.sum()))
    gendered = np.array([HERITAGES[h].gendered_surnames for h in heritage[household]])
    surname = np.array(
        [
            gendered_surname(s, x) if g else s
            for s, x, g in zip(surname, sex, gendered, strict=True)
        ],
        dtype=object,
    )
    days = _dates_of_birth(rng, household, position)
    child_unit = unit[household]
    district = area.districts[child_unit]
    school = np.array(
        [
            area.schools[d][i]
            for d, i in zip(district, rng.integers(0, 6, size=children), strict=True)
        ],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "forename": forename,
            "surname": surname,
            "date_of_birth": _date_text(days),
            "sex": sex,
            "address_line1": [
                f"{n} {s}"
                for n, s in zip(house_number[household], area.streets[child_unit], strict=True)
            ],
            "postcode": area.postcodes[child_unit],
            "school_urn": school,
            "household": household,
        }
    )


def _give_siblings_different_forenames(
    rng: np.random.Generator,
    forename: npt.NDArray[np.object_],
    household: npt.NDArray[np.int64],
    position: npt.NDArray[np.int64],
) -> None:
    # Parents do not give two children the same first name; reroll the younger one.
    for child in np.flatnonzero(position > 0):
        taken = set(forename[child - position[child] : child])
        while forename[child] in taken:
            forename[child] = forename[rng.integers(0, len(forename))]


def synthetic_population(n: int, seed: int) -> pd.DataFrame:
    """Make a register of `n` pupils (register columns, refs R0000001...), reproducible by seed."""
    rng = np.random.default_rng(seed)
    area = _area(rng, n)
    people = make_children(rng, n, area)
    serials = rng.choice(10**9, size=n, replace=False)
    upns = [unique_pupil_number(int(s)) for s in serials]
    people["upn"] = np.where(rng.random(n) < BLANK_UPN_SHARE, "", np.array(upns, dtype=object))
    people.loc[rng.random(n) < BLANK_SEX_SHARE, "sex"] = ""
    people["ref"] = [f"R{i:07d}" for i in range(1, n + 1)]
    return people[list(REGISTER_COLUMNS)].astype(object)
