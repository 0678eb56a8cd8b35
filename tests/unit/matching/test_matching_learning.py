"""Parameters learnt from the batch being matched: EM over comparison vectors, with a guard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from missing_education.matching import Matcher
from missing_education.matching.learning import M_FLOOR, MIN_NOTIFICATIONS
from missing_education.matching.scoring import PRIORS
from synthetic.register import synthetic_population


@pytest.fixture(scope="module")
def pupils() -> pd.DataFrame:
    return synthetic_population(3000, seed=21)


def copies(pupils: pd.DataFrame, count: int, replaced_forenames: float) -> pd.DataFrame:
    """Notifications copied from pupils, a share of them with the forename wholly replaced."""
    rng = np.random.default_rng(4)
    chosen = pupils.sample(n=count, random_state=8).reset_index(drop=True)
    chosen["ref"] = [f"N{k}" for k in range(count)]
    replace = rng.random(count) < replaced_forenames
    others = pupils["forename"].sample(n=count, random_state=9, replace=True).to_numpy()
    chosen.loc[replace, "forename"] = others[replace]
    return chosen


def test_a_batch_with_many_replaced_forenames_teaches_that_a_different_forename_is_common(
    pupils: pd.DataFrame,
) -> None:
    matcher = Matcher(pupils)
    matcher.match_frame(copies(pupils, 600, replaced_forenames=0.2))
    assert matcher.learnt is not None and matcher.learnt.learnt
    different = matcher.learnt.parameters.forename[-1]
    assert different > 10 * PRIORS.forename[-1]
    assert 0.1 < different < 0.3
    # The surnames were left alone: their exact agreement stays near the prior or above.
    assert matcher.learnt.parameters.surname[0] > 0.85


def test_a_small_file_keeps_the_priors_and_says_why(pupils: pd.DataFrame) -> None:
    matcher = Matcher(pupils)
    matcher.match_frame(copies(pupils, MIN_NOTIFICATIONS - 1, replaced_forenames=0.5))
    assert matcher.learnt is not None and not matcher.learnt.learnt
    assert matcher.learnt.parameters == PRIORS
    assert f"fewer than {MIN_NOTIFICATIONS}" in matcher.learnt.reason


def test_no_learnt_m_value_falls_below_the_floor_and_each_field_sums_to_one(
    pupils: pd.DataFrame,
) -> None:
    matcher = Matcher(pupils)
    matcher.match_frame(copies(pupils, 400, replaced_forenames=0.0))
    assert matcher.learnt is not None
    parameters = matcher.learnt.parameters
    for name in ("forename", "surname", "date_of_birth", "sex", "postcode"):
        values = getattr(parameters, name)
        assert min(values) >= M_FLOOR * 0.999
        assert sum(values) == pytest.approx(1.0)


def test_the_learnt_parameters_are_reported_by_level_name(pupils: pd.DataFrame) -> None:
    matcher = Matcher(pupils)
    matcher.match_frame(copies(pupils, 300, replaced_forenames=0.1))
    assert matcher.learnt is not None
    report = matcher.learnt.as_dict()
    assert report["learnt"] is True and report["notifications"] == 300
    parameters = report["parameters"]
    assert isinstance(parameters, dict)
    assert set(parameters["date_of_birth"]) == {
        "exact",
        "day and month swapped",
        "one digit different",
        "one of day, month, year different",
        "different",
    }
    assert report["priors"] == PRIORS.as_dict()


def test_learning_can_be_turned_off_for_one_batch(pupils: pd.DataFrame) -> None:
    matcher = Matcher(pupils, learn=False)
    matcher.match_frame(copies(pupils, 300, replaced_forenames=0.1))
    assert matcher.learnt is None
