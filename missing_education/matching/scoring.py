"""Fellegi-Sunter weights for each field's agreement level, and the calibrated match score.

A level's weight is log2(m / u) bits: m is how often the same child shows that level,
u how often two different children do. The m values start from `PRIORS`
(measured on the synthetic notifications, with small floors so that no single
disagreement is ever taken as proof) and are learnt from each batch being matched by
expectation-maximisation (`learning`). The u
values are measured on each register (see `frequencies`).

Two corrections stop the fields from counting the same evidence twice:

* names together: agreeing on both names is less rare than the product of their
  frequencies when first names and surnames run in communities (`community_lift`);
* household: brothers and sisters share a surname and an address, twins a birthday too,
  so a third hypothesis, "a sibling of the child", competes with "the child" and
  "unrelated", weighted by how often siblings are on the register.

The score of a candidate is the probability that it is the child's record, given all
the candidates found and a prior that the child is on this register at all
(`PRESENT_PRIOR`): each candidate's odds are prior odds times 2**weight, and candidates
compete, so two equally good candidates (twins, namesakes) score at most one half each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from missing_education.matching import comparison as c
from missing_education.matching import frequencies
from missing_education.matching.comparison import Comparisons
from missing_education.matching.standardise import PreparedRecords

Weights = npt.NDArray[np.float64]

# How likely a child looked up is on the register at all, before comparing anything.
PRESENT_PRIOR = 0.5
# Names written surname first, forename second: the prior share of true pairs (learnt).
SWAP_PROBABILITY = 0.03
U_FLOOR = 1e-7
# No name is taken to be rarer than 1 in 10,000 children: a name seen once on a register
# (often a misspelling) would otherwise count as near-proof on its own.
FORENAME_SHARE_FLOOR = 1e-4
SURNAME_SHARE_FLOOR = 1e-4
# Brothers and sisters share a surname and a postcode, and twins a birthday too, so those
# fields agree together far more often than their separate u values say. The register's
# own rate of such pairs (per pupil) is used, with these as the prior mean of a
# gamma-Poisson model worth `PRIOR_PAIRS_SEEN` pair: a register of a few hundred rows
# without twins still allows them, a register of thousands without any (an extract of
# one agency, or an independent benchmark of unrelated people) says they are rare.
PRIOR_HOUSEHOLD_PAIRS = 0.3
PRIOR_TWIN_PAIRS = 0.01
PRIOR_PAIRS_SEEN = 1.0
# Chance that a brother's or sister's forename agrees with the child's at these levels:
# parents do not give two children the same first name, nor two forms of one name.
SIBLING_FORENAME_AGREEMENT = {c.EXACT: 0.001, c.VARIANT: 0.002}


@dataclass(frozen=True)
class Parameters:
    """The m values (share of true pairs at each level, "missing" left out) and the prior.

    The defaults were measured on the synthetic notifications and rounded, with small
    floors where the generator never produces a level; they are the priors that
    `learning.learn` starts from and falls back to on a small file.
    """

    forename: tuple[float, ...] = (0.83, 0.092, 0.048, 0.018, 0.006, 0.004, 0.005)
    surname: tuple[float, ...] = (0.88, 0.025, 0.064, 0.013, 0.006, 0.001, 0.008)
    date_of_birth: tuple[float, ...] = (0.95, 0.015, 0.03, 0.003, 0.002)
    sex: tuple[float, ...] = (0.99, 0.01)
    # Families move: a different postcode is common.
    postcode: tuple[float, ...] = (0.63, 0.01, 0.04, 0.16, 0.16)
    names_swapped: float = SWAP_PROBABILITY
    present_prior: float = PRESENT_PRIOR

    def as_dict(self) -> dict[str, object]:
        """Each field's m per level, by level name, and the prior (for JSON and explanations)."""
        named: dict[str, object] = {}
        for field, levels in FIELD_LEVELS.items():
            values: tuple[float, ...] = getattr(self, field)
            named[field] = {
                level: round(value, 5) for level, value in zip(levels, values, strict=False)
            }
        named["names_swapped"] = round(self.names_swapped, 5)
        named["present_prior"] = round(self.present_prior, 4)
        return named


FIELD_LEVELS: dict[str, tuple[str, ...]] = {
    "forename": c.NAME_LEVELS,
    "surname": c.NAME_LEVELS,
    "date_of_birth": c.DOB_LEVELS,
    "sex": c.SEX_LEVELS,
    "postcode": c.POSTCODE_LEVELS,
}
PRIORS = Parameters()
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


def _with_missing(m: tuple[float, ...]) -> Weights:
    """The m values with the "missing" level appended (it weighs nothing either way)."""
    return np.array((*m, 1.0))


def _field_weights(m: tuple[float, ...], u: Weights) -> Weights:
    """log2(m / u) per level; the last level (missing) weighs nothing."""
    weights: Weights = np.log2(_with_missing(m) / u)
    weights[-1] = 0.0
    return weights


def _shrunk(pairs_per_row: float, rows: int, prior: float) -> float:
    """Posterior mean of a rate of pairs per row: gamma prior worth PRIOR_PAIRS_SEEN pairs."""
    prior_rows = PRIOR_PAIRS_SEEN / prior
    return (pairs_per_row * rows + PRIOR_PAIRS_SEEN) / (rows + prior_rows)


class Scorer:
    """Weights for one register: its u values measured once, then applied to any pairs."""

    def __init__(self, register: PreparedRecords, parameters: Parameters = PRIORS) -> None:
        self.register_size = len(register)
        pairs = frequencies.random_pairs(len(register))
        self.forenames = frequencies.name_frequencies(register.forenames, register.forename, pairs)
        self.surnames = frequencies.name_frequencies(register.surnames, register.surname, pairs)
        self.date_of_birth_u = np.maximum(
            frequencies.date_of_birth_u(register.date_of_birth, pairs), U_FLOOR
        )
        self.sex_u = np.maximum(frequencies.sex_u(register.sex), U_FLOOR)
        self.postcode_u = np.maximum(frequencies.postcode_u(register, pairs), U_FLOOR)
        self.upn = np.array(UPN_WEIGHTS)
        self.use(parameters)
        households, twins = frequencies.household_rates(register)
        others = max(len(register) - 1, 1)
        rows = len(register)
        self.household_rate = _shrunk(households, rows, PRIOR_HOUSEHOLD_PAIRS) / others
        self.twin_rate = _shrunk(twins, rows, PRIOR_TWIN_PAIRS) / others
        self.forename_lift = frequencies.community_lift(register)

    def use(self, parameters: Parameters) -> None:
        """Weigh from now on with these m values and this prior (learnt, or the priors)."""
        self.parameters = parameters
        prior = parameters.present_prior
        self.log2_prior_odds = float(np.log2(prior / max(self.register_size, 1)))
        self.log2_absent = float(np.log2(1.0 - prior))
        self.swap_cost = float(np.log2(parameters.names_swapped))
        self.m_forename = _with_missing(parameters.forename)
        self.m_surname = _with_missing(parameters.surname)
        self.m_date_of_birth = _with_missing(parameters.date_of_birth)
        self.date_of_birth = _field_weights(parameters.date_of_birth, self.date_of_birth_u)
        self.sex = _field_weights(parameters.sex, self.sex_u)
        self.postcode = _field_weights(parameters.postcode, self.postcode_u)

    def _name_weights(
        self,
        field: frequencies.NameFrequencies,
        m: Weights,
        share_floor: float,
        levels: c.Levels,
        register_codes: npt.NDArray[np.int32],
    ) -> Weights:
        u = np.maximum(field.u(levels, register_codes), share_floor)
        weight: Weights = np.log2(m[levels] / u)
        weight[levels == c.NAME_MISSING] = 0.0
        return weight

    def _forename_weights(self, levels: c.Levels, codes: npt.NDArray[np.int32]) -> Weights:
        return self._name_weights(
            self.forenames, self.m_forename, FORENAME_SHARE_FLOOR, levels, codes
        )

    def _surname_weights(self, levels: c.Levels, codes: npt.NDArray[np.int32]) -> Weights:
        return self._name_weights(self.surnames, self.m_surname, SURNAME_SHARE_FLOOR, levels, codes)

    def weigh(self, pairs: Comparisons, register: PreparedRecords) -> Weighed:
        """Weigh compared pairs, reading names in whichever order (as written, swapped) fits."""
        r_fn, r_sn = register.forename[pairs.register], register.surname[pairs.register]
        forename = self._forename_weights(pairs.forename, r_fn)
        surname = self._surname_weights(pairs.surname, r_sn)
        # Crosswise, the query's surname is weighed as the register's forename, and back.
        forename_x = self._forename_weights(pairs.forename_swapped, r_fn)
        surname_x = self._surname_weights(pairs.surname_swapped, r_sn)
        swap_cost = self.swap_cost
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
            pairs.date_of_birth,
            forename,
            # Names read swapped are so for the child's record and a sibling's alike.
            forename + surname + postcode + date_of_birth + community + swap,
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
        born: c.Levels,
        forename_weight: Weights,
        household_weight: Weights,
        evidence: Weights,
    ) -> Weights:
        """Weigh the chance that the candidate is a brother or sister (or twin) of the child.

        Besides "same child" (m) and "unrelated" (u) there is "sibling" (s): the weight
        log2(m / u) becomes log2(m / (u + s)). A sibling shares the child's surname and
        home, so the notification's surname and postcode agree with a sibling's record
        exactly as often as with the child's own (after a move, a typo, a double-barrelled
        name dropped): those m values cancel, and the household is weighed whatever level
        they show. A twin shares the birthday too (the date's m cancels as well); another
        sibling agrees on it only by chance (u). Parents do not give two children the same
        first name (or two forms of one), so s is tiny when the forenames agree and large
        when they do not. The rates of sibling and twin pairs are the register's own.
        """
        m_forename = self.m_forename[forename]
        sibling_forename = m_forename / np.exp2(forename_weight)  # the forename's u
        for level, agreement in SIBLING_FORENAME_AGREEMENT.items():
            sibling_forename[forename == level] = agreement
        # Another brother or sister shares a birthday by chance: u / m of the date's level.
        born_by_chance = np.exp2(-self.date_of_birth[born])
        rate = self.twin_rate + self.household_rate * born_by_chance
        # Fields outside the household (sex, UPN) count as for anyone unrelated.
        outside = evidence - household_weight
        sibling = rate * sibling_forename / m_forename * np.exp2(-outside)
        correction: Weights = -np.log2(np.exp2(-evidence) + sibling) - evidence
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
