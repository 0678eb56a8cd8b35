"""Benchmark record matching on five sets, side by side with Splink: accuracy, latency, batch.

    .venv/bin/python bench/matching.py --splink         # full run, Splink on every set
    .venv/bin/python bench/matching.py --quick          # small sizes, seconds, no Splink
    .venv/bin/python bench/matching.py --json out.json  # also write the figures as JSON

The sets: our synthetic population (with children on no register) and FEBRL febrl1,
febrl2 and febrl3 (bench/febrl.py: school-age dates of birth, UK-shaped postcodes), and febrl4
(5,000 originals in one file, their 5,000 duplicates in another), which no setting or
constant was ever chosen on: it stands for data nobody here has looked at. All
are seeded or published, so runs are repeatable. `--splink` makes Splink's own virtual
environment under bench-data/ from the pinned bench/splink-requirements.txt (installing
Splink brings pyarrow, which changes pandas' default string storage for everything else in
an environment) and feeds it the same data as cleaned CSV files.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POPULATION_SEED = 2024
NOTIFICATION_SEED = 2025
BATCH_POPULATION_SEED = 7
BATCH_NOTIFICATION_SEED = 8
ABSENT_SHARE = 0.3
THRESHOLDS = (0.5, 0.7, 0.85, 0.9, 0.95, 0.99)
DEFAULT_THRESHOLD = 0.85
REPO = Path(__file__).resolve().parent.parent
SPLINK_VENV = REPO / "bench-data" / "splink-venv"
SPLINK_REQUIREMENTS = REPO / "bench" / "splink-requirements.txt"
FEBRL_SETS = ("febrl1", "febrl2", "febrl3", "febrl4")
SPLINK_THRESHOLDS = (0.5, 0.8, 0.85, 0.9, 0.95, 0.99, 0.999)
CALIBRATION_BINS = (0.05, 0.2, 0.5, 0.7, 0.85, 0.95, 0.99, 1.0001)


@dataclass(frozen=True)
class Sizes:
    """How big each part of the benchmark is."""

    register: int
    notifications: int
    latency_register: int
    latency_calls: int
    batch_register: int
    batch_notifications: int
    splink_latency_calls: int


FULL = Sizes(200_000, 40_000, 200_000, 300, 1_000_000, 10_000, 30)

QUICK = Sizes(20_000, 2_000, 20_000, 50, 100_000, 1_000, 5)


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- our engine ------------------------------------------------------------------------------


def _sets(sizes: Sizes) -> Any:
    """Each benchmark set in turn: name, register, notifications, truth."""
    from febrl import febrl_set

    from synthetic.noisy_notifications import synthetic_notifications
    from synthetic.register import synthetic_population

    register = synthetic_population(sizes.register, POPULATION_SEED)
    notifications, truth = synthetic_notifications(
        register, sizes.notifications, ABSENT_SHARE, NOTIFICATION_SEED
    )
    yield "synthetic", register, notifications, truth
    for name in FEBRL_SETS:
        yield (name, *febrl_set(name))


def _accuracy(
    register: Any, notifications: Any, truth: Any, workdir: Path | None
) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    from missing_education.matching import Matcher, Thresholds, evaluate

    started = time.perf_counter()
    matcher = Matcher(register)
    results = matcher.match_frame(notifications)
    elapsed = time.perf_counter() - started
    report = evaluate(truth, results)
    at_thresholds = []
    for threshold in THRESHOLDS:
        matcher.thresholds = Thresholds(match=threshold)
        at = matcher.match_frame(notifications, learn=False)
        at_thresholds.append(
            {
                "threshold": threshold,
                **evaluate(truth, at).as_dict(),
                "review_rate": float((at["decision"] == "possible").mean()),
            }
        )
    expected = truth.reindex(results["notification_ref"]).to_numpy()
    linked = results["register_ref"].to_numpy()
    correct = np.asarray(linked == expected, dtype=bool)
    bins = pd.cut(results["score"], CALIBRATION_BINS, right=False)
    calibration = [
        {
            "bin": str(interval),
            "notifications": int(group.size),
            "mean_score": float(results["score"][group.index].mean()),
            "share_right": float(correct[group.index].mean()),
        }
        for interval, group in results.groupby(bins, observed=True)["score"]
    ]
    if workdir is not None:
        _write_splink_inputs(register, notifications, truth, workdir)
    return {
        "register_rows": len(register),
        "notifications": len(notifications),
        "seconds": elapsed,
        **report.as_dict(),
        "review_rate": float((results["decision"] == "possible").mean()),
        "learning": matcher.learnt.as_dict() if matcher.learnt else None,
        "at_thresholds": at_thresholds,
        "calibration": calibration,
    }


def _latency(sizes: Sizes) -> dict[str, Any]:
    from missing_education.matching import Matcher
    from synthetic.noisy_notifications import synthetic_notifications
    from synthetic.register import synthetic_population

    register = synthetic_population(sizes.latency_register, POPULATION_SEED)
    notifications, _ = synthetic_notifications(
        register, sizes.latency_calls, ABSENT_SHARE, NOTIFICATION_SEED
    )
    started = time.perf_counter()
    matcher = Matcher(register)
    load = time.perf_counter() - started
    people = [{str(k): v for k, v in row.items()} for _, row in notifications.iterrows()]
    matcher.candidates(people[0])  # first call warms caches
    timings = []
    for person in people:
        started = time.perf_counter()
        matcher.candidates(person)
        timings.append(time.perf_counter() - started)
    return {
        "register_rows": sizes.latency_register,
        "calls": len(timings),
        "load_seconds": load,
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": sorted(timings)[int(0.95 * (len(timings) - 1))] * 1000,
    }


def _batch_in_this_process(register_rows: int, notification_rows: int) -> dict[str, Any]:
    from missing_education.matching import Matcher, evaluate
    from synthetic.noisy_notifications import synthetic_notifications
    from synthetic.register import synthetic_population

    register = synthetic_population(register_rows, BATCH_POPULATION_SEED)
    notifications, truth = synthetic_notifications(
        register, notification_rows, ABSENT_SHARE, BATCH_NOTIFICATION_SEED
    )
    data_rss = _peak_rss_mb()
    started = time.perf_counter()
    matcher = Matcher(register)
    loaded = time.perf_counter()
    results = matcher.match_frame(notifications)
    finished = time.perf_counter()
    report = evaluate(truth, results)
    return {
        "register_rows": register_rows,
        "notifications": notification_rows,
        "load_seconds": loaded - started,
        "match_seconds": finished - loaded,
        "total_seconds": finished - started,
        "peak_rss_mb_after_data": data_rss,
        "peak_rss_mb": _peak_rss_mb(),
        "precision": report.precision,
        "recall": report.recall,
        "f1": report.f1,
        "absent_false_link_rate": report.absent_false_link_rate,
    }


def _files_in_this_process(directory: Path) -> dict[str, Any]:
    from missing_education.matching import match_files

    started = time.perf_counter()
    summary = match_files(
        directory / "notifications.csv", directory / "register.csv", directory / "out.csv"
    )
    return {
        "total_seconds": time.perf_counter() - started,
        "peak_rss_mb": _peak_rss_mb(),
        "matches": summary.matches,
    }


def _write_batch_files(sizes: Sizes, directory: Path) -> None:
    from synthetic.noisy_notifications import synthetic_notifications
    from synthetic.register import synthetic_population

    register = synthetic_population(sizes.batch_register, BATCH_POPULATION_SEED)
    notifications, _ = synthetic_notifications(
        register, sizes.batch_notifications, ABSENT_SHARE, BATCH_NOTIFICATION_SEED
    )
    register.to_csv(directory / "register.csv", index=False)
    notifications.to_csv(directory / "notifications.csv", index=False)


def _worker(*arguments: str) -> dict[str, Any]:
    # A fresh process, so that its peak memory is the batch's alone.
    output = subprocess.run(
        [sys.executable, __file__, *arguments], capture_output=True, text=True, check=True
    ).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def _batch(sizes: Sizes) -> dict[str, Any]:
    figures = _worker("--batch-worker", str(sizes.batch_register), str(sizes.batch_notifications))
    with tempfile.TemporaryDirectory(prefix="bench-matching-files-") as scratch:
        _write_batch_files(sizes, Path(scratch))
        figures["files"] = _worker("--files-worker", scratch)
    return figures


# ---- Splink, side by side ----------------------------------------------------------------------


def splink_python() -> Path:
    """Splink's own interpreter, made from the pinned requirements the first time (or on change)."""
    python = SPLINK_VENV / "bin" / "python"
    stamp = SPLINK_VENV / "requirements.txt"
    wanted = SPLINK_REQUIREMENTS.read_text()
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        print(f"Making Splink's environment in {SPLINK_VENV} ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(SPLINK_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", str(SPLINK_REQUIREMENTS)],
            check=True,
        )
        stamp.write_text(wanted)
    return python


def _write_splink_inputs(register: Any, notifications: Any, truth: Any, workdir: Path) -> None:
    """Clean both tables the way Splink's documentation asks (lower case, ISO dates, nulls)."""
    import pandas as pd

    from missing_education.matching.standardise import (
        normalise_name,
        normalise_postcode,
        normalise_sex,
        normalise_upn,
        parse_date_of_birth,
    )

    def clean(frame: pd.DataFrame) -> pd.DataFrame:
        forenames = frame["forename"].map(normalise_name).str.split().str[0]
        surnames = frame["surname"].map(normalise_name).str.replace(" ", "-")
        dates = frame["date_of_birth"].map(parse_date_of_birth)
        postcodes = frame["postcode"].map(lambda p: normalise_postcode(p)[0])
        cleaned = pd.DataFrame(
            {
                "unique_id": frame["ref"],
                "forename": forenames.where(forenames != "", None),
                "surname": surnames.where(surnames != "", None),
                "dob": [
                    f"{d // 10000:04d}-{d // 100 % 100:02d}-{d % 100:02d}" if d else None
                    for d in dates
                ],
                "sex": [{1: "M", 2: "F"}.get(normalise_sex(s)) for s in frame["sex"]],
                "postcode": [f"{p[:-3]} {p[-3:]}" if p else None for p in postcodes],
                "upn": [normalise_upn(u) or None for u in frame["upn"]],
            }
        )
        cleaned["forename_surname_concat"] = (
            cleaned["forename"].fillna("") + " " + cleaned["surname"].fillna("")
        )
        return cleaned

    workdir.mkdir(parents=True, exist_ok=True)
    clean(register).to_csv(workdir / "register.csv", index=False)
    clean(notifications).to_csv(workdir / "notifications.csv", index=False)
    truth.rename("register_ref").to_csv(workdir / "truth.csv")


def _splink_worker(workdir: Path, latency_calls: int) -> dict[str, Any]:
    """Train and run Splink on the CSV files in `workdir` (runs in Splink's interpreter)."""
    import logging

    # Only in Splink's interpreter, which has no type stubs for these.
    import duckdb  # type: ignore[import-not-found, unused-ignore]
    import pandas
    import splink.comparison_library as cl  # type: ignore[import-not-found, unused-ignore]
    from splink import (  # type: ignore[import-not-found, unused-ignore]
        Linker,
        SettingsCreator,
        block_on,
    )
    from splink.backends.duckdb import DuckDBAPI  # type: ignore[import-not-found, unused-ignore]

    connection = duckdb.connect()
    api = DuckDBAPI(connection)
    for table in ("register", "notifications"):
        source = (workdir / f"{table}.csv").as_posix()
        connection.execute(
            f"create table {table}_input as select * from read_csv('{source}', all_varchar=true)"
        )
    register = api.register("register_input", dataset_display_name="register")
    notifications = api.register("notifications_input", dataset_display_name="notifications")
    # Sex and UPN only where the set has them (FEBRL has neither).
    given = {
        column
        for column in ("sex", "upn")
        if connection.sql(
            f"select count({column}) from register_input where {column} is not null"
        ).fetchall()[0][0]
    }
    settings = SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ForenameSurnameComparison(
                "forename", "surname", forename_surname_concat_col_name="forename_surname_concat"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.PostcodeComparison("postcode"),
            *(cl.ExactMatch(column) for column in ("sex", "upn") if column in given),
        ],
        # The same ideas as our blocking keys, in Splink's terms.
        blocking_rules_to_generate_predictions=[
            block_on("dob"),
            block_on("forename", "surname"),
            block_on("surname", "substr(dob, 1, 7)"),
            block_on("forename", "substr(dob, 1, 7)"),
            "l.forename = r.surname and l.surname = r.forename",
            block_on("postcode", "substr(dob, 1, 4)"),
            *([block_on("upn")] if "upn" in given else []),
        ],
        retain_intermediate_calculation_columns=False,
    )
    started = time.perf_counter()
    linker = Linker([notifications, register], settings, log_level=logging.WARNING)
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [block_on("forename", "surname", "dob")], recall=0.7
    )
    training.estimate_u_using_random_sampling(max_pairs=1e7 if latency_calls else 2e6, seed=1)
    training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    training.estimate_parameters_using_expectation_maximisation(block_on("forename", "surname"))
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.001)
    scored = predictions.as_duckdbpyrelation()  # noqa: F841 (read by name in the SQL below)
    best = connection.sql(
        """
        with pairs as (
            select
                case when source_dataset_l = 'notifications' then unique_id_l
                     else unique_id_r end as notification_ref,
                case when source_dataset_l = 'notifications' then unique_id_r
                     else unique_id_l end as register_ref,
                match_probability, match_weight
            from scored)
        select notification_ref, register_ref, match_probability from (
            select *, row_number() over (
                partition by notification_ref order by match_weight desc) as rank
            from pairs) where rank = 1
        """
    )
    best.write_csv((workdir / "splink_best.csv").as_posix())
    predicted = time.perf_counter()

    if not latency_calls:
        return {"train_seconds": trained - started, "predict_seconds": predicted - trained}
    for column in ("forename", "surname", "forename_surname_concat"):
        linker.table_management.compute_tf_table(column)
    rows = connection.sql(
        f"select * from notifications_input order by unique_id limit {latency_calls + 1}"
    ).fetchall()
    columns = [
        c[0] for c in connection.sql("select * from notifications_input limit 0").description
    ]
    timings = []
    for number, row in enumerate(rows):
        one = pandas.DataFrame([dict(zip(columns, row, strict=True))])
        started_one = time.perf_counter()
        single = api.register(one, dataset_display_name=f"new_{number}")
        linker.inference.predict_between(
            left=[single], right=[register], warning_mode="never"
        ).as_record_list()
        if number:  # the first call warms caches
            timings.append(time.perf_counter() - started_one)
    return {
        "train_seconds": trained - started,
        "predict_seconds": predicted - trained,
        "latency_calls": len(timings),
        "latency_median_ms": statistics.median(timings) * 1000 if timings else None,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _splink(python: str, workdir: Path, latency_calls: int) -> dict[str, Any]:
    import pandas as pd

    from missing_education.matching import evaluate

    run = subprocess.run(
        [
            python,
            __file__,
            "--splink-worker",
            str(workdir),
            "--splink-latency-calls",
            str(latency_calls),
        ],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        return {"error": run.stderr.strip().splitlines()[-1] if run.stderr else "failed"}
    # A notification Splink scored below its output cut-off has no row: it is a "none".
    figures: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    truth = pd.read_csv(workdir / "truth.csv", index_col=0, dtype=str)["register_ref"]
    truth = truth.where(truth.notna(), None)
    best = pd.read_csv(workdir / "splink_best.csv", dtype={"notification_ref": str})
    merged = pd.DataFrame({"notification_ref": truth.index}).merge(
        best, on="notification_ref", how="left"
    )
    probability = merged["match_probability"].fillna(0.0)
    figures["at_thresholds"] = []
    for threshold in SPLINK_THRESHOLDS:
        results = pd.DataFrame(
            {
                "notification_ref": merged["notification_ref"],
                "register_ref": merged["register_ref"].fillna("").astype(str),
                "score": probability,
                "decision": ["match" if p >= threshold else "none" for p in probability],
            }
        )
        figures["at_thresholds"].append(
            {"threshold": threshold, **evaluate(truth, results).as_dict()}
        )
    return figures


# ---- report ---------------------------------------------------------------------------------


def _rate(value: float) -> str:
    return f"1 in {1 / value:,.0f}" if value else "none"


def _best_splink(splink: dict[str, Any]) -> dict[str, Any] | None:
    rows = splink.get("at_thresholds") or []
    return max(rows, key=lambda row: row["f1"]) if rows else None


def _print_report(figures: dict[str, Any]) -> None:
    for name, found in figures["sets"].items():
        accuracy = found["ours"]
        print(
            f"\n{name}: {int(accuracy['notifications']):,} notifications "
            f"({int(accuracy['absent']):,} absent) against {accuracy['register_rows']:,} "
            f"register rows, {accuracy['seconds']:.1f} s"
        )
        print(f"{'engine':<10}{'threshold':>10}{'precision':>11}{'recall':>9}{'F1':>8}"
              f"{'false links (absent)':>22}{'found':>8}{'review':>8}")  # fmt: skip
        for row in accuracy["at_thresholds"]:
            print(
                f"{'ours':<10}{row['threshold']:>10.3f}{row['precision']:>11.4f}"
                f"{row['recall']:>9.4f}{row['f1']:>8.4f}"
                f"{_rate(row['absent_false_link_rate']):>22}{row['found_for_review']:>8.4f}"
                f"{row['review_rate']:>8.3f}"
            )
        splink = found.get("splink")
        if splink and "at_thresholds" in splink:
            for row in splink["at_thresholds"]:
                print(
                    f"{'splink':<10}{row['threshold']:>10.3f}{row['precision']:>11.4f}"
                    f"{row['recall']:>9.4f}{row['f1']:>8.4f}"
                    f"{_rate(row['absent_false_link_rate']):>22}"
                )
        elif splink:
            print(f"splink: not run ({splink.get('error')})")
        learning = accuracy.get("learning") or {}
        print(f"learnt: {learning.get('learnt')} {learning.get('reason', '')}")
    accuracy = figures["sets"]["synthetic"]["ours"]
    print("\nCalibration on the synthetic set (best candidate per notification)")
    print(f"{'score':<16}{'notifications':>14}{'mean score':>12}{'share right':>13}")
    for row in accuracy["calibration"]:
        print(
            f"{row['bin']:<16}{row['notifications']:>14,}{row['mean_score']:>12.3f}"
            f"{row['share_right']:>13.3f}"
        )
    latency = figures["latency"]
    print(
        f"\nOne notification against {latency['register_rows']:,} pupils: median "
        f"{latency['median_ms']:.1f} ms, p95 {latency['p95_ms']:.1f} ms over "
        f"{latency['calls']} calls (loading took {latency['load_seconds']:.1f} s)"
    )
    splink = figures["sets"]["synthetic"].get("splink") or {}
    if splink.get("latency_median_ms") is not None:
        print(
            f"Splink, same register: median {splink['latency_median_ms']:.0f} ms over "
            f"{splink['latency_calls']} calls; training {splink['train_seconds']:.0f} s, "
            f"batch prediction {splink['predict_seconds']:.1f} s"
        )
    batch = figures["batch"]
    print(
        f"\nBatch: {batch['notifications']:,} notifications against "
        f"{batch['register_rows']:,} pupils: {batch['total_seconds']:.1f} s "
        f"(load {batch['load_seconds']:.1f} s, match {batch['match_seconds']:.1f} s), "
        f"peak memory {batch['peak_rss_mb']:,.0f} MB "
        f"({batch['peak_rss_mb_after_data']:,.0f} MB after making the data)"
    )
    files = batch["files"]
    print(
        f"The same from CSV files with match_files (`cme match`): {files['total_seconds']:.1f} s, "
        f"peak memory {files['peak_rss_mb']:,.0f} MB"
    )


def main() -> None:
    """Run the benchmark and print (and optionally save) the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--splink", action="store_true", help="run Splink on every set (makes its environment)"
    )
    parser.add_argument("--splink-python", help="a Python with splink installed, to compare")
    parser.add_argument("--batch-worker", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--files-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--splink-worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--splink-latency-calls", type=int, default=30, help=argparse.SUPPRESS)
    arguments = parser.parse_args()

    if arguments.batch_worker:
        print(json.dumps(_batch_in_this_process(*arguments.batch_worker)))
        return
    if arguments.files_worker:
        print(json.dumps(_files_in_this_process(arguments.files_worker)))
        return
    if arguments.splink_worker:
        print(json.dumps(_splink_worker(arguments.splink_worker, arguments.splink_latency_calls)))
        return

    sizes = QUICK if arguments.quick else FULL
    python = arguments.splink_python
    splink_error = ""
    if arguments.splink and not python:
        try:
            python = str(splink_python())
        except (OSError, subprocess.CalledProcessError) as error:
            # Never drop the comparison silently: every set reports Splink as not run, and
            # the F1 targets count as missed.
            splink_error = f"Splink's environment could not be made: {error}"
            print(splink_error, file=sys.stderr, flush=True)
    figures: dict[str, Any] = {"sizes": sizes.__dict__, "cpu_count": os.cpu_count(), "sets": {}}
    for name, register, notifications, truth in _sets(sizes):
        with tempfile.TemporaryDirectory(prefix="bench-matching-") as scratch:
            workdir = Path(scratch) if python else None
            found: dict[str, Any] = {"ours": _accuracy(register, notifications, truth, workdir)}
            if python and workdir is not None:
                calls = sizes.splink_latency_calls if name == "synthetic" else 0
                found["splink"] = _splink(python, workdir, calls)
                found["splink_best"] = _best_splink(found["splink"])
            elif splink_error:
                found["splink"] = {"error": splink_error}
                found["splink_best"] = None
        figures["sets"][name] = found
        print(f"{name}: done", file=sys.stderr, flush=True)
    # The synthetic set keeps its old place, for readers of earlier JSON.
    figures["accuracy"] = figures["sets"]["synthetic"]["ours"]
    figures["splink"] = figures["sets"]["synthetic"].get("splink")
    figures["latency"] = _latency(sizes)
    figures["batch"] = _batch(sizes)
    _print_report(figures)
    if arguments.json:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
