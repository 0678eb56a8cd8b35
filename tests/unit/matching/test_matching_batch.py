"""Batch matching: one result row per notification, and the `cme match` file engine."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from missing_education.matching import Matcher, match_files

NOTIFICATIONS = pd.DataFrame(
    [
        ("N1", "Oliver", "Bagshaw", "17/05/2014", "M", "", "", "DE22 3AB", ""),
        ("N2", "Xavier", "Quennell", "2012-02-02", "M", "", "", "", ""),
        ("N3", "Alfie", "Whitworth", "", "M", "", "", "DE4 2QX", ""),
        ("N4", "Zzzz", "Qqqq", "", "", "", "", "", ""),
    ],
    columns=[
        "ref", "forename", "surname", "date_of_birth", "sex", "upn", "address_line1",
        "postcode", "school_urn",
    ],
)  # fmt: skip


def test_match_frame_has_one_row_per_notification_in_order(matcher: Matcher) -> None:
    results = matcher.match_frame(NOTIFICATIONS)
    assert list(results.columns) == ["notification_ref", "register_ref", "score", "decision"]
    assert list(results["notification_ref"]) == ["N1", "N2", "N3", "N4"]
    assert results.loc[0, "register_ref"] == "T01" and results.loc[0, "decision"] == "match"


def test_match_frame_leaves_register_ref_empty_when_there_is_no_match(matcher: Matcher) -> None:
    results = matcher.match_frame(NOTIFICATIONS).set_index("notification_ref")
    assert results.loc["N2", "decision"] == "none"
    assert results.loc["N2", "register_ref"] == ""
    assert results.loc["N4", "score"] == 0.0


def test_match_frame_agrees_with_candidates(matcher: Matcher) -> None:
    results = matcher.match_frame(NOTIFICATIONS).set_index("notification_ref")
    best = matcher.candidates({str(k): v for k, v in NOTIFICATIONS.iloc[2].items()})[0]
    assert results.loc["N3", "score"] == round(best.score, 6)
    assert results.loc["N3", "decision"] == best.decision


def test_match_frame_of_no_people_is_empty(matcher: Matcher) -> None:
    results = matcher.match_frame(NOTIFICATIONS.iloc[0:0])
    assert results.empty
    assert list(results.columns) == ["notification_ref", "register_ref", "score", "decision"]


def test_match_files_writes_the_results_and_counts_decisions(
    tmp_path: Path, register: pd.DataFrame
) -> None:
    register_file = tmp_path / "register.csv"
    register.to_csv(register_file, index=False)
    notifications_file = tmp_path / "notifications.csv"
    rows = pd.concat(
        [NOTIFICATIONS, pd.DataFrame([{"ref": "", "forename": "No", "surname": "Ref"}])]
    )
    rows.to_csv(notifications_file, index=False)
    out = tmp_path / "out" / "matches.csv"

    summary = match_files(notifications_file, register_file, out)

    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == ["notification_ref", "register_ref", "score", "decision"]
    assert list(written["notification_ref"]) == ["N1", "N2", "N3", "N4"]
    assert written.loc[0, "register_ref"] == "T01"
    assert summary.notifications == 4 and summary.register_rows == len(register)
    assert sum(summary.counts.values()) == 4
    assert summary.counts["match"] == summary.matches >= 1
    assert [r.reason for r in summary.notification_rejections] == ["ref is blank"]
    assert summary.notification_rejections[0].row == 6  # header is row 1
    assert summary.register_rejections == []
