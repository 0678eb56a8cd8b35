"""What the benchmarks share: figures and their targets, the machine, scratch databases, a stub.

Every benchmark script writes its figures as JSON (`--json PATH`) in the shape `Result`
describes; `bench/run.py` runs each one in its own process and turns them into one table.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # `python bench/x.py` from anywhere: flows, tasks, tests

POSTGRES_ADMIN = os.environ.get(
    "CME_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass
class Row:
    """One line of the table: a figure, its target, the baseline measured beside it."""

    figure: str
    measured: str
    target: str = ""
    baseline: str = ""
    ratio: str = ""
    met: bool | None = None  # None: no target, or not measured in this run
    note: str = ""
    key: str = ""  # short name: the terminal table's label and bench/explanations.py's key


@dataclass
class Result:
    """A benchmark's output: table rows, notes for the document, and every raw figure."""

    name: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def write(self, path: Path | None) -> None:
        """Write the result as JSON (nothing when no path was given)."""
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2, default=str) + "\n")

    @staticmethod
    def read(path: Path) -> Result:
        """A result written by `write`."""
        data = json.loads(path.read_text())
        return Result(
            name=data["name"],
            rows=[Row(**row) for row in data["rows"]],
            notes=data["notes"],
            details=data["details"],
        )


def peak_rss_mb() -> float:
    """The highest resident memory of this process or any child it waited for, in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # kilobytes on Linux


def seconds(value: float) -> str:
    """A duration as the table shows it."""
    return f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms"


# ---- the machine -------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on: CPU, cores, memory, Python, SQLite, PostgreSQL."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": f"{os.cpu_count()} ({usable} usable)",
        "memory": memory or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version(),
        "load average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def postgres_version() -> str:
    """The local PostgreSQL server's version, or why there is none."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=5) as connection:
            row = connection.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "unknown"
    except Exception as error:  # any failure means: not available for the benchmark
        return f"not available ({type(error).__name__})"


# ---- scratch databases ---------------------------------------------------------------------


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"cme-bench-{prefix}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _admin_execute(statement: str, attempts: int = 5) -> None:
    import psycopg

    for attempt in range(attempts):
        try:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
                admin.execute(statement.encode())
            return
        except psycopg.OperationalError:
            # The shared server may be restarting (other work on the machine): try again.
            if attempt == attempts - 1:
                raise
            time.sleep(2 * (attempt + 1))


def create_postgres_database(template: str | None = None) -> str:
    """A new, empty (or copied) PostgreSQL database; returns its SQLAlchemy URL."""
    name = f"cme_bench_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + (
        f"/{name}"
    )


def drop_postgres_database(url: str) -> None:
    """Drop a database made by create_postgres_database (FORCE ends leftover connections)."""
    name = url.rsplit("/", 1)[1]
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def counting_statements(url: str) -> Iterator[Counter[str]]:
    """Count the SQL statements and commits sent to a database while the block runs."""
    from sqlalchemy import event

    from missing_education.persistence.database import engine_for

    engine = engine_for(url)
    counts: Counter[str] = Counter()

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield counts
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def _process_cpu(pid: int) -> float | None:
    """CPU seconds (user and system) of a process on this machine, or None if unreadable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def server_cpu(url: str) -> Iterator[dict[str, float]]:
    """CPU seconds the PostgreSQL server processes serving this engine spent in the block.

    Each connection taken from the pool names its backend process; /proc says what that process
    used from then until the block ends (the server must run on this machine). The dict stays
    empty on SQLite, whose work is in this process, and when /proc cannot tell.
    """
    from sqlalchemy import event

    from missing_education.persistence.database import engine_for

    engine = engine_for(url)
    found: dict[str, float] = {}
    if engine.dialect.name != "postgresql":
        yield found
        return
    started: dict[int, float | None] = {}

    def checkout(dbapi_connection: Any, *_: Any) -> None:
        pid = dbapi_connection.info.backend_pid
        if pid not in started:
            started[pid] = _process_cpu(pid)

    event.listen(engine, "checkout", checkout)
    try:
        yield found
    finally:
        event.remove(engine, "checkout", checkout)
        used = [(_process_cpu(pid), before) for pid, before in started.items()]
        if used and all(now is not None and before is not None for now, before in used):
            found["seconds"] = sum(now - before for now, before in used)  # type: ignore[operator]


# ---- letters: rendering left out ---------------------------------------------------------

STUB_PDF = b"%PDF-1.7\n% benchmark stand-in: rendering is measured by bench/letters.py\n"


def stub_render_letter(letter_type: str, context: Mapping[str, Any], letterhead: Any) -> Any:
    """A fixed RenderedLetter instead of a typeset PDF (the rendering is not measured)."""
    from missing_education.letters import RenderedLetter

    return RenderedLetter(
        letter_type=letter_type,
        pdf=STUB_PDF,
        pages=1,
        template_version="benchmark-stub",
        sha256=hashlib.sha256(STUB_PDF).hexdigest(),
    )


@contextlib.contextmanager
def rendering_stubbed(enabled: bool = True) -> Iterator[None]:
    """Replace the renderer's per-letter typesetting with the stub, in this process."""
    import missing_education.letters.batch as batch

    if not enabled:
        yield
        return
    real = (batch.render_letter, batch.POOL_FROM)
    batch.render_letter = stub_render_letter  # type: ignore[assignment]
    batch.POOL_FROM = 10**9  # a stub does not reach worker processes: typeset in this one
    try:
        yield
    finally:
        batch.render_letter, batch.POOL_FROM = real


# ---- a Prefect server of our own ---------------------------------------------------------


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrefectServer:
    """A `prefect server start` with its own PREFECT_HOME, analytics off."""

    home: Path
    port: int
    process: subprocess.Popen[bytes]
    started_in: float

    @property
    def api_url(self) -> str:
        """The API URL clients use."""
        return f"http://127.0.0.1:{self.port}/api"


def prefect_environment(home: Path) -> dict[str, str]:
    """Settings for a server and its clients that keep everything inside `home`."""
    return {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


@contextlib.contextmanager
def prefect_server(timeout: float = 120.0) -> Iterator[PrefectServer]:
    """Start a Prefect server, wait until /api/health answers, stop it afterwards."""
    import urllib.request

    prefect = str(Path(sys.executable).parent / "prefect")
    with scratch_folder("prefect") as home:
        port = free_port()
        log = (home / "server.log").open("wb")
        started = time.perf_counter()
        process = subprocess.Popen(
            [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, **prefect_environment(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the Prefect server stopped: see {home / 'server.log'}")
                if time.perf_counter() - started > timeout:
                    raise RuntimeError(f"the Prefect server did not answer in {timeout:.0f} s")
                try:
                    with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/health", timeout=2
                    ) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                time.sleep(0.5)
            yield PrefectServer(home, port, process, time.perf_counter() - started)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 15)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()
            log.close()


# ---- profiles ----------------------------------------------------------------------------


def profiled(work: Callable[[], object], output: Path | None) -> dict[str, Any]:
    """Run `work` under pyinstrument (cProfile when it is not installed); top hotspots.

    The full text report goes to `output`. Hotspots are the functions with the most self
    time, and our own functions (missing_education) by total time including their callees.
    """
    try:
        import pyinstrument

        installed = True
    except ImportError:
        installed = False
    if installed:
        profiler = pyinstrument.Profiler(interval=0.002)
        profiler.start()
        work()
        session = profiler.stop()
        tool, hotspots = "pyinstrument", _pyinstrument_hotspots(session.root_frame())
        report = profiler.output_text(unicode=False, color=False)
    else:
        import cProfile
        import io
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        work()
        profile.disable()
        stream = io.StringIO()
        stats = pstats.Stats(profile, stream=stream).sort_stats("cumulative")
        stats.print_stats(60)
        tool, hotspots, report = "cProfile", _cprofile_hotspots(stats), stream.getvalue()
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(report)
    return {"tool": tool, "hotspots": hotspots, "report": str(output) if output else None}


def _where(file_path: str, function: str, line: int | None) -> str:
    path = file_path
    for marker in ("site-packages/", f"{REPO}/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path}:{line})" if line else f"{function} ({path})"


def _pyinstrument_hotspots(root: Any) -> dict[str, list[dict[str, Any]]]:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    whole = root.time if root is not None else 0.0

    def walk(frame: Any, ancestors: frozenset[str]) -> None:
        where = _where(frame.file_path or "", frame.function or "?", frame.line_no)
        real = [child for child in frame.children if not child.is_synthetic]
        own[where] += frame.time - sum(child.time for child in real)
        if where not in ancestors and "missing_education/" in (frame.file_path or ""):
            total[where] += frame.time  # counted once when a function calls itself
        for child in real:
            walk(child, ancestors | {where})

    if root is not None:
        walk(root, frozenset())
    return _ranked(own, total, whole)


def _cprofile_hotspots(stats: Any) -> dict[str, list[dict[str, Any]]]:
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    # stats.stats: {(file, line, function): (calls, primitive calls, self, cumulative, callers)}
    for (file_path, line, function), values in stats.stats.items():
        where = _where(file_path, function, line)
        own[where] += values[2]
        if "missing_education/" in file_path:
            total[where] += values[3]
    whole = max((values[3] for values in stats.stats.values()), default=0.0)
    return _ranked(own, total, whole)


def _ranked(
    own: Counter[str], total: Counter[str], whole: float
) -> dict[str, list[dict[str, Any]]]:
    def rows(counter: Counter[str]) -> list[dict[str, Any]]:
        return [
            {"where": where, "seconds": value, "share": value / whole if whole else 0.0}
            for where, value in counter.most_common(12)
        ]

    return {"self": rows(own), "ours_total": rows(total)}
