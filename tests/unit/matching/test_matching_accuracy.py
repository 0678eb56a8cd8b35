"""Accuracy on a small fixed synthetic sample, and the synthetic data the benchmarks rely on."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from missing_education.matching import REGISTER_COLUMNS, AccuracyReport, Matcher, evaluate
from synthetic.noisy_notifications import synthetic_notifications
from synthetic.register import synthetic_population


@pytest.fixture(scope="module")
def sample() -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    register = synthetic_population(2000, seed=1234)
    notifications, truth = synthetic_notifications(register, 500, absent_share=0.3, seed=5678)
    return register, notifications, truth


def test_matching_a_fixed_sample_meets_the_accuracy_targets(
    sample: tuple[pd.DataFrame, pd.DataFrame, pd.Series],
) -> None:
    register, notifications, truth = sample
    report = evaluate(truth, Matcher(register).match_frame(notifications))
    assert report.notifications == 500 and report.absent == 150
    assert report.precision >= 0.995
    assert report.false_links_absent == 0
    assert report.f1 >= 0.97


def test_the_population_is_register_shaped_and_reproducible() -> None:
    first = synthetic_population(300, seed=9)
    assert list(first.columns) == list(REGISTER_COLUMNS)
    assert first["ref"].is_unique
    pd.testing.assert_frame_equal(first, synthetic_population(300, seed=9))
    assert not first.equals(synthetic_population(300, seed=10))


def test_upns_are_a_letter_and_twelve_digits_or_blank() -> None:
    upns = synthetic_population(1000, seed=3)["upn"]
    given = upns[upns != ""]
    assert given.map(lambda upn: re.fullmatch(r"[A-Z]\d{12}", upn) is not None).all()
    assert given.is_unique
    assert 0 < (upns == "").sum() < 100


def test_pupils_are_of_school_age_with_uk_postcodes() -> None:
    population = synthetic_population(1000, seed=4)
    born = pd.to_datetime(population["date_of_birth"])
    assert born.min() >= pd.Timestamp("2009-09-01") and born.max() <= pd.Timestamp("2021-08-31")
    assert population["postcode"].str.fullmatch(r"[A-Z]{1,2}\d{1,2} \d[A-Z]{2}").all()


def test_notifications_mix_noisy_pupils_and_absent_children(
    sample: tuple[pd.DataFrame, pd.DataFrame, pd.Series],
) -> None:
    register, notifications, truth = sample
    assert list(notifications.columns) == [*REGISTER_COLUMNS, "former_upn"]
    assert list(truth.index) == list(notifications["ref"])
    assert truth.isna().sum() == 150
    assert set(truth.dropna()) <= set(register["ref"])
    on_register = notifications.set_index("ref").loc[truth.dropna().index]
    originals = register.set_index("ref").loc[truth.dropna().to_numpy()]
    changed = on_register["forename"].to_numpy() != originals["forename"].to_numpy()
    assert 0.05 < changed.mean() < 0.6  # some errors, but mostly recognisable


def test_evaluate_counts_links_misses_and_false_links() -> None:
    truth = pd.Series({"N1": "R1", "N2": "R2", "N3": None, "N4": "R4", "N5": None}, dtype=object)
    results = pd.DataFrame(
        {
            "notification_ref": ["N1", "N2", "N3", "N4", "N5"],
            "register_ref": ["R1", "R9", "R3", "R4", ""],
            "score": [0.99, 0.99, 0.95, 0.5, 0.0],
            "decision": ["match", "match", "match", "possible", "none"],
        }
    )
    report = evaluate(truth, results)
    assert report == AccuracyReport(
        notifications=5,
        present=3,
        absent=2,
        true_links=1,
        false_links=2,
        false_links_absent=1,
        missed=2,
        possible_right=1,
        possible_wrong=0,
    )
    assert report.precision == pytest.approx(1 / 3)
    assert report.recall == pytest.approx(1 / 3)
    assert report.absent_false_link_rate == 0.5
    assert report.found_for_review == pytest.approx(2 / 3)
