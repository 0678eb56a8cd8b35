"""Find the few register rows worth comparing with a person, without looking at every row.

Each record gets several blocking keys (64-bit hashes); two records become a candidate
pair when they share any key. The keys are chosen so that a true pair survives the
errors we expect, as long as it does not have all of them at once:

* date of birth (or with day and month swapped) and the initial of either name;
* the sounds of a forename and a surname, in either order (survives any date error);
* the sound of either name and the month of birth (survives a misspelt other name);
* the full postcode and the year of birth (survives badly misspelt names);
* the full postcode and the sound of either name (survives a missing birth date);
* the UPN, or a former UPN;
* the date of birth alone, looked up only for a person given without either name (a blank
  name carries no evidence, but the child must still be found for a person to look at).

The register's keys are sorted once; looking a person up is a binary search per key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from missing_education.matching.standardise import Hashes, PreparedRecords

Rows = npt.NDArray[np.int64]

# A block larger than this is a placeholder value shared by many records (1 January for an
# unknown birthday, say), which would flood the comparison without finding anyone.
MAX_BLOCK_SIZE = 5000

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
(
    _DATE_AND_INITIAL,
    _NAME_PAIR,
    _NAME_AND_MONTH,
    _POSTCODE_AND_YEAR,
    _POSTCODE_AND_NAME,
    _UPN,
    _DATE_ONLY,
) = (np.uint64(salt) for salt in (11, 23, 37, 41, 47, 53, 59))


def _mix(salt: np.uint64, *parts: npt.NDArray[np.uint64]) -> Hashes:
    key = np.full(len(parts[0]), salt, dtype=np.uint64)
    for part in parts:
        key = (key ^ part) * _MULTIPLIER
        key ^= key >> np.uint64(31)
    return key


def _swapped_dates(dates: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    year, month, day = dates // 10000, dates // 100 % 100, dates % 100
    swapped = (year * 10000 + day * 100 + month).astype(np.int32)
    # Only a swap that makes another real date; the same date otherwise adds nothing.
    return np.where((day <= 12) & (day != month), swapped, 0).astype(np.int32)


def _keys(records: PreparedRecords, as_query: bool) -> tuple[Hashes, Rows]:
    fn, sn = records.forenames, records.surnames
    fn_first, fn_last = fn.sound_first[records.forename], fn.sound_last[records.forename]
    sn_first, sn_last = sn.sound_first[records.surname], sn.sound_last[records.surname]
    fn_initial = fn.initial[records.forename].astype(np.uint64)
    sn_initial = sn.initial[records.surname].astype(np.uint64)
    dates = [records.date_of_birth]
    if as_query:
        dates.append(_swapped_dates(records.date_of_birth))
    upns = [records.upn, records.former_upn]
    own = np.arange(len(records), dtype=np.int64)
    keys: list[Hashes] = []
    owners: list[Rows] = []

    def add(key: Hashes, usable: npt.NDArray[np.bool_]) -> None:
        keys.append(key[usable])
        owners.append(own[usable])

    nameless = (fn_initial == 0) & (sn_initial == 0)
    for date in dates:
        known = date != 0
        day = date.astype(np.uint64)
        add(_mix(_DATE_ONLY, day), known & (nameless if as_query else known))
        month = (date // 100).astype(np.uint64)
        year = (date // 10000).astype(np.uint64)
        for initial in (fn_initial, sn_initial):
            add(_mix(_DATE_AND_INITIAL, day, initial), known & (initial != 0))
        for sound, needed in ((fn_first, True), (sn_first, True), (sn_last, sn_last != sn_first)):
            add(_mix(_NAME_AND_MONTH, sound, month), known & (sound != 0) & needed)
        add(_mix(_POSTCODE_AND_YEAR, records.postcode, year), known & (records.postcode != 0))
    for sound in (fn_first, sn_first):
        usable = (records.postcode != 0) & (sound != 0)
        add(_mix(_POSTCODE_AND_NAME, records.postcode, sound), usable)
    for a, a_needed in ((fn_first, True), (fn_last, fn_last != fn_first)):
        for b, b_needed in ((sn_first, True), (sn_last, sn_last != sn_first)):
            low, high = np.minimum(a, b), np.maximum(a, b)
            add(_mix(_NAME_PAIR, low, high), (a != 0) & (b != 0) & a_needed & b_needed)
    for upn in upns:
        add(_mix(_UPN, upn), upn != 0)
    return np.concatenate(keys), np.concatenate(owners)


@dataclass(frozen=True)
class BlockingIndex:
    """The register's blocking keys, sorted, with the row each came from."""

    keys: Hashes
    rows: npt.NDArray[np.int32]

    @classmethod
    def build(cls, register: PreparedRecords) -> BlockingIndex:
        """Compute and sort the blocking keys of every register row."""
        keys, rows = _keys(register, as_query=False)
        order = np.argsort(keys, kind="stable")
        return cls(keys=keys[order], rows=rows[order].astype(np.int32))

    def pairs(self, queries: PreparedRecords) -> tuple[Rows, Rows]:
        """Distinct candidate pairs (query row, register row), sorted by query then register row."""
        keys, owners = _keys(queries, as_query=True)
        left = np.searchsorted(self.keys, keys, side="left")
        right = np.searchsorted(self.keys, keys, side="right")
        sizes = right - left
        sizes[sizes > MAX_BLOCK_SIZE] = 0
        total = int(sizes.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        ends = np.cumsum(sizes)
        offsets = np.arange(total, dtype=np.int64) - np.repeat(ends - sizes, sizes)
        positions = np.repeat(left, sizes) + offsets
        pair = (np.repeat(owners, sizes) << 32) | self.rows[positions].astype(np.int64)
        pair = np.unique(pair)
        return pair >> 32, pair & 0xFFFFFFFF
