"""What the register and the batch show decides: twins, swapped names, and the score alone."""

from __future__ import annotations

import pandas as pd

from missing_education.matching import REGISTER_COLUMNS, Candidate, Matcher
from missing_education.matching.scoring import SWAP_PROBABILITY
from synthetic.noisy_notifications import synthetic_notifications
from synthetic.register import synthetic_population

# Alfred Whitworth (T02) notified with a wholly different first name, all else right.
RENAMED = {
    "ref": "N1",
    "forename": "Zebedee",
    "surname": "Whitworth",
    "date_of_birth": "2012-11-03",
    "sex": "M",
    "postcode": "DE4 2QX",
}


def best(matcher: Matcher, person: dict[str, str]) -> Candidate:
    return matcher.candidates({column: "" for column in REGISTER_COLUMNS} | person)[0]


def test_a_different_first_name_links_only_where_the_register_shows_few_brothers_and_sisters(
    register: pd.DataFrame,
) -> None:
    # With households on the register, the candidate may be the child's brother: a person
    # looks. On a register of people living alone (an independent benchmark, one agency's
    # extract) the same evidence is a first name typed wrong.
    with_households = best(Matcher(register, learn=False), RENAMED)
    alone = register.drop_duplicates(["surname", "postcode"], keep=False)
    living_alone = best(Matcher(alone, learn=False), RENAMED)
    assert (with_households.register_ref, with_households.decision) == ("T02", "possible")
    assert (living_alone.register_ref, living_alone.decision) == ("T02", "match")


def test_a_twin_is_not_linked_when_the_postcode_has_a_typo_or_the_family_moved(
    matcher: Matcher,
) -> None:
    # Ella and Ruby Brennan (T10, T11) are twins; Grace is a third, on no register.
    grace = {"ref": "N1", "forename": "Grace", "surname": "Brennan", "sex": "F"}
    for postcode in ("DE56 1AD", "S40 9ZZ"):
        found = matcher.candidates(grace | {"date_of_birth": "2016-09-14", "postcode": postcode})
        assert all(candidate.decision != "match" for candidate in found), postcode


def test_names_swapped_and_both_misspelt_are_still_read_crosswise(matcher: Matcher) -> None:
    found = best(matcher, {"ref": "N1", "forename": "Bagshwa", "surname": "Olivre",
                           "date_of_birth": "2014-05-17", "postcode": "DE22 3AB"})  # fmt: skip
    assert (found.register_ref, found.decision) == ("T01", "match")
    assert any(f.field == "name_order" for f in found.explanation)


def test_the_share_of_swapped_names_is_learnt_from_the_batch() -> None:
    register = synthetic_population(3000, seed=41)
    notifications, _ = synthetic_notifications(register, 400, absent_share=0.1, seed=42)
    swapped = notifications.copy()
    every_fourth = swapped.index[::4]
    swapped.loc[every_fourth, ["forename", "surname"]] = notifications.loc[
        every_fourth, ["surname", "forename"]
    ].to_numpy()
    learnt = {}
    for name, batch in (("as written", notifications), ("a quarter swapped", swapped)):
        matcher = Matcher(register)
        matcher.learn_from(batch)
        assert matcher.learnt is not None and matcher.learnt.learnt
        learnt[name] = matcher.learnt.parameters.names_swapped
        assert matcher.learnt.as_dict()["parameters"]["names_swapped"] == round(learnt[name], 5)
    assert learnt["as written"] < 2 * SWAP_PROBABILITY
    assert learnt["a quarter swapped"] > 0.15


def test_a_small_batch_keeps_the_prior_share_of_swapped_names(register: pd.DataFrame) -> None:
    matcher = Matcher(register)
    notifications, _ = synthetic_notifications(register, 50, absent_share=0.1, seed=43)
    learnt = matcher.learn_from(notifications)
    assert not learnt.learnt and learnt.parameters.names_swapped == SWAP_PROBABILITY
