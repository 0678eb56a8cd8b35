"""Compare candidate pairs field by field, giving each field an agreement level.

Levels run from strongest to weakest agreement; each is a small integer so that a
million pairs are compared with array operations, and names (the costly part) are
compared once per distinct pair of spellings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz.distance import JaroWinkler, Levenshtein, Prefix
from rapidfuzz.process import cpdist

from missing_education.matching.standardise import NameVocabulary, PreparedRecords

Levels = npt.NDArray[np.int8]
Rows = npt.NDArray[np.int64]

# Name levels.
EXACT, VARIANT, CLOSE, SOUNDS_ALIKE, SIMILAR, INITIAL, DIFFERENT, NAME_MISSING = range(8)
NAME_LEVELS = (
    "exact",
    "nickname, variant or shared part",
    "jaro-winkler >= 0.92",
    "sounds alike",
    "jaro-winkler >= 0.82 or short form",
    "initial only",
    "different",
    "missing",
)
CLOSE_SIMILARITY = 0.92
SIMILAR_SIMILARITY = 0.82
SHORT_FORM_LENGTH = 3  # "Sam" for "Samuel"; two letters are too easily a coincidence

# Date of birth levels. "One field wrong" is two of day, month and year agreeing: a wrong
# day or a wrong year typed in full, as real records show beside single-digit typos.
DOB_EXACT, DOB_SWAPPED, DOB_ONE_DIGIT, DOB_ONE_FIELD, DOB_DIFFERENT, DOB_MISSING = range(6)
DOB_LEVELS = (
    "exact",
    "day and month swapped",
    "one digit different",
    "one of day, month, year different",
    "different",
    "missing",
)

# Sex levels.
SEX_SAME, SEX_DIFFERENT, SEX_MISSING = range(3)
SEX_LEVELS = ("same", "different", "missing")

# Postcode levels. A typo is one character changed, added or dropped in the full postcode.
(
    POSTCODE_FULL,
    POSTCODE_TYPO,
    POSTCODE_SECTOR,
    POSTCODE_DISTRICT,
    POSTCODE_DIFFERENT,
    POSTCODE_MISSING,
) = range(6)
POSTCODE_LEVELS = (
    "full postcode",
    "full postcode, one character different",
    "same sector",
    "same district",
    "different",
    "missing",
)

# UPN levels.
UPN_EXACT, UPN_FORMER, UPN_CONFLICT, UPN_MISSING = range(4)
UPN_LEVELS = ("exact", "former UPN", "different UPNs", "missing")


@dataclass(frozen=True)
class Comparisons:
    """Agreement levels for pairs (query row, register row), one entry per pair."""

    query: Rows
    register: Rows
    forename: Levels
    surname: Levels
    # The same names compared crosswise (query forename with register surname and back);
    # DIFFERENT where a cheap check showed the crosswise names could not agree.
    forename_swapped: Levels
    surname_swapped: Levels
    date_of_birth: Levels
    sex: Levels
    postcode: Levels
    upn: Levels

    def __len__(self) -> int:
        return len(self.query)


def compare_names(
    queries: NameVocabulary,
    query_codes: npt.NDArray[np.int32],
    register: NameVocabulary,
    register_codes: npt.NDArray[np.int32],
) -> Levels:
    """Level of agreement of each pair of names, given as codes into the two vocabularies."""
    if len(query_codes) == 0:
        return np.zeros(0, dtype=np.int8)
    pair = query_codes.astype(np.int64) * len(register) + register_codes
    distinct, inverse = np.unique(pair, return_inverse=True)
    return _name_levels(queries, distinct // len(register), register, distinct % len(register))[
        inverse
    ]


def _name_levels(q: NameVocabulary, qi: Rows, r: NameVocabulary, ri: Rows) -> Levels:
    level = np.full(len(qi), DIFFERENT, dtype=np.int8)
    undecided = np.ones(len(qi), dtype=bool)

    def settle(mask: npt.NDArray[np.bool_], value: int) -> None:
        chosen = undecided & mask
        level[chosen] = value
        undecided[chosen] = False

    settle((q.exact[qi] == 0) | (r.exact[ri] == 0), NAME_MISSING)
    settle(q.exact[qi] == r.exact[ri], EXACT)
    # A shared word: Isla Jones for Isla Smith-Jones, Yusuf for Muhammad Yusuf. Two middle
    # names alike (Caleb Thomas, Alfred Thomas) are not a shared name.
    q_first, q_last, r_first, r_last = (
        q.word_first[qi],
        q.word_last[qi],
        r.word_first[ri],
        r.word_last[ri],
    )
    shared_word = (q_first == r_first) | (q_first == r_last) | (q_last == r_first)
    q_spelling, r_spelling = q.spelling[qi], r.spelling[ri]
    shared_word |= q_spelling == r_spelling
    # A nickname matches its full name, not another nickname of it (Alfie, Freddie).
    shared_word |= (q.nickname_of[qi] == r_spelling[:, None]).any(axis=1)
    shared_word |= (r.nickname_of[ri] == q_spelling[:, None]).any(axis=1)
    settle(shared_word, VARIANT)
    if undecided.any():
        rest = np.flatnonzero(undecided)
        similarity = _similarity(q.compact[qi[rest]], r.compact[ri[rest]])
        similarity = np.maximum(
            similarity, _similarity(q.first_word[qi[rest]], r.first_word[ri[rest]])
        )
        close = np.zeros(len(qi), dtype=bool)
        close[rest] = similarity >= CLOSE_SIMILARITY
        settle(close, CLOSE)
        sounds = np.zeros(len(qi), dtype=bool)
        for a in (q.sound_first[qi], q.sound_last[qi]):
            for b in (r.sound_first[ri], r.sound_last[ri]):
                sounds |= a == b
        settle(sounds, SOUNDS_ALIKE)
        similar = np.zeros(len(qi), dtype=bool)
        similar[rest] = similarity >= SIMILAR_SIMILARITY
        similar |= _short_form(q, qi, r, ri, undecided)
        settle(similar, SIMILAR)
        one_letter = (q.first_length[qi] == 1) | (r.first_length[ri] == 1)
        settle(one_letter & (q.initial[qi] == r.initial[ri]), INITIAL)
    return level


def _similarity(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]) -> npt.NDArray[np.float32]:
    if len(a) == 0:
        return np.zeros(0, dtype=np.float32)
    scores = cpdist(
        a.tolist(),
        b.tolist(),
        scorer=JaroWinkler.normalized_similarity,
        dtype=np.float32,
        workers=-1,
    )
    return np.asarray(scores, dtype=np.float32)


def _short_form(
    q: NameVocabulary, qi: Rows, r: NameVocabulary, ri: Rows, undecided: npt.NDArray[np.bool_]
) -> npt.NDArray[np.bool_]:
    # One first word is the start of the other: Sam and Samuel, Alex and Alexander.
    short = np.zeros(len(qi), dtype=bool)
    shorter = np.minimum(q.first_length[qi], r.first_length[ri])
    rest = np.flatnonzero(undecided & (shorter >= SHORT_FORM_LENGTH))
    if len(rest):
        common = cpdist(
            q.first_word[qi[rest]].tolist(),
            r.first_word[ri[rest]].tolist(),
            scorer=Prefix.similarity,
            dtype=np.int32,
            workers=-1,
        )
        short[rest] = np.asarray(common) == shorter[rest]
    return short


def compare_dates_of_birth(query: npt.NDArray[np.int32], register: npt.NDArray[np.int32]) -> Levels:
    """Level of agreement of dates of birth given as yyyymmdd numbers (0 is missing)."""
    level = np.full(len(query), DOB_DIFFERENT, dtype=np.int8)
    year, month, day = query // 10000, query // 100 % 100, query % 100
    swapped = year * 10000 + day * 100 + month
    q_digits = np.stack([query // 10**k % 10 for k in range(8)])
    r_digits = np.stack([register // 10**k % 10 for k in range(8)])
    differ = q_digits != r_digits
    differences = differ.sum(axis=0)
    one_digit = differences == 1
    for k in range(7):
        # Neighbouring digits typed the wrong way round.
        one_digit |= (
            (differences == 2)
            & differ[k]
            & differ[k + 1]
            & (q_digits[k] == r_digits[k + 1])
            & (q_digits[k + 1] == r_digits[k])
        )
    r_year, r_month, r_day = register // 10000, register // 100 % 100, register % 100
    agreeing = (
        (year == r_year).astype(np.int8)
        + (month == r_month).astype(np.int8)
        + (day == r_day).astype(np.int8)
    )
    level[agreeing == 2] = DOB_ONE_FIELD
    level[one_digit] = DOB_ONE_DIGIT
    level[(swapped == register) & (day <= 12) & (day != month)] = DOB_SWAPPED
    level[query == register] = DOB_EXACT
    level[(query == 0) | (register == 0)] = DOB_MISSING
    return level


def compare_sexes(query: npt.NDArray[np.int8], register: npt.NDArray[np.int8]) -> Levels:
    """Level of agreement of sexes coded 1, 2 or 0 (missing)."""
    level = np.where(query == register, SEX_SAME, SEX_DIFFERENT).astype(np.int8)
    level[(query == 0) | (register == 0)] = SEX_MISSING
    return level


def compare_postcodes(
    queries: PreparedRecords, qi: Rows, register: PreparedRecords, ri: Rows
) -> Levels:
    """Level of agreement of postcodes: full, sector, district (outward code), or none."""
    q_district, r_district = queries.postcode_district[qi], register.postcode_district[ri]
    level = np.full(len(qi), POSTCODE_DIFFERENT, dtype=np.int8)
    level[q_district == r_district] = POSTCODE_DISTRICT
    q_sector = queries.postcode_sector[qi]
    level[(q_sector == register.postcode_sector[ri]) & (q_sector != 0)] = POSTCODE_SECTOR
    q_full, r_full = queries.postcode[qi], register.postcode[ri]
    both = (q_full != 0) & (r_full != 0)
    unequal = np.flatnonzero(both & (q_full != r_full))
    if len(unequal):
        typo = _one_edit(queries.postcode_text[qi[unequal]], register.postcode_text[ri[unequal]])
        level[unequal[typo]] = POSTCODE_TYPO
    level[both & (q_full == r_full)] = POSTCODE_FULL
    level[(q_district == 0) | (r_district == 0)] = POSTCODE_MISSING
    return level


def _one_edit(a: npt.NDArray[np.object_], b: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    # Compared once per distinct pair: a batch repeats the same few postcodes many times.
    pairs = pd.DataFrame({"a": a, "b": b})
    codes, distinct = pd.factorize(pd.MultiIndex.from_frame(pairs))
    left = [pair[0] for pair in distinct]
    right = [pair[1] for pair in distinct]
    edits = cpdist(left, right, scorer=Levenshtein.distance, dtype=np.int32, workers=-1)
    return np.asarray(np.asarray(edits)[codes] == 1, dtype=bool)


def compare_upns(queries: PreparedRecords, qi: Rows, register: PreparedRecords, ri: Rows) -> Levels:
    """Level of agreement of unique pupil numbers, counting a former UPN on either side."""
    q_upn, q_former = queries.upn[qi], queries.former_upn[qi]
    r_upn, r_former = register.upn[ri], register.former_upn[ri]
    level = np.full(len(qi), UPN_MISSING, dtype=np.int8)
    level[(q_upn != 0) & (r_upn != 0)] = UPN_CONFLICT
    former = ((q_former != 0) & (q_former == r_upn)) | ((r_former != 0) & (q_upn == r_former))
    level[former] = UPN_FORMER
    level[(q_upn != 0) & (q_upn == r_upn)] = UPN_EXACT
    return level


def compare(queries: PreparedRecords, qi: Rows, register: PreparedRecords, ri: Rows) -> Comparisons:
    """Compare every pair (queries[qi[k]], register[ri[k]]) on every field."""
    q_fn, q_sn = queries.forename[qi], queries.surname[qi]
    r_fn, r_sn = register.forename[ri], register.surname[ri]
    forename = compare_names(queries.forenames, q_fn, register.forenames, r_fn)
    surname = compare_names(queries.surnames, q_sn, register.surnames, r_sn)
    forename_swapped = np.full(len(qi), DIFFERENT, dtype=np.int8)
    surname_swapped = np.full(len(qi), DIFFERENT, dtype=np.int8)
    cross = _may_be_swapped(queries, q_fn, q_sn, register, r_fn, r_sn) & (
        (forename > SOUNDS_ALIKE) | (surname > SOUNDS_ALIKE)
    )
    if cross.any():
        at = np.flatnonzero(cross)
        forename_swapped[at] = compare_names(
            queries.surnames, q_sn[at], register.forenames, r_fn[at]
        )
        surname_swapped[at] = compare_names(
            queries.forenames, q_fn[at], register.surnames, r_sn[at]
        )
    return Comparisons(
        query=qi,
        register=ri,
        forename=forename,
        surname=surname,
        forename_swapped=forename_swapped,
        surname_swapped=surname_swapped,
        date_of_birth=compare_dates_of_birth(queries.date_of_birth[qi], register.date_of_birth[ri]),
        sex=compare_sexes(queries.sex[qi], register.sex[ri]),
        postcode=compare_postcodes(queries, qi, register, ri),
        upn=compare_upns(queries, qi, register, ri),
    )


def _may_be_swapped(
    queries: PreparedRecords,
    q_fn: npt.NDArray[np.int32],
    q_sn: npt.NDArray[np.int32],
    register: PreparedRecords,
    r_fn: npt.NDArray[np.int32],
    r_sn: npt.NDArray[np.int32],
) -> npt.NDArray[np.bool_]:
    # Names written the wrong way round still share a word or a sound crosswise, or, both
    # misspelt as well (`rwid vanesda` for Vanessa Reid), both initials.
    qf, qs, rf, rs = queries.forenames, queries.surnames, register.forenames, register.surnames
    crosswise: npt.NDArray[np.bool_] = (
        (qs.sound_first[q_sn] == rf.sound_first[r_fn])
        | (qs.word_first[q_sn] == rf.word_first[r_fn])
        | (qf.sound_first[q_fn] == rs.sound_first[r_sn])
        | (qf.word_first[q_fn] == rs.word_first[r_sn])
        | ((qs.initial[q_sn] == rf.initial[r_fn]) & (qf.initial[q_fn] == rs.initial[r_sn]))
    )
    return crosswise
