"""`make demo`: a synthetic council taken through the CME procedure with the real `cme` command.

It writes a term calendar and a file of notifications into a fresh CME home, then runs each
step as a coordinator would, and prints what happened. Nothing is faked: every step is the
product's own command.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

from missing_education.domain import NOTIFICATION_COLUMNS
from missing_education.synthetic import (
    autumn_2026_calendar,
    synthetic_notifications,
    write_csv,
)

CME = str(Path(sys.executable).with_name("cme"))
START = date(2026, 11, 16)


def cme(*args: str, env: dict[str, str], parse: bool = False) -> object:
    """Run one `cme` command as a coordinator would, echoing it."""
    print(f"$ cme {' '.join(args)}", flush=True)
    result = subprocess.run([CME, *args], env=env, text=True, capture_output=True, check=False)
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        raise SystemExit(f"demo step failed: cme {' '.join(args)}")
    if parse:
        return json.loads(result.stdout)
    print(result.stdout.rstrip())
    return None


def main() -> None:
    """Build the synthetic council and run the procedure on it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", type=Path, default=Path("demo-data"), help="CME home to create")
    parser.add_argument("--notifications", type=int, default=40, help="how many notifications")
    options = parser.parse_args()
    home: Path = options.home.resolve()
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_API"))}
    env.update(CME_HOME=str(home), CME_TODAY=START.isoformat())

    calendar = write_csv(
        home / "council-calendar.csv",
        autumn_2026_calendar(),
        ("school_urn", "start_date", "end_date", "kind"),
    )
    rows = synthetic_notifications(options.notifications, seed=2026, referral_date=START)
    notifications = write_csv(home / "inbox-sample.csv", rows, NOTIFICATION_COLUMNS)

    print(f"A synthetic council in {home}, acting as of {START:%d %B %Y}.\n")
    cme("calendar", "import", str(calendar), env=env)
    cme("ingest", str(notifications), env=env)
    cases = cme("cases", "--json", env=env, parse=True)
    assert isinstance(cases, list)
    first_open = next(c for c in cases if c["status"] != "closed")
    cme("case", "show", str(first_open["case_id"]), env=env)

    by_status: dict[str, int] = {}
    for case in cases:
        by_status[case["status"]] = by_status.get(case["status"], 0) + 1
    print("\nSummary")
    print(f"  notifications in the file: {len(rows)}")
    for status, count in sorted(by_status.items()):
        print(f"  cases {status}: {count}")
    print(f"  case database: {home / 'cme.sqlite3'}")


if __name__ == "__main__":
    main()
