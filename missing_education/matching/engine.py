"""Find a child on a register: candidates with a calibrated score, a decision and the reasons.

A false link (a missing child wrongly "found" on a roll) is the dangerous error. The
score is the posterior probability that a candidate is the child's record, with every
reason for doubt weighed in it (a twin or a brother or sister at the same address, a
namesake, a common name, a field typed wrong), so the decision is on the score alone:
`match` at or above the match threshold, `possible` (a person should look) at or above
the possible threshold. Both are the council's settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from missing_education.matching import comparison as c
from missing_education.matching.blocking import BlockingIndex
from missing_education.matching.comparison import Comparisons, compare
from missing_education.matching.learning import Learnt, learn
from missing_education.matching.scoring import PRESENT_PRIOR, PRIORS, Scorer, Weighed
from missing_education.matching.standardise import (
    PreparedRecords,
    prepare_person,
    prepare_records,
)

Decision = Literal["match", "possible", "none"]

# Scores are probabilities that the candidate is the child's record (see scoring.py).
# MATCH_THRESHOLD was chosen by measurement on synthetic data (docs/matching.md): the
# lowest that keeps false links for children on no register under 1 in 500 with some
# margin, since recall beyond that is not worth a false link. At 0.98 false links fall by
# two thirds and about 3 points of recall move to `possible`. Below POSSIBLE_THRESHOLD a
# candidate is not worth a person's time.
MATCH_THRESHOLD = 0.85
POSSIBLE_THRESHOLD = 0.05
# Notifications are matched this many at a time, to keep memory flat on big batches.
BATCH_SIZE = 2000
# Parameters are learnt from at most this many notifications of a batch (a seeded sample).
LEARNING_SAMPLE = 5_000
LEARNING_SEED = 17


@dataclass(frozen=True)
class Thresholds:
    """The operating point: scores at or above `match` link, at or above `possible` go to a person.

    A council sets these (`[matching]` in cme.toml, or `cme match --match-threshold`);
    docs/matching.md shows precision, recall and the review rate at several values.
    """

    match: float = MATCH_THRESHOLD
    possible: float = POSSIBLE_THRESHOLD

    def __post_init__(self) -> None:
        if not 0.0 < self.possible <= self.match <= 1.0:
            raise ValueError(
                "thresholds must satisfy 0 < possible <= match <= 1 "
                f"(got possible {self.possible}, match {self.match})"
            )


RESULT_COLUMNS = ("notification_ref", "register_ref", "score", "decision")


@dataclass(frozen=True)
class FieldAgreement:
    """How one field of a candidate compared, and the weight of evidence in bits (log2 odds)."""

    field: str
    level: str
    weight: float


@dataclass(frozen=True)
class Candidate:
    """A register row that may be the child, with its score, decision and explanation."""

    register_ref: str
    score: float
    decision: Decision
    explanation: tuple[FieldAgreement, ...]


@dataclass(frozen=True)
class _Assessment:
    pairs: Comparisons
    weighed: Weighed
    scores: npt.NDArray[np.float64]
    decisions: npt.NDArray[np.object_]


def _decisions(scores: npt.NDArray[np.float64], thresholds: Thresholds) -> npt.NDArray[np.object_]:
    # The decision is on the posterior probability alone: every reason to doubt a link (a
    # twin, a namesake, a common name, a wrong field) is already weighed in the score.
    decisions = np.full(len(scores), "none", dtype=object)
    decisions[scores >= thresholds.possible] = "possible"
    decisions[scores >= thresholds.match] = "match"
    return decisions


def _explanation(weighed: Weighed, pairs: Comparisons, at: int) -> tuple[FieldAgreement, ...]:
    fields = [
        ("forename", c.NAME_LEVELS[weighed.forename_level[at]], weighed.forename[at]),
        ("surname", c.NAME_LEVELS[weighed.surname_level[at]], weighed.surname[at]),
        ("date_of_birth", c.DOB_LEVELS[pairs.date_of_birth[at]], weighed.date_of_birth[at]),
        ("sex", c.SEX_LEVELS[pairs.sex[at]], weighed.sex[at]),
        ("postcode", c.POSTCODE_LEVELS[pairs.postcode[at]], weighed.postcode[at]),
        ("upn", c.UPN_LEVELS[pairs.upn[at]], weighed.upn[at]),
    ]
    if weighed.names_swapped[at]:
        fields.append(("name_order", "forename and surname swapped", weighed.swap[at]))
    if weighed.community[at] < 0:
        fields.append(
            ("names_together", "forename common with this surname", weighed.community[at])
        )
    if weighed.household[at] < 0:
        fields.append(
            ("household", "shared by brothers and sisters: counted once", weighed.household[at])
        )
    return tuple(FieldAgreement(f, level, round(float(w), 2)) for f, level, w in fields)


class Matcher:
    """A register loaded for matching: blocking index and weights are built once, here."""

    def __init__(
        self,
        register: pd.DataFrame,
        *,
        present_prior: float = PRESENT_PRIOR,
        thresholds: Thresholds | None = None,
        learn: bool = True,
    ) -> None:
        self._register = prepare_records(register)
        self._index = BlockingIndex.build(self._register)
        self._priors = replace(PRIORS, present_prior=present_prior)
        self._scorer = Scorer(self._register, self._priors)
        self.thresholds = thresholds or Thresholds()
        self._learn = learn
        self.learnt: Learnt | None = None

    def __len__(self) -> int:
        return len(self._register)

    def _compare(self, queries: PreparedRecords) -> Comparisons:
        qi, ri = self._index.pairs(queries)
        return compare(queries, qi, self._register, ri)

    def _assess(self, queries: PreparedRecords) -> _Assessment:
        pairs = self._compare(queries)
        weighed = self._scorer.weigh(pairs, self._register)
        scores = self._scorer.scores(pairs.query, weighed.total)
        decisions = _decisions(scores, self.thresholds)
        return _Assessment(pairs, weighed, scores, decisions)

    def learn_from(self, people: pd.DataFrame) -> Learnt:
        """Learn m values and the prior from a batch (a seeded sample of it, if large).

        The priors are used unchanged below `learning.MIN_NOTIFICATIONS` notifications.
        """
        sample = people
        if len(people) > LEARNING_SAMPLE:
            sample = people.sample(n=LEARNING_SAMPLE, random_state=LEARNING_SEED)
        pairs = self._compare(prepare_records(sample))
        self.learnt = learn(self._scorer, pairs, self._register, len(sample), self._priors)
        return self.learnt

    def candidates(self, person: Mapping[str, Any], limit: int = 5) -> list[Candidate]:
        """The best `limit` candidates for one person (register columns, optional former_upn)."""
        found = self._assess(prepare_person(person))
        order = np.lexsort((found.pairs.register, -found.weighed.total, -found.scores))[:limit]
        return [
            Candidate(
                register_ref=str(self._register.refs[found.pairs.register[at]]),
                score=float(found.scores[at]),
                decision=found.decisions[at],
                explanation=_explanation(found.weighed, found.pairs, int(at)),
            )
            for at in order
        ]

    def match_frame(self, people: pd.DataFrame, *, learn: bool | None = None) -> pd.DataFrame:
        """One row per person, its best candidate: register_ref is "" when the decision is none.

        Unless `learn` is False (default: as the matcher was made), the m values are first
        learnt from these people (see `learn_from`); `self.learnt` says what was learnt.
        """
        if self._learn if learn is None else learn:
            self.learn_from(people)
        results = [
            self._best(people.iloc[start : start + BATCH_SIZE])
            for start in range(0, len(people), BATCH_SIZE)
        ]
        if not results:
            return pd.DataFrame({column: pd.Series(dtype=object) for column in RESULT_COLUMNS})
        return pd.concat(results, ignore_index=True)

    def _best(self, people: pd.DataFrame) -> pd.DataFrame:
        queries = prepare_records(people)
        found = self._assess(queries)
        register_ref = np.full(len(queries), "", dtype=object)
        score = np.zeros(len(queries))
        decision = np.full(len(queries), "none", dtype=object)
        if len(found.scores):
            order = np.lexsort(
                (found.pairs.register, -found.weighed.total, -found.scores, found.pairs.query)
            )
            query = found.pairs.query[order]
            best = order[np.r_[True, query[1:] != query[:-1]]]
            owner = found.pairs.query[best]
            score[owner] = found.scores[best]
            decision[owner] = found.decisions[best]
            linked = found.decisions[best] != "none"
            register_ref[owner[linked]] = self._register.refs[found.pairs.register[best[linked]]]
        return pd.DataFrame(
            {
                "notification_ref": queries.refs,
                "register_ref": register_ref,
                "score": np.round(score, 6),
                "decision": decision,
            }
        )
