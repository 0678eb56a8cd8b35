"""How common each value, and each level of agreement, is on one register: the u side of weights.

Everything here is measured on the register itself when a `Matcher` is built: the share
of pupils with each name (and with names that sound alike, look alike or share an
initial), how often random pairs of pupils agree at each level, how often pupils share a
home (brothers and sisters) or a birthday too (twins), and how strongly first names go
with surnames (communities).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist

from missing_education.matching import comparison as c
from missing_education.matching.comparison import compare_names
from missing_education.matching.standardise import NameVocabulary, PreparedRecords

Shares = npt.NDArray[np.float64]
Pairs = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]

SAMPLE_PAIRS = 200_000
SAMPLE_SEED = 20240901
# Only the commonest names count as neighbours: rare ones add little and cost time.
NEIGHBOUR_NAMES = 5000


def random_pairs(size: int) -> Pairs:
    """A fixed random sample of pairs of different register rows."""
    if size < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rng = np.random.default_rng(SAMPLE_SEED)
    a = rng.integers(0, size, SAMPLE_PAIRS)
    b = rng.integers(0, size, SAMPLE_PAIRS)
    different = a != b
    return a[different], b[different]


@dataclass(frozen=True)
class NameFrequencies:
    """How common one name field's values and agreements are on the register."""

    sampled: Shares  # share of random pairs at each level
    # Per register vocabulary entry: the share of register rows with the same name, a name
    # that sounds the same, the same initial, and a name that is close or similar to it.
    exact_share: Shares
    sound_share: Shares
    initial_share: Shares
    close_share: Shares
    similar_share: Shares

    def u(self, levels: c.Levels, register_codes: npt.NDArray[np.int32]) -> Shares:
        """Chance that an unrelated child's name agrees with each register name at its level."""
        u = self.sampled[levels].copy()
        for level, share in (
            (c.EXACT, self.exact_share),
            (c.VARIANT, self.sound_share),
            (c.CLOSE, self.close_share),
            (c.SOUNDS_ALIKE, self.sound_share),
            (c.SIMILAR, self.similar_share),
            (c.INITIAL, self.initial_share),
        ):
            at = levels == level
            shares = share[register_codes[at]]
            u[at] = shares if level in (c.EXACT, c.INITIAL) else np.maximum(u[at], shares)
        return u


def name_frequencies(
    vocabulary: NameVocabulary, codes: npt.NDArray[np.int32], pairs: Pairs
) -> NameFrequencies:
    """Measure one name field (forename or surname) of the register."""
    a, b = pairs
    sampled = _sampled_shares(compare_names(vocabulary, codes[a], vocabulary, codes[b]), 8)
    counts = np.bincount(codes, minlength=len(vocabulary)).astype(np.float64)
    total = max(float(counts.sum()), 1.0)
    sound_group, _ = pd.factorize(pd.Series(vocabulary.sound_first))
    initial_group, _ = pd.factorize(pd.Series(vocabulary.initial))
    word_group, words = pd.factorize(pd.Series(vocabulary.first_word))
    word_counts = np.bincount(word_group, weights=counts, minlength=len(words))
    close, similar = _neighbour_shares(np.asarray(words, dtype=object), word_counts / total)
    return NameFrequencies(
        sampled=sampled,
        exact_share=counts / total,
        sound_share=_grouped_shares(sound_group, counts, total),
        initial_share=_grouped_shares(initial_group, counts, total),
        close_share=close[word_group],
        similar_share=similar[word_group],
    )


def date_of_birth_u(dates: npt.NDArray[np.int32], pairs: Pairs) -> Shares:
    """Chance that an unrelated pupil's birthday agrees at each level (missing: 1)."""
    a, b = pairs
    sampled = _sampled_shares(c.compare_dates_of_birth(dates[a], dates[b]), len(c.DOB_LEVELS))
    known = dates[dates != 0]
    shares = pd.Series(known).value_counts(normalize=True) if len(known) else pd.Series()
    exact = float((shares.to_numpy() ** 2).sum())
    swapped_dates = known // 10000 * 10000 + known % 100 * 100 + known // 100 % 100
    swappable = (known % 100 <= 12) & (known % 100 != known // 100 % 100)
    partner = shares.reindex(swapped_dates[swappable]).fillna(0.0).to_numpy()
    swapped = float(partner.sum()) / max(len(known), 1)
    one_digit = float(sampled[c.DOB_ONE_DIGIT])
    one_field = float(sampled[c.DOB_ONE_FIELD])
    different = max(1.0 - exact - swapped - one_digit - one_field, 0.01)
    return np.array([exact, swapped, one_digit, one_field, different, 1.0])


def postcode_u(register: PreparedRecords, pairs: Pairs) -> Shares:
    """Chance that an unrelated pupil's postcode agrees at each level (missing: 1)."""
    a, b = pairs
    sampled = _sampled_shares(c.compare_postcodes(register, a, register, b), len(c.POSTCODE_LEVELS))
    full = share_agreeing(register.postcode)
    typo = float(sampled[c.POSTCODE_TYPO])
    sector = max(share_agreeing(register.postcode_sector) - full - typo, sampled[c.POSTCODE_SECTOR])
    district = share_agreeing(register.postcode_district)
    within_district = max(district - sector - full - typo, sampled[c.POSTCODE_DISTRICT])
    return np.array([full, typo, sector, within_district, 1.0 - district, 1.0])


def sex_u(sexes: npt.NDArray[np.int8]) -> Shares:
    """Chance that an unrelated pupil's sex is the same, different (missing: 1)."""
    same = share_agreeing(sexes)
    return np.array([same, 1.0 - same, 1.0])


def share_agreeing(values: npt.NDArray[np.generic]) -> float:
    """Chance that two random known values (0 is missing) are equal."""
    known = values[values != 0]
    if len(known) == 0:
        return 0.0
    shares = pd.Series(known).value_counts(normalize=True).to_numpy()
    return float((shares**2).sum())


def household_rates(register: PreparedRecords) -> tuple[float, float]:
    """Per row, how many other rows share its surname and postcode, and its birthday too."""
    size = len(register)
    if size < 2:
        return 0.0, 0.0
    known = register.postcode != 0
    frame = pd.DataFrame(
        {
            "surname": register.surname[known],
            "postcode": register.postcode[known],
            "born": register.date_of_birth[known],
        }
    )

    def pairs_per_row(columns: list[str]) -> float:
        counts = frame.groupby(columns, sort=False).size().to_numpy(dtype=np.float64)
        return float((counts * (counts - 1)).sum()) / size

    return pairs_per_row(["surname", "postcode"]), pairs_per_row(["surname", "postcode", "born"])


def community_lift(register: PreparedRecords) -> Shares:
    """How much likelier two children with this first name share a surname than any two.

    Forenames and surnames cluster in communities (Priya with Patel, Jakub with
    Nowak), so agreeing on both names is that much less rare than the product of
    their frequencies. Measured on the register: pairs of rows with the same first
    name that share a surname, against the pairs expected if names were independent
    (plus one of each, so a name seen a few times stays near 1). Per vocabulary entry.
    """
    vocabulary = register.forenames
    word_group, words = pd.factorize(pd.Series(vocabulary.first_word))
    frame = pd.DataFrame({"first": word_group[register.forename], "surname": register.surname})
    size = len(frame)
    if size < 2:
        return np.ones(len(vocabulary))
    together = frame.value_counts().to_numpy(dtype=np.float64)
    firsts = frame.value_counts().index.get_level_values(0).to_numpy()
    agreeing = np.bincount(firsts, weights=together * (together - 1), minlength=len(words))
    named = np.bincount(frame["first"], minlength=len(words)).astype(np.float64)
    surnames = np.bincount(frame["surname"]).astype(np.float64)
    chance = float((surnames * (surnames - 1)).sum()) / (size * (size - 1))
    lift = (agreeing + 1.0) / (named * (named - 1) * chance + 1.0)
    return np.asarray(np.maximum(lift, 1.0)[word_group], dtype=np.float64)


def _grouped_shares(groups: npt.NDArray[np.intp], counts: Shares, total: float) -> Shares:
    group_counts = np.bincount(groups, weights=counts)
    return np.asarray(group_counts[groups] / total)


def _neighbour_shares(words: npt.NDArray[np.object_], shares: Shares) -> tuple[Shares, Shares]:
    # How common are names close to each name? "Ella" is close to Bella, Stella, Ellie:
    # a near miss on a name with many neighbours says little.
    close = np.zeros(len(words))
    similar = np.zeros(len(words))
    if len(words) == 0:
        return close, similar
    common = np.argsort(-shares, kind="stable")[:NEIGHBOUR_NAMES]
    neighbours, neighbour_shares = words[common].tolist(), shares[common]
    for start in range(0, len(words), 2000):
        chunk = slice(start, start + 2000)
        similarity = cdist(
            words[chunk].tolist(),
            neighbours,
            scorer=JaroWinkler.normalized_similarity,
            dtype=np.float32,
            workers=-1,
            score_cutoff=c.SIMILAR_SIMILARITY,
        )
        own = words[chunk][:, None] == np.asarray(neighbours, dtype=object)[None, :]
        is_close = (similarity >= c.CLOSE_SIMILARITY) & ~own
        is_similar = (similarity >= c.SIMILAR_SIMILARITY) & ~is_close & ~own
        close[chunk] = is_close @ neighbour_shares
        similar[chunk] = is_similar @ neighbour_shares
    return close, similar


def _sampled_shares(levels: c.Levels, count: int) -> Shares:
    # Add-one smoothing keeps a level never seen in the sample from looking impossible.
    return (np.bincount(levels, minlength=count) + 1.0) / (len(levels) + count)
