"""Run every benchmark, each in its own process, and publish one table in docs/benchmarks.md.

    make bench                                  # all of them, 8 to 10 minutes
    .venv/bin/python bench/run.py --quick       # small sizes, a smoke test (not published)
    .venv/bin/python bench/run.py --only sweep,term --no-write

Each benchmark runs in a fresh process and writes its figures as JSON under bench-data/;
its peak memory is the highest resident set of that process and anything it waited for
(os.wait4). The table shows each figure, its target, the baseline measured beside it in the
same run, their ratio and the peak memory, and says whether the target was met. Timings
never go into `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, Result, Row, machine, prefect_server, seconds
from explanations import EXPLANATIONS, METHOD

BENCH = REPO / "bench"
DATA = REPO / "bench-data"
DOCUMENT = REPO / "docs" / "benchmarks.md"


@dataclass
class Benchmark:
    """A benchmark script, how to call it, and how its JSON becomes table rows."""

    name: str
    script: str
    arguments: list[str] = field(default_factory=list)
    quick: list[str] = field(default_factory=list)
    rows: Callable[[dict[str, Any], bool], Result] | None = None
    needs_prefect_server: bool = False


@dataclass
class Outcome:
    """What one benchmark process did."""

    benchmark: Benchmark
    result: Result
    wall_seconds: float
    peak_rss_mb: float
    exit_code: int


# ---- adapters for the benchmarks that predate this runner -----------------------------------


def letters_rows(figures: dict[str, Any], quick: bool) -> Result:
    """bench/letters.py --json: batch pages/s, one letter's latency, the ratio to WeasyPrint."""
    runs = figures["runs"]
    batch, single, same, weasy = (
        runs["batch"],
        runs["one_at_a_time"],
        runs["typst_same_letters"],
        runs["weasyprint"],
    )
    ratio = figures["same_letters_median_ratio"]
    result = Result("letters", details=figures)
    result.rows = [
        Row(
            key="letters batch",
            figure=f"Letters: batch rendering, {batch['letters']} letters of all 15 types",
            measured=f"{batch['pages_per_second']:.0f} pages/s",
            target=">= 100 pages/s",
            baseline=f"{weasy['pages_per_second']:.1f} pages/s WeasyPrint",
            ratio=f"{batch['pages_per_second'] / weasy['pages_per_second']:.1f}x",
            met=batch["pages_per_second"] >= 100,
            note=(
                f"{batch['pages']} pages; {batch['pages_per_cpu_second']:.0f} pages per CPU second "
                f"(steadier on a busy machine); one Typst document split with pypdf "
                f"{runs['one_document']['pages_per_second']:.0f} pages/s; machine load "
                f"average {figures['load_average']:.1f}"
            ),
        ),
        Row(
            key="letters single",
            figure="Letters: a single letter (median of one-at-a-time calls)",
            measured=f"{single['median_ms']:.1f} ms",
            target="< 50 ms",
            baseline=f"{weasy['median_ms']:.0f} ms WeasyPrint",
            ratio=f"{weasy['median_ms'] / single['median_ms']:.0f}x faster",
            met=single["median_ms"] < 50,
            note=(
                f"p95 {single['p95_ms']:.1f} ms; a new process's first letter (fonts, "
                f"compiler) {figures['cold_start_ms']:.0f} ms"
            ),
        ),
        Row(
            key="letters vs weasyprint",
            figure=(
                f"Letters: same {same['letters']} letters, Typst against one WeasyPrint call "
                "per letter (median per letter)"
            ),
            measured=f"{same['median_ms']:.1f} ms",
            target=">= 10x faster",
            baseline=f"{weasy['median_ms']:.0f} ms WeasyPrint",
            ratio=f"{ratio:.1f}x",
            met=ratio >= 10,
            note=(
                f"{figures['same_letters_cpu_ratio']:.1f}x in CPU time; WeasyPrint's timing "
                "covers HTML to PDF only (templating not counted), which favours it"
            ),
        ),
    ]
    return result


def _one_in(rate: float) -> str:
    return f"1 in {1 / rate:,.0f}" if rate else "none"


def _matching_set_rows(name: str, found: dict[str, Any]) -> list[Row]:
    """Precision, F1 against Splink, children found and the review rate on one set."""
    ours = found["ours"]
    best = found.get("splink_best")
    splink_error = (found.get("splink") or {}).get("error")
    size = (
        f"{int(ours['notifications']):,} notifications against {int(ours['register_rows']):,} "
        f"register rows"
    )
    rows = [
        Row(
            key=f"matching {name} precision",
            figure=f"Matching, {name}: precision of automatic links",
            measured=f"{ours['precision']:.4f}",
            target=">= 0.995",
            baseline=f"{best['precision']:.4f} Splink at p >= {best['threshold']}" if best else "",
            met=ours["precision"] >= 0.995,
            note=f"{size}; recall {ours['recall']:.4f}",
        ),
        Row(
            key=f"matching {name} F1",
            figure=f"Matching, {name}: F1 of automatic links",
            measured=f"{ours['f1']:.4f}",
            target=">= Splink's best",
            baseline=(
                f"{best['f1']:.4f} Splink at p >= {best['threshold']}"
                if best
                else f"Splink not run ({splink_error})"
            ),
            ratio=f"{ours['f1'] - best['f1']:+.4f}" if best else "",
            met=best is not None and ours["f1"] >= best["f1"],
            note="Splink's threshold is the one giving it the best F1 on this set",
        ),
        Row(
            key=f"matching {name} found",
            figure=f"Matching, {name}: children linked or put to a person",
            measured=f"{ours['found_for_review']:.4f}",
            target=">= 0.97",
            met=ours["found_for_review"] >= 0.97,
            note="share of true pairs that are a match or the best possible",
        ),
        Row(
            key=f"matching {name} review",
            figure=f"Matching, {name}: notifications put to a person (possible)",
            measured=f"{ours['review_rate']:.1%}",
            target="<= 10%",
            met=ours["review_rate"] <= 0.10,
            note="at the default thresholds (match 0.85, possible 0.05)",
        ),
    ]
    return rows


def matching_rows(figures: dict[str, Any], quick: bool) -> Result:
    """bench/matching.py --json: latency, the 10k x 1M batch, and accuracy on each set."""
    latency, batch = figures["latency"], figures["batch"]
    synthetic = figures["sets"]["synthetic"]
    splink = synthetic.get("splink") or {}
    files = batch.get("files", {})
    rate = synthetic["ours"]["absent_false_link_rate"]
    best = synthetic.get("splink_best")
    result = Result("matching", details=figures)
    result.rows = [
        Row(
            key="matching latency",
            figure=f"Matching: one notification against {latency['register_rows']:,} pupils",
            measured=f"{latency['median_ms']:.1f} ms",
            target="<= 10 ms",
            baseline=(
                f"{splink['latency_median_ms']:.0f} ms Splink"
                if splink.get("latency_median_ms")
                else ""
            ),
            ratio=(
                f"{splink['latency_median_ms'] / latency['median_ms']:.0f}x faster"
                if splink.get("latency_median_ms")
                else ""
            ),
            met=latency["median_ms"] <= 10,
            note=(
                f"p95 {latency['p95_ms']:.1f} ms over {latency['calls']} calls; building the "
                f"index took {seconds(latency['load_seconds'])}"
            ),
        ),
        Row(
            key="matching batch",
            figure=(
                f"Matching: {batch['notifications']:,} notifications against "
                f"{batch['register_rows']:,} pupils in one batch"
            ),
            measured=f"{seconds(batch['total_seconds'])}, {batch['peak_rss_mb'] / 1024:.2f} GB",
            target="<= 60 s, < 4 GB",
            baseline=(
                f"{seconds(files['total_seconds'])}, {files['peak_rss_mb'] / 1024:.2f} GB "
                "from CSV files"
                if files
                else ""
            ),
            ratio=f"{batch['total_seconds'] / 60:.2f}x target",
            met=batch["total_seconds"] <= 60 and batch["peak_rss_mb"] < 4096,
            note=(
                f"load {seconds(batch['load_seconds'])}, match "
                f"{seconds(batch['match_seconds'])} (m values learnt from the batch); the "
                "CSV-file baseline is `cme match` (match_files) reading and writing files"
            ),
        ),
        Row(
            key="matching false links",
            figure="Matching, synthetic: false links for children on no register",
            measured=_one_in(rate),
            target="<= 1 in 500",
            baseline=f"{_one_in(best['absent_false_link_rate'])} Splink" if best else "",
            met=rate <= 1 / 500,
            note="a missing child wrongly found on a roll",
        ),
    ]
    for name, found in figures["sets"].items():
        result.rows += _matching_set_rows(name, found)
    return result


BENCHMARKS = [
    Benchmark(
        "intake",
        "intake.py",
        arguments=["--profile", str(DATA / "intake-profile.txt")],
        quick=["--quick"],
        needs_prefect_server=True,
    ),
    Benchmark(
        "sweep",
        "sweep.py",
        # 1,000,000 is grown in SQL from the 100,000 caseload: about 2 minutes on both databases.
        arguments=["--profile", str(DATA / "sweep-profile.txt"), "--growth", "10000,1000000"],
        quick=["--quick"],
    ),
    Benchmark("term", "term.py", quick=["--quick"]),
    Benchmark(
        "letters",
        "letters.py",
        quick=["--letters", "60", "--weasyprint-letters", "10", "--one-document-letters", "20"],
        rows=letters_rows,
    ),
    Benchmark("matching", "matching.py", quick=["--quick"], rows=matching_rows),
    Benchmark("workspace", "workspace.py", quick=["--quick"]),
]


# ---- running ------------------------------------------------------------------------------


def run(benchmark: Benchmark, quick: bool, environment: dict[str, str]) -> Outcome:
    """Run one benchmark in its own process; read its JSON; measure its peak memory."""
    output = DATA / f"{benchmark.name}.json"
    output.unlink(missing_ok=True)
    command = [sys.executable, str(BENCH / benchmark.script), "--json", str(output)]
    command += benchmark.quick if quick else benchmark.arguments
    if benchmark.name == "matching" and not quick:
        command += ["--splink"]  # makes Splink's own environment from pinned requirements
    print(f"\n=== {benchmark.name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, **environment})
    # wait4 reports the child's own peak and the peaks of the processes it waited for.
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    peak = usage.ru_maxrss / 1024
    if process.returncode != 0 or not output.exists():
        failed = Result(benchmark.name)
        failed.rows.append(
            Row(
                key=benchmark.name,
                figure=f"{benchmark.name}: the benchmark failed (exit {process.returncode})",
                measured="failed",
                met=False,
                note="see the output of `make bench` for the error",
            )
        )
        return Outcome(benchmark, failed, wall, peak, process.returncode)
    if benchmark.rows is not None:
        result = benchmark.rows(json.loads(output.read_text()), quick)
    else:
        result = Result.read(output)
    if quick:
        for row in result.rows:
            row.met = None  # small sizes say nothing about the targets
            row.note += "; quick sizes, not comparable with the target"
    return Outcome(benchmark, result, wall, peak, 0)


def run_all(names: list[str], quick: bool) -> list[Outcome]:
    """Every benchmark asked for, in order; a Prefect server only around the one that needs it."""
    outcomes = []
    for benchmark in BENCHMARKS:
        if names and benchmark.name not in names:
            continue
        if benchmark.needs_prefect_server:
            print("\n=== starting a Prefect server for the intake benchmark", flush=True)
            with prefect_server() as server:
                print(f"    ready in {seconds(server.started_in)}", flush=True)
                environment = {
                    "PREFECT_API_URL": server.api_url,
                    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                }
                outcome = run(benchmark, quick, environment)
            outcome.result.details["prefect_server_ready_seconds"] = server.started_in
        else:
            outcome = run(benchmark, quick, {})
        outcomes.append(outcome)
    return outcomes


# ---- the table ----------------------------------------------------------------------------


def verdict(met: bool | None) -> str:
    """How the table says whether the target was met."""
    return {True: "met", False: "MISSED", None: "-"}[met]


def memory(mb: float) -> str:
    """Peak memory as the table shows it."""
    return f"{mb / 1024:.2f} GB" if mb >= 1024 else f"{mb:.0f} MB"


def text_table(outcomes: list[Outcome]) -> str:
    """The table for the terminal."""
    header = ("figure", "measured", "target", "baseline (same run)", "ratio", "peak mem", "")
    lines = [header]
    for outcome in outcomes:
        for row in outcome.result.rows:
            lines.append(
                (
                    row.key or row.figure[:30],
                    row.measured,
                    row.target,
                    row.baseline,
                    row.ratio,
                    memory(outcome.peak_rss_mb),
                    verdict(row.met),
                )
            )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|") or " "


def markdown(outcomes: list[Outcome], facts: dict[str, str], total: float, quick: bool) -> str:
    """docs/benchmarks.md: date, machine, the table, notes per row, misses and the profiles."""
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    rows = [(outcome, row) for outcome in outcomes for row in outcome.result.rows]
    missed = [(outcome, row) for outcome, row in rows if row.met is False]
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` (`bench/run.py`) on {when}; the whole run took "
        f"{total / 60:.1f} minutes. Every figure, baseline and ratio below comes from that one "
        "run on the machine described here, on synthetic data generated from fixed seeds. "
        "The machine is shared, so wall-clock figures vary from run to run; CPU figures in "
        "the notes are steadier. Timings are never part of `make test`."
        + (" **Quick sizes: a smoke test, not comparable with the targets.**" if quick else ""),
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {name} | {_cell(value)} |" for name, value in facts.items()),
        "",
        "## Results",
        "",
        f"{len([r for _, r in rows if r.met])} of {len([r for _, r in rows if r.met is not None])}"
        " targets met.",
        "",
        "| # | figure | measured | target | baseline (same run) | ratio | peak memory | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for number, (outcome, row) in enumerate(rows, start=1):
        lines.append(
            f"| {number} | {_cell(row.figure)} | {_cell(row.measured)} | {_cell(row.target)} | "
            f"{_cell(row.baseline)} | {_cell(row.ratio)} | {memory(outcome.peak_rss_mb)} | "
            f"{'yes' if row.met else 'no' if row.met is False else '-'} |"
        )
    lines += ["", "Notes, by row:", ""]
    for number, (_outcome, row) in enumerate(rows, start=1):
        lines.append(f"{number}. {row.note}" if row.note else f"{number}. -")
    lines += ["", "Peak memory is per benchmark process: rows of one benchmark share it."]
    lines += ["", "## Where a target is missed, why, and what would close the gap", ""]
    if not missed:
        lines.append("Every target was met in this run.")
    explained: set[str] = set()
    for outcome, row in missed:
        reason = EXPLANATIONS.get(row.key)
        if reason is None or row.key in explained:
            if reason is None:
                lines += [f"**{row.figure}**: missed; no explanation recorded for it yet.", ""]
            continue
        explained.add(row.key)
        lines += [f"**{row.figure}** ({row.measured}; target {row.target}).", ""]
        lines += [_reflow(reason(outcome.result.details)), ""]
    for outcome in outcomes:
        for title, profile in _profiles(outcome):
            lines += [f"## {title}", "", *profile, ""]
    lines += ["## How the figures are made", "", METHOD.strip(), ""]
    lines += [
        "Benchmark processes, wall time: "
        + ", ".join(f"{o.benchmark.name} {seconds(o.wall_seconds)}" for o in outcomes)
        + ".",
        "",
    ]
    return "\n".join(lines)


def _reflow(text: str, width: int = 96) -> str:
    """Paragraphs re-wrapped after figures were put into them."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(textwrap.fill(p, width, break_on_hyphens=False) for p in paragraphs)


def _profiles(outcome: Outcome) -> list[tuple[str, list[str]]]:
    found = []
    details = outcome.result.details
    for key, title in (
        ("profile", "Sweep profile (SQLite, letters queued)"),
        ("intake_profile", "Intake profile (SQLite, letters queued)"),
    ):
        profile = details.get(key)
        if not profile:
            continue
        hotspots = profile["hotspots"]
        lines = [
            f"{profile['tool']}, the whole report in `{Path(profile['report']).name}` under "
            "bench-data/ (not committed). Time inside our own functions, including what they "
            "call:",
            "",
            "| share | seconds | function |",
            "|---|---|---|",
        ]
        lines += [
            f"| {h['share'] * 100:.0f} % | {h['seconds']:.2f} | `{h['where']}` |"
            for h in hotspots["ours_total"][:10]
        ]
        lines += ["", "Where the time itself goes (self time):", ""]
        lines += ["| share | seconds | function |", "|---|---|---|"]
        lines += [
            f"| {h['share'] * 100:.0f} % | {h['seconds']:.2f} | `{h['where']}` |"
            for h in hotspots["self"][:10]
        ]
        found.append((title, lines))
    return found


def main() -> None:
    """Run, print the table, write docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; not published")
    parser.add_argument(
        "--only", default="", help="comma-separated: " + ", ".join(b.name for b in BENCHMARKS)
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--output", type=Path, default=DOCUMENT, help="the Markdown to write")
    arguments = parser.parse_args()
    names = [n for n in arguments.only.split(",") if n]
    unknown = set(names) - {b.name for b in BENCHMARKS}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    DATA.mkdir(exist_ok=True)
    started = time.perf_counter()
    facts = machine()
    outcomes = run_all(names, arguments.quick)
    total = time.perf_counter() - started
    print("\n" + text_table(outcomes))
    print(f"\nAll benchmarks: {total / 60:.1f} minutes")
    document = markdown(outcomes, facts, total, arguments.quick)
    (DATA / "benchmarks.md").write_text(document)
    write = not arguments.no_write and not arguments.quick and not names
    if write:
        arguments.output.write_text(document)
        print(f"Written to {arguments.output.relative_to(REPO)}")
    else:
        print(f"Written to bench-data/benchmarks.md ({arguments.output.name} is left as it was)")
    if any(o.exit_code for o in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
