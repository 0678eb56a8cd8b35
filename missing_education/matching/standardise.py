"""Turn register-shaped records into normalised columns of numbers that can be compared fast.

Every value is cleaned once per distinct value (a million pupils share a few thousand
names and dates), then stored as small integer arrays: codes into a name vocabulary,
dates as yyyymmdd integers, postcodes and UPNs as 64-bit hashes, 0 meaning missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from missing_education.matching.name_variants import (
    NameVariants,
    forename_variants,
    surname_variants,
)

Hashes = npt.NDArray[np.uint64]
Codes = npt.NDArray[np.int32]
_Value = TypeVar("_Value")

# Letters NFKD does not split into a base letter and an accent.
_LETTER_FOLDS = str.maketrans(
    {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ı": "i", "þ": "th", "ð": "d"}
)
_APOSTROPHES = re.compile(r"['’‘`´]")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_OUTWARD_CODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NAMED_MONTH_DATE = re.compile(r"^(\d{1,2})[ \-]([A-Za-z]{3,9})[ \-,]*(\d{4})$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_SEXES = {"m": 1, "male": 1, "boy": 1, "f": 2, "female": 2, "girl": 2}


def text_of(value: object) -> str:
    """Return a cell as stripped text, with None, NaN and NaT as the empty string."""
    if value is None:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if value is pd.NaT:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def stable_hash(text: str) -> int:
    """Hash text to a non-zero 64-bit number that is the same in every process (0 is missing)."""
    if not text:
        return 0
    digest = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    return digest or 1


def normalise_name(value: object) -> str:
    """Lower-case a name, drop accents and punctuation, and split it into space-separated words."""
    text = unicodedata.normalize("NFKD", text_of(value).lower().translate(_LETTER_FOLDS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text)
    return " ".join(_NOT_LETTERS.sub(" ", text).split())


def sound_key(word: str) -> str:
    """Reduce a name word to consonants after common respellings, so names that sound alike meet.

    Transliterated names mostly differ in vowels, doubled letters and a few consonant
    spellings (Mohammed/Muhammad, Hussain/Hussein, Chowdhury/Chaudhry, Yusuf/Youssef).
    """
    if not word:
        return ""
    text = word.replace("mac", "mc", 1) if word.startswith("mac") else word
    # A final h after a vowel is silent (Aishah, Fatimah, Hamzah).
    text = text[:-1] if len(text) > 2 and text[-1] == "h" and text[-2] in "aeiou" else text
    for spelling, sound in (
        ("sch", "s"), ("tch", "ch"), ("ph", "f"), ("kh", "k"), ("gh", "g"), ("th", "t"),
        ("ck", "k"), ("cz", "ch"), ("sz", "s"), ("q", "k"), ("x", "ks"), ("z", "s"),
    ):  # fmt: skip
        text = text.replace(spelling, sound)
    # A soft c sounds like s; the ch digraph is kept apart from k.
    text = re.sub(r"c(?=[eiy])", "s", text)
    text = text.replace("ch", "\x00").replace("c", "k").replace("\x00", "ch")
    head, tail = text[0], text[1:]
    head = "a" if head in "aeiouy" and word[0] != "y" else head
    # Vowels, and w or y after a vowel, carry the spelling differences of transliteration.
    tail = re.sub(r"(?<=[aeiouy])[wy]", "", tail)
    tail = re.sub(r"[aeiouy]", "", tail).replace("w", "v")
    key = head + tail
    return re.sub(r"(.)\1+", r"\1", key)


def parse_date_of_birth(value: object) -> int:
    """Read a date of birth in the usual UK forms as yyyymmdd; 0 when missing or not a real date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.year * 10000 + value.month * 100 + value.day
    text = text_of(value)
    if not text:
        return 0
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_FIRST_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
        # Two-digit years on a child's record are this century.
        year = year + 2000 if year < 100 else year
    elif match := _COMPACT_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _NAMED_MONTH_DATE.match(text):
        month_name = match.group(2).lower()
        if month_name not in _MONTHS:
            return 0
        day, month, year = int(match.group(1)), _MONTHS[month_name], int(match.group(3))
    else:
        return 0
    if not 1900 <= year <= 2099:
        return 0
    try:
        dt.date(year, month, day)
    except ValueError:
        return 0
    return year * 10000 + month * 100 + day


def normalise_postcode(value: object) -> tuple[str, str, str]:
    """Split a postcode into (full, sector, district); parts that cannot be read are empty."""
    text = "".join(text_of(value).upper().split())
    if match := _POSTCODE.match(text):
        outward, inward = match.groups()
        return outward + inward, outward + inward[0], outward
    if _OUTWARD_CODE.match(text):
        return "", "", text
    return "", "", ""


def normalise_sex(value: object) -> int:
    """Read sex as 1 (male), 2 (female) or 0 (missing or recorded another way)."""
    return _SEXES.get(text_of(value).lower(), 0)


def normalise_upn(value: object) -> str:
    """Upper-case a unique pupil number and drop spaces; the empty string means missing."""
    return "".join(text_of(value).upper().split())


@dataclass(frozen=True)
class NameVocabulary:
    """The distinct normalised values of one name column, with what comparisons need of each."""

    compact: npt.NDArray[np.object_]
    first_word: npt.NDArray[np.object_]
    first_length: npt.NDArray[np.int32]
    exact: Hashes
    word_first: Hashes
    word_last: Hashes
    sound_first: Hashes
    sound_last: Hashes
    spelling: Hashes  # the first word in its usual spelling (Muhammad -> mohammed)
    nickname_of: npt.NDArray[np.uint64]  # (n, 3): the names the first word is short for
    initial: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return len(self.compact)


def _name_vocabulary(names: list[str], variants: NameVariants) -> NameVocabulary:
    size = len(names)
    words = [name.split() or [""] for name in names]
    firsts = [w[0] for w in words]
    lasts = [w[-1] for w in words]
    nickname_of = np.zeros((size, 3), dtype=np.uint64)
    for row, first in enumerate(firsts):
        for column, head in enumerate(sorted(variants.full_names(first))[:3]):
            nickname_of[row, column] = stable_hash(head)

    def hashes(texts: list[str], key: Callable[[str], str] = str) -> Hashes:
        return np.array([stable_hash(key(text)) for text in texts], dtype=np.uint64)

    compact = ["".join(w) for w in words]
    return NameVocabulary(
        compact=np.array(compact, dtype=object),
        first_word=np.array(firsts, dtype=object),
        first_length=np.array([len(f) for f in firsts], dtype=np.int32),
        exact=hashes(compact),
        word_first=hashes(firsts),
        word_last=hashes(lasts),
        sound_first=hashes(firsts, sound_key),
        sound_last=hashes(lasts, sound_key),
        spelling=hashes(firsts, variants.usual_spelling),
        nickname_of=nickname_of,
        initial=np.array([ord(f[0]) if f else 0 for f in firsts], dtype=np.uint8),
    )


@dataclass(frozen=True)
class PreparedRecords:
    """Register-shaped records as arrays: one entry per record, 0 (or code 0) meaning missing."""

    refs: npt.NDArray[np.object_]
    forename: Codes
    forenames: NameVocabulary
    surname: Codes
    surnames: NameVocabulary
    date_of_birth: npt.NDArray[np.int32]
    sex: npt.NDArray[np.int8]
    postcode: Hashes
    postcode_sector: Hashes
    postcode_district: Hashes
    postcode_text: npt.NDArray[np.object_]  # the full postcode without spaces, "" if unreadable
    upn: Hashes
    former_upn: Hashes

    def __len__(self) -> int:
        return len(self.refs)


def _per_distinct_value(
    column: pd.Series, convert: Callable[[object], _Value]
) -> tuple[npt.NDArray[np.intp], list[_Value]]:
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, [convert(value) for value in uniques]


def _names(column: pd.Series, variants: NameVariants) -> tuple[Codes, NameVocabulary]:
    raw_codes, normalised = _per_distinct_value(column, normalise_name)
    name_codes, vocabulary = pd.factorize(pd.Series(normalised, dtype=object))
    codes = np.asarray(name_codes, dtype=np.int32)[raw_codes]
    return codes, _name_vocabulary([str(v) for v in vocabulary], variants)


def _hashed(column: pd.Series, convert: Callable[[object], str]) -> Hashes:
    codes, values = _per_distinct_value(column, convert)
    return np.array([stable_hash(v) for v in values], dtype=np.uint64)[codes]


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name].astype(object)
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def prepare_records(frame: pd.DataFrame) -> PreparedRecords:
    """Normalise a register-shaped frame (missing columns are treated as blank) into arrays."""
    forename, forenames = _names(_column(frame, "forename"), forename_variants())
    surname, surnames = _names(_column(frame, "surname"), surname_variants())
    dob_codes, dobs = _per_distinct_value(_column(frame, "date_of_birth"), parse_date_of_birth)
    sex_codes, sexes = _per_distinct_value(_column(frame, "sex"), normalise_sex)
    postcode_codes, postcodes = _per_distinct_value(_column(frame, "postcode"), normalise_postcode)

    def postcode_part(part: int) -> Hashes:
        return np.array([stable_hash(p[part]) for p in postcodes], dtype=np.uint64)[postcode_codes]

    return PreparedRecords(
        refs=np.array([text_of(ref) for ref in _column(frame, "ref")], dtype=object),
        forename=forename,
        forenames=forenames,
        surname=surname,
        surnames=surnames,
        date_of_birth=np.array(dobs, dtype=np.int32)[dob_codes],
        sex=np.array(sexes, dtype=np.int8)[sex_codes],
        postcode=postcode_part(0),
        postcode_sector=postcode_part(1),
        postcode_district=postcode_part(2),
        postcode_text=np.array([p[0] for p in postcodes], dtype=object)[postcode_codes],
        upn=_hashed(_column(frame, "upn"), normalise_upn),
        former_upn=_hashed(_column(frame, "former_upn"), normalise_upn),
    )


def prepare_person(person: Mapping[str, Any]) -> PreparedRecords:
    """Normalise one person given as a mapping of register columns (values may be None or blank)."""
    return prepare_records(pd.DataFrame([{key: person.get(key) for key in _PERSON_KEYS}]))


_PERSON_KEYS = (
    "ref", "forename", "surname", "date_of_birth", "sex", "upn", "postcode", "former_upn",
)  # fmt: skip
