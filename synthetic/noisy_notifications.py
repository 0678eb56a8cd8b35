"""Synthetic notifications: noisy copies of pupils, and children who are on no register.

Each error a real notification carries appears at the rate set in `NotificationNoise`.
Some children on no register are brothers, sisters or twins of a pupil on the roll,
which is the case where a false link is most likely.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from missing_education.domain.register import REGISTER_COLUMNS
from synthetic.names import (
    MIDDLE_NAMES_BOYS,
    MIDDLE_NAMES_GIRLS,
    NICKNAMES,
    POSTCODE_DISTRICTS,
)
from synthetic.register import (
    OLDEST_BIRTH,
    OTHER_LA_CODE,
    UNIT_LETTERS,
    YOUNGEST_BIRTH,
    CouncilArea,
    gendered_surname,
    make_children,
    unique_pupil_number,
)

ABSENT_SIBLING_SHARE = 0.25  # of absent children, a brother or sister of a pupil on the roll
ABSENT_TWIN_SHARE = 0.20  # of those siblings, a twin (more than in life: the risky case)


@dataclass(frozen=True)
class NotificationNoise:
    """How often each error appears in a notification about a child who is on the register."""

    drop_middle_name: float = 0.60  # of forenames with a middle name
    add_middle_name: float = 0.03
    nickname: float = 0.06  # of forenames that have a common short form
    hyphenated_forename_part: float = 0.30  # of hyphenated forenames: one part or a space
    forename_typo: float = 0.04
    forename_respelling: float = 0.04  # transliteration-like (Mohamed, Yousef) or accents lost
    forename_initial_only: float = 0.005
    surname_one_part: float = 0.40  # of double-barrelled or hyphenated surnames
    surname_add_part: float = 0.01
    surname_gender_form: float = 0.25  # of -ski/-ska surnames, the other form
    surname_typo: float = 0.04
    surname_respelling: float = 0.04
    surname_changed: float = 0.005  # a different surname altogether (new family name)
    names_swapped: float = 0.03
    upper_case: float = 0.20
    dob_missing: float = 0.04
    dob_invalid: float = 0.01  # "31/02/2015", "unknown": kept, read as missing
    dob_typo: float = 0.03  # one digit
    dob_day_month_swapped: float = 0.03
    sex_missing: float = 0.05
    sex_wrong: float = 0.01
    postcode_missing: float = 0.15
    postcode_moved: float = 0.30  # family has moved: another postcode, half in the same district
    postcode_typo: float = 0.02
    upn_given: float = 0.30
    upn_typo: float = 0.01  # of given UPNs
    upn_new: float = (
        0.03  # of given UPNs: a new UPN, the register's one as former UPN half the time
    )


NOTIFICATION_NOISE = NotificationNoise()

_RESPELLINGS = (
    ("ph", "f"), ("f", "ph"), ("ee", "i"), ("ou", "u"), ("u", "ou"), ("y", "i"), ("i", "y"),
    ("ck", "k"), ("k", "c"), ("c", "k"), ("ai", "ay"), ("ay", "ai"), ("ei", "ey"), ("oo", "u"),
    ("w", "v"), ("v", "w"), ("ll", "l"), ("l", "ll"), ("ss", "s"), ("s", "ss"), ("mm", "m"),
    ("m", "mm"), ("nn", "n"), ("n", "nn"), ("tt", "t"), ("dd", "d"), ("rr", "r"), ("a", "e"),
    ("e", "a"), ("o", "u"), ("u", "o"), ("ie", "y"), ("y", "ie"), ("sh", "sch"), ("j", "y"),
    ("ah", "a"), ("a", "ah"), ("ei", "ai"), ("aa", "a"),
)  # fmt: skip
_ACCENT_FOLDS = str.maketrans(
    "ąćęłńóśźżăâîșțėįšųūžčřěůýáéíúñçöüşğıİŁŚŻŹČŠŽĂȘ",
    "acelnoszzaaisteisuuzcreuyaeiuncousgiIlszzcszat",
)


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 2:
        return word
    # First letters are rarely mistyped.
    position = int(rng.integers(1, len(word))) if rng.random() < 0.9 else 0
    kind = rng.integers(0, 4)
    letter = str(rng.choice(list(string.ascii_lowercase)))
    if word[position].isupper():
        letter = letter.upper()
    if kind == 0:
        return word[:position] + letter + word[position + 1 :]
    if kind == 1 and len(word) > 3:
        return word[:position] + word[position + 1 :]
    if kind == 2:
        return word[:position] + word[position] + word[position:]
    if position < len(word) - 1:
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    return word[:position] + letter


def _respelling(rng: np.random.Generator, word: str) -> str:
    folded = word.translate(_ACCENT_FOLDS)
    if folded != word and rng.random() < 0.5:
        return folded
    lower = word.lower()
    options = [(a, b) for a, b in _RESPELLINGS if a in lower[1:]]
    if not options:
        return folded
    a, b = options[int(rng.integers(0, len(options)))]
    at = lower.index(a, 1)
    changed = lower[:at] + b + lower[at + len(a) :]
    return changed[0].upper() + changed[1:] if word[:1].isupper() else changed


def _noisy_forename(
    rng: np.random.Generator, forename: str, sex: str, noise: NotificationNoise
) -> str:
    words = forename.split()
    if len(words) > 1 and rng.random() < noise.drop_middle_name:
        words = words[:1]
    elif len(words) == 1 and rng.random() < noise.add_middle_name:
        middle_names = MIDDLE_NAMES_BOYS if sex == "M" else MIDDLE_NAMES_GIRLS
        words.append(str(rng.choice(np.array(middle_names))))
    first = words[0]
    if first in NICKNAMES and rng.random() < noise.nickname:
        first = str(rng.choice(np.array(NICKNAMES[first])))
    if "-" in first and rng.random() < noise.hyphenated_forename_part:
        parts = first.split("-")
        first = [parts[0], " ".join(parts), "".join(parts)][int(rng.integers(0, 3))]
    if rng.random() < noise.forename_respelling:
        first = _respelling(rng, first)
    if rng.random() < noise.forename_typo:
        first = _typo(rng, first)
    if rng.random() < noise.forename_initial_only:
        return first[0]
    return " ".join([first, *words[1:]])


def _noisy_surname(
    rng: np.random.Generator, surname: str, noise: NotificationNoise, replacement: str
) -> str:
    if rng.random() < noise.surname_changed:
        return replacement
    for join in ("-", " "):
        if join in surname and rng.random() < noise.surname_one_part:
            parts = surname.split(join)
            surname = parts[int(rng.integers(0, len(parts)))]
    if " " not in surname and "-" not in surname and rng.random() < noise.surname_add_part:
        surname = f"{surname}-{replacement}"
    if surname.endswith(("ski", "ska", "cki", "cka")) and rng.random() < noise.surname_gender_form:
        surname = (
            gendered_surname(surname, "F")
            if surname.endswith("i")
            else gendered_surname(surname, "M")
        )
    if rng.random() < noise.surname_respelling:
        surname = _respelling(rng, surname)
    if rng.random() < noise.surname_typo:
        surname = _typo(rng, surname)
    return surname


def _noisy_date(rng: np.random.Generator, iso: str, noise: NotificationNoise) -> str:
    draw = rng.random()
    if draw < noise.dob_missing:
        return ""
    draw -= noise.dob_missing
    if draw < noise.dob_invalid:
        return str(rng.choice(np.array(["31/02/2015", "unknown", "00/00/0000", "2014-13-40", "?"])))
    draw -= noise.dob_invalid
    year, month, day = int(iso[:4]), int(iso[5:7]), int(iso[8:10])
    if draw < noise.dob_typo:
        for _ in range(10):
            digits = list(f"{year:04d}{month:02d}{day:02d}")
            at = int(rng.choice(np.array([2, 3, 4, 5, 6, 7])))
            digits[at] = str((int(digits[at]) + int(rng.integers(1, 10))) % 10)
            text = "".join(digits)
            try:
                dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
            except ValueError:
                continue
            year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
            break
    elif draw < noise.dob_typo + noise.dob_day_month_swapped and day <= 12 and day != month:
        month, day = day, month
    if rng.random() < 0.5:
        return f"{year:04d}-{month:02d}-{day:02d}"
    return f"{day:02d}/{month:02d}/{year:04d}"


def _noisy_postcode(
    rng: np.random.Generator, postcode: str, noise: NotificationNoise, elsewhere: Callable[[], str]
) -> str:
    draw = rng.random()
    if draw < noise.postcode_missing:
        return ""
    draw -= noise.postcode_missing
    if draw < noise.postcode_moved:
        postcode = elsewhere()
    elif draw < noise.postcode_moved + noise.postcode_typo and postcode:
        at = len(postcode) - int(rng.integers(1, 3))
        postcode = postcode[:at] + str(rng.choice(list(UNIT_LETTERS))) + postcode[at + 1 :]
    spacing = rng.random()
    if spacing < 0.1:
        return postcode.replace(" ", "")
    if spacing < 0.2:
        return postcode.lower()
    return postcode


def _noisy_sex(rng: np.random.Generator, sex: str, noise: NotificationNoise) -> str:
    draw = rng.random()
    if draw < noise.sex_missing or not sex:
        return ""
    if draw < noise.sex_missing + noise.sex_wrong:
        sex = "F" if sex == "M" else "M"
    return {"M": ("M", "Male", "m"), "F": ("F", "Female", "f")}[sex][int(rng.integers(0, 3))]


def _absent_children(
    rng: np.random.Generator, population: pd.DataFrame, count: int
) -> pd.DataFrame:
    siblings = round(count * ABSENT_SIBLING_SHARE)
    strangers = make_children(rng, count - siblings, _area_of(population, rng))
    rows = population.iloc[rng.integers(0, len(population), size=siblings)].reset_index(drop=True)
    brothers_and_sisters = make_children(rng, siblings, _area_of(population, rng))
    oldest = np.datetime64(OLDEST_BIRTH)
    youngest = np.datetime64(YOUNGEST_BIRTH)
    twins = rng.random(siblings) < ABSENT_TWIN_SHARE
    born = pd.to_datetime(rows["date_of_birth"]).to_numpy().astype("datetime64[D]")
    gap = rng.integers(300, 1500, size=siblings) * np.where(rng.random(siblings) < 0.5, -1, 1)
    other = born + gap.astype("timedelta64[D]")
    other = np.where(
        (other < oldest) | (other > youngest), born - gap.astype("timedelta64[D]"), other
    )
    other = np.where(twins, born, other)
    brothers_and_sisters["date_of_birth"] = [str(d) for d in other]
    for column in ("surname", "address_line1", "postcode", "school_urn"):
        brothers_and_sisters[column] = rows[column].to_numpy()
    # A brother or sister never has the same first name as the pupil on the roll.
    pool = brothers_and_sisters["forename"].to_numpy(dtype=object)
    forenames = []
    for own, pupils in zip(pool, rows["forename"], strict=True):
        for _ in range(50):
            if own.split()[0] != str(pupils).split()[0]:
                break
            own = pool[int(rng.integers(0, len(pool)))]
        else:
            own = "Jordan" if str(pupils).split()[0] != "Jordan" else "Alex"
        forenames.append(own)
    brothers_and_sisters["forename"] = forenames
    brothers_and_sisters["surname"] = [
        gendered_surname(str(s), str(x))
        for s, x in zip(brothers_and_sisters["surname"], brothers_and_sisters["sex"], strict=True)
    ]
    children = pd.concat([strangers, brothers_and_sisters], ignore_index=True)
    children["upn"] = [
        unique_pupil_number(int(s), OTHER_LA_CODE)
        for s in rng.integers(0, 10**9, size=len(children))
    ]
    return children


def _area_of(population: pd.DataFrame, rng: np.random.Generator) -> CouncilArea:
    # Children missing from the register still live in the same council area.
    units = population.drop_duplicates("postcode")
    postcodes = units["postcode"].to_numpy(dtype=object)
    streets = units["address_line1"].str.split(" ", n=1).str[1].to_numpy(dtype=object)
    districts = units["postcode"].str.split(" ").str[0].to_numpy(dtype=object)
    schools = {
        str(d): [str(s) for s in group["school_urn"].unique()[:6]]
        for d, group in population.groupby(population["postcode"].str.split(" ").str[0])
    }
    for d in POSTCODE_DISTRICTS:
        schools.setdefault(d, ["100000"])
    for d, urns in schools.items():
        while len(urns) < 6:
            urns.append(urns[int(rng.integers(0, len(urns)))])
        schools[d] = urns
    return CouncilArea(postcodes, streets, districts, schools)


def synthetic_notifications(
    population: pd.DataFrame,
    n: int,
    absent_share: float,
    seed: int,
    noise: NotificationNoise = NOTIFICATION_NOISE,
) -> tuple[pd.DataFrame, pd.Series]:
    """Make `n` notifications: noisy copies of pupils and children on no register (`absent_share`).

    Returns the notifications (register columns plus `former_upn`, refs N000001...) and a
    Series from notification ref to the true register ref, or None for an absent child.
    """
    rng = np.random.default_rng(seed)
    absent = round(n * absent_share)
    present = n - absent
    chosen = rng.choice(len(population), size=present, replace=False)
    sources = pd.concat(
        [
            population.iloc[chosen].assign(truth=population["ref"].iloc[chosen].to_numpy()),
            _absent_children(rng, population, absent).assign(truth=None),
        ],
        ignore_index=True,
    )
    sources = sources.iloc[rng.permutation(len(sources))].reset_index(drop=True)
    postcodes = population["postcode"].to_numpy(dtype=object)
    by_district = population.groupby(population["postcode"].str.split(" ").str[0])["postcode"]
    district_postcodes = {str(d): g.unique() for d, g in by_district}
    replacement_surnames = population["surname"].to_numpy(dtype=object)

    rows = []
    for record in sources.itertuples(index=False):
        postcode = str(record.postcode)

        def elsewhere(postcode: str = postcode) -> str:
            nearby = district_postcodes.get(postcode.split(" ")[0])
            if nearby is not None and rng.random() < 0.5:
                return str(nearby[int(rng.integers(0, len(nearby)))])
            return str(postcodes[int(rng.integers(0, len(postcodes)))])

        forename = _noisy_forename(rng, str(record.forename), str(record.sex), noise)
        surname = _noisy_surname(
            rng,
            str(record.surname),
            noise,
            str(replacement_surnames[rng.integers(0, len(population))]),
        )
        if rng.random() < noise.names_swapped:
            forename, surname = surname, forename
        if rng.random() < noise.upper_case:
            forename, surname = forename.upper(), surname.upper()
        new_postcode = _noisy_postcode(rng, postcode, noise, elsewhere)
        upn, former_upn = _noisyunique_pupil_number(rng, str(record.upn), noise)
        rows.append(
            {
                "forename": forename,
                "surname": surname,
                "date_of_birth": _noisy_date(rng, str(record.date_of_birth), noise),
                "sex": _noisy_sex(rng, str(record.sex), noise),
                "upn": upn,
                "former_upn": former_upn,
                "address_line1": record.address_line1 if new_postcode == postcode else "",
                "postcode": new_postcode,
                "school_urn": record.school_urn if rng.random() < 0.5 else "",
                "truth": record.truth,
            }
        )
    notifications = pd.DataFrame(rows)
    notifications.insert(0, "ref", [f"N{i:06d}" for i in range(1, n + 1)])
    truth = pd.Series(
        notifications["truth"].to_numpy(dtype=object),
        index=pd.Index(notifications["ref"].to_numpy(dtype=object), name="notification_ref"),
        name="register_ref",
        dtype=object,
    )
    truth = truth.where(truth.notna(), None)
    columns = [*REGISTER_COLUMNS, "former_upn"]
    return notifications[columns].astype(object), truth


def _noisyunique_pupil_number(
    rng: np.random.Generator, upn: str, noise: NotificationNoise
) -> tuple[str, str]:
    if not upn or rng.random() >= noise.upn_given:
        return "", ""
    draw = rng.random()
    if draw < noise.upn_typo:
        at = int(rng.integers(4, len(upn)))
        return upn[:at] + str((int(upn[at]) + 1) % 10) + upn[at + 1 :], ""
    if draw < noise.upn_typo + noise.upn_new:
        new = unique_pupil_number(int(rng.integers(0, 10**9)), OTHER_LA_CODE)
        return new, upn if rng.random() < 0.5 else ""
    return upn, ""
