"""Fellegi-Sunter weights for each field's agreement level, and the calibrated match score.

A level's weight is log2(m / u) bits: m is how often a true pair shows that level, u how
often two different children do. The m values below were set from the error rates of
notifications (the synthetic generator's `NotificationNoise` and the measurements in
docs/matching.md), with a floor on levels the generator never produces so that no single
disagreement is treated as impossible for the same child. The u values are measured on
each register when a `Matcher` is built: exact name agreement uses the frequency of that
very name (agreeing on "Smith" says less than agreeing on "Przybylski"), the other levels
use a fixed random sample of register pairs, dates and postcodes use exact frequencies.

The score of a candidate is the probability that it is the child's record, given the
candidates found and a prior that the child is on this register at all
(`PRESENT_PRIOR`): each candidate's odds are prior odds times 2**weight, and they compete,
so two equally good candidates (twins, namesakes) each score at most one half.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist

from missing_education.matching import comparison as c
from missing_education.matching.comparison import Comparisons, compare_names
from missing_education.matching.standardise import NameVocabulary, PreparedRecords

Weights = npt.NDArray[np.float64]

# How likely a child looked up is on the register at all, before comparing anything.
PRESENT_PRIOR = 0.5
# Names written surname first, forename second.
SWAP_PROBABILITY = 0.03
U_SAMPLE_PAIRS = 200_000
U_SAMPLE_SEED = 20240901
U_FLOOR = 1e-7
NEIGHBOUR_NAMES = 5000
# No name is taken to be rarer than 1 in 10,000 children: a name seen once on a register
# (often a misspelling) would otherwise count as near-proof on its own.
FORENAME_SHARE_FLOOR = 1e-4
SURNAME_SHARE_FLOOR = 1e-4
# Brothers and sisters share a surname and a postcode, and twins a birthday too, so those
# fields agree together far more often than their separate u values say. The register's
# own rate of such pairs is used, but never below these (per pupil, per register row).
MIN_HOUSEHOLD_PAIRS = 0.3
MIN_TWIN_PAIRS = 0.01
# Chance that a brother's or sister's forename agrees with the child's at these levels:
# parents do not give two children the same first name, nor two forms of one name.
SIBLING_FORENAME_AGREEMENT = {c.EXACT: 0.001, c.VARIANT: 0.002}

# m: share of true pairs at each level (levels as in comparison.py, "missing" unused).
M_FORENAME = (0.83, 0.092, 0.048, 0.018, 0.006, 0.004, 0.005, 1.0)
M_SURNAME = (0.88, 0.025, 0.064, 0.013, 0.006, 0.001, 0.008, 1.0)
M_DATE_OF_BIRTH = (0.95, 0.015, 0.03, 0.005, 1.0)
M_SEX = (0.99, 0.01, 1.0)
M_POSTCODE = (0.63, 0.04, 0.16, 0.17, 1.0)  # families move: a different postcode is common
# UPNs are issued once per child, so exact agreement is all but conclusive; disagreement is
# weak evidence because children are sometimes given a new UPN or it is mistyped.
UPN_WEIGHTS = (24.0, 16.0, -5.0, 0.0)


@dataclass(frozen=True)
class Weighed:
    """Per-pair weights in bits (after choosing the name order that fits best) and their sum."""

    forename: Weights
    surname: Weights
    date_of_birth: Weights
    sex: Weights
    postcode: Weights
    upn: Weights
    swap: Weights
    community: Weights  # correction for names that go together in one community (<= 0)
    household: Weights  # correction for agreement that brothers and sisters share (<= 0)
    names_swapped: npt.NDArray[np.bool_]
    forename_level: c.Levels
    surname_level: c.Levels
    total: Weights


@dataclass(frozen=True)
class _NameField:
    """m and u for one name field; u depends on the register's name where that matters."""

    m: Weights  # per level
    u: Weights  # per level, from the random sample
    share_floor: float  # no name is taken to be rarer than this
    # Per register vocabulary entry: the share of register rows with the same name, a name
    # that sounds the same, the same initial, and a name that is close or similar to it.
    exact_share: Weights
    sound_share: Weights
    initial_share: Weights
    close_share: Weights
    similar_share: Weights

    def weights(self, levels: c.Levels, register_codes: npt.NDArray[np.int32]) -> Weights:
        u = self.u[levels].copy()
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
        weight = np.log2(self.m[levels] / np.maximum(u, self.share_floor))
        weight[levels == c.NAME_MISSING] = 0.0
        return weight


def _grouped_shares(groups: npt.NDArray[np.intp], counts: Weights, total: float) -> Weights:
    group_counts = np.bincount(groups, weights=counts)
    return np.asarray(group_counts[groups] / total)


def _name_shares(
    codes: npt.NDArray[np.int32], vocabulary: NameVocabulary
) -> tuple[Weights, Weights, Weights, Weights, Weights]:
    counts = np.bincount(codes, minlength=len(vocabulary)).astype(np.float64)
    total = max(float(counts.sum()), 1.0)
    sound_group, _ = pd.factorize(pd.Series(vocabulary.sound_first))
    initial_group, _ = pd.factorize(pd.Series(vocabulary.initial))
    word_group, words = pd.factorize(pd.Series(vocabulary.first_word))
    word_counts = np.bincount(word_group, weights=counts, minlength=len(words))
    close, similar = _neighbour_shares(np.asarray(words, dtype=object), word_counts / total)
    return (
        counts / total,
        _grouped_shares(sound_group, counts, total),
        _grouped_shares(initial_group, counts, total),
        close[word_group],
        similar[word_group],
    )


def _neighbour_shares(words: npt.NDArray[np.object_], shares: Weights) -> tuple[Weights, Weights]:
    # How common are names close to each name? "Ella" is close to Bella, Stella, Ellie:
    # a near miss on a name with many neighbours says little. Rare neighbours add little,
    # so only the most common names are counted as neighbours.
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


def _sampled_shares(levels: c.Levels, count: int) -> Weights:
    # Add-one smoothing keeps a level never seen in the sample from looking impossible.
    return (np.bincount(levels, minlength=count) + 1.0) / (len(levels) + count)


def _share_agreeing(values: npt.NDArray[np.generic]) -> float:
    known = values[values != 0]
    if len(known) == 0:
        return 0.0
    shares = pd.Series(known).value_counts(normalize=True).to_numpy()
    return float((shares**2).sum())


class Scorer:
    """Weights for one register: its u values measured once, then applied to any pairs."""

    def __init__(self, register: PreparedRecords, present_prior: float = PRESENT_PRIOR) -> None:
        size = max(len(register), 1)
        self.log2_prior_odds = float(np.log2(present_prior / size))
        self.log2_absent = float(np.log2(1.0 - present_prior))
        rng = np.random.default_rng(U_SAMPLE_SEED)
        a = rng.integers(0, size, U_SAMPLE_PAIRS) if len(register) else np.zeros(0, np.int64)
        b = rng.integers(0, size, U_SAMPLE_PAIRS) if len(register) else np.zeros(0, np.int64)
        different = a != b
        a, b = a[different], b[different]
        self.forename = self._name_field(
            register.forenames, register.forename, a, b, M_FORENAME, FORENAME_SHARE_FLOOR
        )
        self.surname = self._name_field(
            register.surnames, register.surname, a, b, M_SURNAME, SURNAME_SHARE_FLOOR
        )
        self.date_of_birth = self._date_weights(register, a, b)
        self.sex = np.log2(np.array(M_SEX) / self._exact_u(register.sex, 3))
        self.postcode = self._postcode_weights(register)
        self.upn = np.array(UPN_WEIGHTS)
        self.date_of_birth_u = np.array(M_DATE_OF_BIRTH) / np.exp2(self.date_of_birth)
        self.household_rate, self.twin_rate = self._household_rates(register)
        self.forename_lift = self._community_lift(register)

    @staticmethod
    def _community_lift(register: PreparedRecords) -> Weights:
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

    @staticmethod
    def _household_rates(register: PreparedRecords) -> tuple[float, float]:
        """Share of pairs of register rows sharing surname and postcode, and also birthday."""
        size = len(register)
        if size < 2:
            return MIN_HOUSEHOLD_PAIRS, MIN_TWIN_PAIRS
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

        household = max(pairs_per_row(["surname", "postcode"]), MIN_HOUSEHOLD_PAIRS)
        twins = max(pairs_per_row(["surname", "postcode", "born"]), MIN_TWIN_PAIRS)
        return household / (size - 1), twins / (size - 1)

    @staticmethod
    def _name_field(
        vocabulary: NameVocabulary,
        codes: npt.NDArray[np.int32],
        a: npt.NDArray[np.int64],
        b: npt.NDArray[np.int64],
        m: tuple[float, ...],
        share_floor: float,
    ) -> _NameField:
        levels = compare_names(vocabulary, codes[a], vocabulary, codes[b])
        return _NameField(
            np.array(m), _sampled_shares(levels, 8), share_floor, *_name_shares(codes, vocabulary)
        )

    @staticmethod
    def _exact_u(values: npt.NDArray[np.generic], count: int) -> Weights:
        same = max(_share_agreeing(values), U_FLOOR)
        return np.array([same, 1.0 - same, 1.0][:count])

    @staticmethod
    def _date_weights(
        register: PreparedRecords, a: npt.NDArray[np.int64], b: npt.NDArray[np.int64]
    ) -> Weights:
        dates = register.date_of_birth
        sampled = _sampled_shares(c.compare_dates_of_birth(dates[a], dates[b]), 5)
        known = dates[dates != 0]
        shares = pd.Series(known).value_counts(normalize=True) if len(known) else pd.Series()
        exact = max(float((shares.to_numpy() ** 2).sum()), U_FLOOR)
        swapped_dates = known // 10000 * 10000 + known % 100 * 100 + known // 100 % 100
        swappable = (known % 100 <= 12) & (known % 100 != known // 100 % 100)
        partner = shares.reindex(swapped_dates[swappable]).fillna(0.0).to_numpy()
        swapped = max(float(partner.sum()) / max(len(known), 1), U_FLOOR)
        u = np.array([exact, swapped, sampled[c.DOB_ONE_DIGIT], 0.0, 1.0])
        u[c.DOB_DIFFERENT] = max(1.0 - u[:3].sum(), U_FLOOR)
        weights: Weights = np.log2(np.array(M_DATE_OF_BIRTH) / u)
        weights[c.DOB_MISSING] = 0.0
        return weights

    @staticmethod
    def _postcode_weights(register: PreparedRecords) -> Weights:
        full = _share_agreeing(register.postcode)
        sector = _share_agreeing(register.postcode_sector)
        district = _share_agreeing(register.postcode_district)
        u = np.array(
            [full, sector - full, district - sector, 1.0 - district, 1.0], dtype=np.float64
        )
        weights = np.log2(np.array(M_POSTCODE) / np.maximum(u, U_FLOOR))
        weights[c.POSTCODE_MISSING] = 0.0
        return weights

    def weigh(self, pairs: Comparisons, register: PreparedRecords) -> Weighed:
        """Weigh compared pairs, reading names in whichever order (as written, swapped) fits."""
        r_fn, r_sn = register.forename[pairs.register], register.surname[pairs.register]
        forename = self.forename.weights(pairs.forename, r_fn)
        surname = self.surname.weights(pairs.surname, r_sn)
        # Crosswise, the query's surname is weighed as the register's forename, and back.
        forename_x = self.forename.weights(pairs.forename_swapped, r_fn)
        surname_x = self.surname.weights(pairs.surname_swapped, r_sn)
        swap_cost = float(np.log2(SWAP_PROBABILITY))
        swapped = forename_x + surname_x + swap_cost > forename + surname
        swap = np.where(swapped, swap_cost, 0.0)
        forename = np.where(swapped, forename_x, forename)
        surname = np.where(swapped, surname_x, surname)
        date_of_birth = self.date_of_birth[pairs.date_of_birth]
        sex = self.sex[pairs.sex]
        postcode = self.postcode[pairs.postcode]
        upn = self.upn[pairs.upn]
        surname_level = np.where(swapped, pairs.surname_swapped, pairs.surname).astype(np.int8)
        forename_level = np.where(swapped, pairs.forename_swapped, pairs.forename).astype(np.int8)
        both_names = (forename_level <= c.VARIANT) & (surname_level <= c.VARIANT)
        community = np.where(both_names, -np.log2(self.forename_lift[r_fn]), 0.0)
        evidence = forename + surname + date_of_birth + sex + postcode + upn + swap + community
        household = self._household_correction(
            forename_level,
            surname_level,
            pairs.postcode,
            pairs.date_of_birth,
            forename,
            forename + surname + postcode + date_of_birth + community,
            evidence,
        )
        return Weighed(
            forename=forename,
            surname=surname,
            date_of_birth=date_of_birth,
            sex=sex,
            postcode=postcode,
            upn=upn,
            swap=swap,
            community=community,
            household=household,
            names_swapped=swapped,
            forename_level=forename_level,
            surname_level=surname_level,
            total=evidence + household,
        )

    def _household_correction(
        self,
        forename: c.Levels,
        surname: c.Levels,
        postcode: c.Levels,
        born: c.Levels,
        forename_weight: Weights,
        household_weight: Weights,
        evidence: Weights,
    ) -> Weights:
        """Weigh the chance that the candidate is a brother or sister (or twin) of the child.

        Surname and postcode (and, for twins, the birthday) agree for a brother or sister
        far more often than their separate u values say. So besides "same child" (m) and
        "unrelated" (u) there is "sibling" (s): the weight log2(m / u) becomes
        log2(m / (u + s)), where s is the register's own rate of pairs sharing surname and
        postcode (and birthday) times the chance that a sibling's forename agrees as well as
        this one does. Siblings have different first names, so s is tiny when the
        forenames agree and large when they do not.
        """
        shared = (surname <= c.SIMILAR) & (postcode == c.POSTCODE_FULL)
        correction = np.zeros(len(surname))
        if not shared.any():
            return correction
        f, s, b = forename[shared], surname[shared], born[shared]
        m_forename = np.array(M_FORENAME)[f]
        sibling_forename = m_forename / np.exp2(forename_weight[shared])  # the forename's u
        for level, agreement in SIBLING_FORENAME_AGREEMENT.items():
            sibling_forename[f == level] = agreement
        m_born = np.where(b == c.DOB_MISSING, 1.0, np.array(M_DATE_OF_BIRTH)[b])
        m_household = np.array(M_SURNAME)[s] * M_POSTCODE[c.POSTCODE_FULL] * m_born * m_forename
        sibling_born = np.where(b == c.DOB_MISSING, 1.0, self.date_of_birth_u[b])
        rate = np.where(b == c.DOB_EXACT, self.twin_rate, self.household_rate * sibling_born)
        # Fields outside the household (sex, UPN, name order) count the same either way.
        w = evidence[shared]
        sibling = rate * sibling_forename / m_household * np.exp2(-(w - household_weight[shared]))
        correction[shared] = -np.log2(np.exp2(-w) + sibling) - w
        return correction

    def scores(self, query: npt.NDArray[np.int64], total: Weights) -> Weights:
        """Probability that each candidate is the child's record, candidates of a query competing.

        `query` must be sorted so that each query's candidates are together.
        """
        if len(query) == 0:
            return np.zeros(0)
        log_odds = (self.log2_prior_odds + total) * np.log(2.0)
        starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
        peak = np.maximum.reduceat(log_odds, starts)
        sizes = np.diff(np.r_[starts, len(query)])
        peak_each = np.repeat(peak, sizes)
        summed = np.add.reduceat(np.exp(log_odds - peak_each), starts)
        log_evidence = peak + np.log(summed)
        log_denominator = np.logaddexp(self.log2_absent * np.log(2.0), log_evidence)
        return np.asarray(np.exp(log_odds - np.repeat(log_denominator, sizes)))
