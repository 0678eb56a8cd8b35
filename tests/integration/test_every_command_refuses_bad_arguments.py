"""Every `cme` command given bad arguments says so in one line and exits 1 or 2 (issue 15).

No traceback ever reaches a coordinator: wrong types, huge numbers, ids past the database's
integers, 10,000-character names, control characters and unknown options all get a message.
"""

from __future__ import annotations

import sys

import pytest
import typer

from missing_education import cli

HOSTILE = [
    ["--no-such-option"],
    ["1e20", "x", "y"],
    ["99999999999999999999", "closure", "not_cme"],
    ["-1"],
    ["a" * 10_000],
    ["x\ny\x00z"],
    ["/dev/null", "/dev/null"],
]


def command_paths() -> list[list[str]]:
    """Every leaf command of `cme`, found by walking the command tree."""
    paths: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        subs = getattr(command, "commands", {})
        if not subs:
            paths.append(path)
        for name, sub in sorted(subs.items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(cli.app), [])
    return paths


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setattr(sys, "argv", ["cme", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    captured = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else (0 if code is None else 1)), captured


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p))
def test_each_command_given_bad_arguments_exits_1_or_2_with_a_message_and_no_traceback(
    path: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for bad in HOSTILE:
        code, captured = run([*path, *bad], monkeypatch, capsys)
        shown = captured.out + captured.err
        assert "Traceback" not in shown, (path, bad, shown)
        assert code in (1, 2), (path, bad, code, shown)
        # Usage errors (exit 2) too: one line, never click's boxed usage panel.
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (path, bad, shown)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["decide", "1", "closure", "not_cme", "--by", "x" * 10_000], "at most 100"),
        (["decide", "1", "closure", "not_cme", "--by", "Sam\nFletcher"], "one line"),
        (
            ["decide", "1", "closure", "not_cme", "--by", "Sam", "--notes", "n" * 100_000],
            "the limit is 4,000",
        ),
        (
            [
                "decide",
                "1",
                "home_visit",
                "moved_other_council",
                "--by",
                "Sam",
                "--other-council-email",
                "a@x.example, b@y.example",
            ],
            "one email address",
        ),
        (["letters", "confirm-batch", "99"], "no print batch with id 99"),
    ],
)
def test_bounded_inputs_are_refused_in_one_line(
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    ingest = tmp_path / "n.csv"  # type: ignore[operator]
    ingest.write_text(
        "forename,surname,date_of_birth,referral_date,referrer_organisation\n"
        "Amira,Khan,2015-03-04,2026-11-20,Matlock Primary\n",
        encoding="utf-8",
    )
    assert run(["ingest", str(ingest)], monkeypatch, capsys)[0] == 0
    code, captured = run(args, monkeypatch, capsys)
    assert code == 1, captured
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], captured.err


def test_a_retention_period_of_0_years_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CME_RETENTION_YEARS", "0")
    code, captured = run(["cases"], monkeypatch, capsys)
    assert code == 2
    assert "retention_years (CME_RETENTION_YEARS) must be between 1 and 100" in captured.err


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",2026-12-01,2028-01-15,closure", "row 3: a period is at most 366 days long"),
        (",2026-12-01,9999-12-31,term", "row 3: dates must fall between 2021 and 2031"),
        (",2099-12-24,2099-12-24,closure", "row 3: dates must fall between 2021 and 2031"),
    ],
)
def test_a_calendar_typed_into_the_far_future_is_refused_naming_the_row(
    row: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    path = tmp_path / "calendar.csv"  # type: ignore[operator]
    path.write_text(
        f"school_urn,start_date,end_date,kind\n,2026-09-03,2026-12-18,term\n{row}\n",
        encoding="utf-8",
    )
    code, captured = run(["calendar", "import", str(path)], monkeypatch, capsys)
    assert code == 1
    assert message in captured.err
    assert "Traceback" not in captured.out + captured.err
