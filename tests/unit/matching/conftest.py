"""A small register for matching tests: synthetic pupils and hand-made children with errors."""

from __future__ import annotations

import pandas as pd
import pytest

from missing_education.matching import REGISTER_COLUMNS, Matcher
from synthetic.register import synthetic_population

# Hand-made pupils: each test notifies one of them with a particular error.
PUPILS = [
    ("T01", "Oliver", "Bagshaw", "2014-05-17", "M", "A830000000001", "12 Mill Lane", "DE22 3AB"),
    ("T02", "Alfred", "Whitworth", "2012-11-03", "M", "B830000000002", "4 Oak Close", "DE4 2QX"),
    ("T03", "Muhammad", "Chowdhury", "2016-02-09", "M", "", "9 Park Road", "DE23 8PL"),
    ("T04", "Isla", "Smith-Jones", "2015-07-21", "F", "C830000000004", "3 Elm Way", "S40 1TS"),
    ("T05", "Lily-Mae", "Hodgson", "2017-01-28", "F", "D830000000005", "88 Kirk Lane", "DE7 5QR"),
    ("T06", "Zainab", "Hussain", "2013-12-04", "F", "E830000000006", "1 Ash Grove", "DE24 9AD"),
    ("T07", "Katarzyna", "Nowak", "2011-03-15", "F", "F830000000007", "7 Holly Drive", "NG16 3HX"),
    ("T08", "Jacob", "Thornley", "2018-04-23", "M", "G830000000008", "20 Dale View", "SK17 6AT"),
    ("T10", "Ella", "Brennan", "2016-09-14", "F", "H830000000010", "5 Beech Road", "DE56 1AB"),
    ("T11", "Ruby", "Brennan", "2016-09-14", "F", "J830000000011", "5 Beech Road", "DE56 1AB"),
    ("T12", "Harvey", "Marsden", "2013-06-30", "M", "K830000000012", "2 Chapel Street", "S43 2RT"),
    ("T14", "Harvey", "Marsden-Hart", "2013-06-30", "M", "L830000000014", "6 Moor Lane", "S41 7SQ"),
]


@pytest.fixture(scope="session")
def register() -> pd.DataFrame:
    """3,000 synthetic pupils with the hand-made ones among them."""
    pupils = pd.DataFrame(
        [(*row, "100001") for row in PUPILS], columns=list(REGISTER_COLUMNS), dtype=object
    )
    return pd.concat([synthetic_population(3000, seed=5), pupils], ignore_index=True)


@pytest.fixture(scope="session")
def matcher(register: pd.DataFrame) -> Matcher:
    """The register loaded for matching, once for the session."""
    return Matcher(register)
