"""Learn the m values (and the share of swapped names) from the batch being matched, by EM.

Fixed m values fit the data they were measured on: a file from another system has its
own error mix (more blanks, more swapped names, more wrong years). As Splink does, the
m values are re-estimated from the comparison vectors of the batch itself: the E step
scores every candidate pair (the score is already the probability that the pair is
the same child, candidates of one notification competing), the M step sets each m to
the score-weighted share of pairs at each level, and the share of names written the
wrong way round to the score-weighted share of pairs read swapped. u values stay
measured on the register, and the rates of brothers, sisters and twins are the
register's own (scoring.py). The prior that a child is on the register at all is not
learnt: learning it from a batch of mostly present children raised false links for
absent ones (measured, docs/matching.md).

The current values are a Dirichlet prior worth `PRIOR_PAIRS` true pairs, so a small file
moves them little; below `MIN_NOTIFICATIONS` nothing is learnt at all (the small-file
guard), and no m falls below `M_FLOOR`, so no disagreement ever becomes proof.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from missing_education.matching import comparison as c
from missing_education.matching.comparison import Comparisons
from missing_education.matching.scoring import PRIORS, Parameters, Scorer
from missing_education.matching.standardise import PreparedRecords

# Fewer notifications than this and the priors are used unchanged.
MIN_NOTIFICATIONS = 200
# The priors count as this many true pairs seen.
PRIOR_PAIRS = 200.0
# No level's m is learnt below this: a level the batch happens not to show is still possible.
M_FLOOR = 0.001
MAX_ITERATIONS = 20
TOLERANCE = 1e-4


@dataclass(frozen=True)
class Learnt:
    """What was learnt from a batch, or why nothing was."""

    parameters: Parameters
    learnt: bool
    notifications: int
    pairs: int
    iterations: int = 0
    reason: str = ""
    history: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """For `--json` output: whether learnt, from how much, and the m values used."""
        return {
            "learnt": self.learnt,
            "reason": self.reason,
            "notifications": self.notifications,
            "candidate_pairs": self.pairs,
            "iterations": self.iterations,
            "parameters": self.parameters.as_dict(),
            "priors": PRIORS.as_dict(),
        }


def _m_step(
    levels: c.Levels, scores: npt.NDArray[np.float64], prior: tuple[float, ...]
) -> tuple[float, ...]:
    # The last level is "missing", which is not part of m: it carries no evidence.
    count = len(prior)
    expected = np.bincount(levels, weights=scores, minlength=count + 1)[:count]
    m = (expected + PRIOR_PAIRS * np.array(prior)) / (expected.sum() + PRIOR_PAIRS)
    m = np.maximum(m, M_FLOOR)
    return tuple(float(v) for v in m / m.sum())


def _share_step(
    shown: npt.NDArray[np.bool_], scores: npt.NDArray[np.float64], prior: float
) -> float:
    # The share of true pairs showing something (names swapped), with the same prior weight.
    share = (float(scores[shown].sum()) + PRIOR_PAIRS * prior) / (float(scores.sum()) + PRIOR_PAIRS)
    return min(max(share, M_FLOOR), 0.5)


def learn(
    scorer: Scorer,
    pairs: Comparisons,
    register: PreparedRecords,
    notifications: int,
    priors: Parameters = PRIORS,
) -> Learnt:
    """Estimate the m values from a batch's candidate pairs, starting from `priors`."""
    if notifications < MIN_NOTIFICATIONS:
        scorer.use(priors)
        return Learnt(
            priors,
            learnt=False,
            notifications=notifications,
            pairs=len(pairs),
            reason=f"{notifications} notifications: fewer than {MIN_NOTIFICATIONS}, priors used",
        )
    parameters = priors
    history: list[float] = []
    iterations = 0
    for iterations in range(1, MAX_ITERATIONS + 1):  # noqa: B007 (reported below)
        scorer.use(parameters)
        weighed = scorer.weigh(pairs, register)
        scores = scorer.scores(pairs.query, weighed.total)
        updated = replace(
            parameters,
            forename=_m_step(weighed.forename_level, scores, priors.forename),
            surname=_m_step(weighed.surname_level, scores, priors.surname),
            date_of_birth=_m_step(pairs.date_of_birth, scores, priors.date_of_birth),
            sex=_m_step(pairs.sex, scores, priors.sex),
            postcode=_m_step(pairs.postcode, scores, priors.postcode),
            names_swapped=_share_step(weighed.names_swapped, scores, priors.names_swapped),
        )
        change = _largest_change(parameters, updated)
        history.append(change)
        parameters = updated
        if change < TOLERANCE:
            break
    scorer.use(parameters)
    return Learnt(
        parameters,
        learnt=True,
        notifications=notifications,
        pairs=len(pairs),
        iterations=iterations,
        history=history,
    )


def _largest_change(before: Parameters, after: Parameters) -> float:
    changes = []
    for name in ("forename", "surname", "date_of_birth", "sex", "postcode"):
        old, new = np.array(getattr(before, name)), np.array(getattr(after, name))
        changes.append(float(np.abs(old - new).max()))
    changes.append(abs(before.names_swapped - after.names_swapped))
    return max(changes)
