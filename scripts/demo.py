"""`make demo`: a synthetic council taken through the CME procedure with the real `cme` command.

It writes a term calendar, schools, officers and a file of notifications into a fresh CME home,
then works the cases as a coordinator would over several weeks (the clock moved with CME_TODAY):
intake as a Prefect flow (embedded mode), decisions, the daily case review, email delivery to a
real SMTP server on loopback, and a print batch for the post. Every step is the product's own
command; the letters are left as PDF files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from missing_education.domain import NOTIFICATION_COLUMNS
from synthetic.council import (
    autumn_2026_calendar,
    synthetic_notifications,
    synthetic_officers,
    synthetic_schools,
    write_csv,
)

CME = str(Path(sys.executable).with_name("cme"))
# What schools and officers report on the first open cases: one of each common branch.
ANSWERS = [
    ("school_reply", "on_roll_elsewhere"),
    ("home_visit", "family_found_no_place"),
    ("home_visit", "no_answer"),
    ("home_visit", "elective_home_education"),
    ("home_visit", "refuses_education"),
    ("home_visit", "moved_abroad"),
    ("home_visit", "on_roll"),
    ("school_reply", "on_roll_here"),
    ("home_visit", "family_found_no_place"),
    ("home_visit", "moved_other_council"),
] * 2


class MailSink:
    """A loopback SMTP server standing in for the council's mail relay: it keeps what arrives."""

    def __init__(self) -> None:
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DEMO_USER = "demo"
DEMO_PASSWORD = "demo-coordinator-2026"  # a demo database of synthetic children only


def cme(
    *args: str,
    env: dict[str, str],
    day: date,
    parse: bool = False,
    quiet: bool = False,
    output: bool = False,
) -> Any:
    """Run one `cme` command as of `day`, echoing it as a coordinator would type it."""
    print(f"\n[{day:%a %d %b %Y}] $ cme {' '.join(args)}", flush=True)
    result = subprocess.run(
        [CME, *args],
        env={**env, "CME_TODAY": day.isoformat()},
        text=True,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        print(result.stdout + result.stderr)
        raise SystemExit(f"demo step failed: cme {' '.join(args)}")
    if parse:
        return json.loads(result.stdout)
    if not quiet:
        print(result.stdout.rstrip())
    return result.stdout if output else None


def post(env: dict[str, str], day: date) -> None:
    """The day's post: a print batch (stale letters remade first), then confirmed as posted."""
    made = cme("letters", "print-batch", env=env, day=day, output=True)
    found = re.search(r"Print batch (\d+):", made)
    if found:
        cme("letters", "confirm-batch", found.group(1), env=env, day=day)


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
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_API"))}
    env.update(
        CME_HOME=str(home),
        CME_MAIL_SMTP_HOST="127.0.0.1",
        CME_MAIL_SMTP_PORT=str(port),
        PREFECT_HOME=str(home / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    start = date(2026, 11, 16)
    files = {
        "calendar": write_csv(
            home / "calendar.csv",
            autumn_2026_calendar(),
            ("school_urn", "start_date", "end_date", "kind"),
        ),
        "schools": write_csv(
            home / "schools.csv",
            synthetic_schools(),
            ("urn", "name", "email", "address_line1", "town", "postcode"),
        ),
        "officers": write_csv(
            home / "officers.csv",
            synthetic_officers(),
            ("code", "name", "email", "phone", "areas", "capacity"),
        ),
        "notifications": write_csv(
            home / "notifications.csv",
            synthetic_notifications(options.notifications, seed=2026, referral_date=start),
            NOTIFICATION_COLUMNS,
        ),
    }
    try:
        print(f"A synthetic council in {home}.")
        cme("calendar", "import", str(files["calendar"]), env=env, day=start)
        cme("schools", "import", str(files["schools"]), env=env, day=start)
        cme("officers", "import", str(files["officers"]), env=env, day=start)
        cme("ingest", str(files["notifications"]), env=env, day=start)
        cme("letters", "send", env=env, day=start)
        # A coordinator records what schools and officers report over the next days: each
        # answer goes to a case waiting for that decision (anything else would be refused).
        decide_day = date(2026, 11, 19)
        waiting = cme("decisions", "--json", env=env, day=decide_day, parse=True)
        answered: list[tuple[int, tuple[str, str]]] = []
        for kind, answer in ANSWERS:
            taken = {case_id for case_id, _ in answered}
            free = [w["case_id"] for w in waiting if w["decision"] == kind]
            free = [case_id for case_id in free if case_id not in taken]
            if free:
                answered.append((free[0], (kind, answer)))
        for case_id, (kind, answer) in answered:
            extra = (
                [
                    "--other-council",
                    "Nottinghamshire County Council",
                    "--other-council-email",
                    "cme@nottinghamshire.example",
                ]
                if "council" in answer
                else []
            )
            cme(
                "decide",
                str(case_id),
                kind,
                answer,
                "--by",
                "demo coordinator",
                *extra,
                env=env,
                day=decide_day,
                quiet=True,
            )
        print(
            f"\n[{decide_day:%a %d %b %Y}] {len(answered)} decisions recorded from school "
            "replies and home visits (cme decide ...)"
        )
        # The post goes the day it is made: notices' periods run from their service.
        post(env, decide_day)
        refused = [c for c, (_, answer) in answered if answer == "refuses_education"]
        for day in (date(2026, 12, 3), date(2026, 12, 16)):
            cme("sweep", env=env, day=day)
            if day == date(2026, 12, 16):
                # The s437(1) period is over and the parent has not answered: an order is
                # expedient, so the notice of intention (s438) goes first.
                for case_id in refused:
                    cme(
                        "decide",
                        str(case_id),
                        "s437",
                        "attendance_order_expedient",
                        # The school the notice of intention names (the child has none).
                        "--school-urn",
                        synthetic_schools()[0]["urn"],
                        "--by",
                        "demo coordinator",
                        env=env,
                        day=day,
                    )
            cme("letters", "send", env=env, day=day)
            post(env, day)
        # Admissions places the children found without a school place.
        placed = [c for c, (_, answer) in answered if answer == "family_found_no_place"]
        for case_id in placed:
            cme(
                "decide",
                str(case_id),
                "admissions",
                "placed",
                "--by",
                "admissions team",
                env=env,
                day=date(2027, 1, 6),
                quiet=True,
            )
        # The parent chose no school in the 15 days: the school attendance order is served.
        for case_id in refused:
            cme(
                "decide",
                str(case_id),
                "s438",
                "no_choice",
                "--by",
                "demo coordinator",
                env=env,
                day=date(2027, 1, 6),
            )
        last = date(2027, 1, 15)
        cme("sweep", env=env, day=last)
        cme("letters", "send", env=env, day=last)
        post(env, last)
        cme(
            "report",
            "--from",
            "2026-11-09",
            "--to",
            last.isoformat(),
            "--out",
            str(home / "report"),
            env=env,
            day=last,
        )
        cme(
            "report",
            "dfe-return",
            "--term",
            "autumn-2026",
            "--out",
            str(home / "report" / "dfe-return-autumn-2026.csv"),
            env=env,
            day=last,
        )
        cme("case", "show", str(answered[1][0]), env=env, day=last)
        print(f"\nThe managers' report is in {home / 'report'} (report.html, report.pdf, charts).")
        cases = cme("cases", "--json", env=env, day=last, parse=True)
        outbox = cme("letters", "outbox", "--json", env=env, day=last, parse=True)
        # A coordinator to look around the case workspace with (the password comes on stdin).
        subprocess.run(
            [
                CME,
                "users",
                "add",
                DEMO_USER,
                "--full-name",
                "Demo Coordinator",
                "--role",
                "coordinator",
            ],
            env=env,
            input=DEMO_PASSWORD + "\n",
            text=True,
            capture_output=True,
            check=True,
        )
    finally:
        controller.stop()

    by_status: dict[str, int] = {}
    for case in cases:
        by_status[case["status"]] = by_status.get(case["status"], 0) + 1
    letters = sorted((home / "letters").rglob("*.pdf"))
    print("\nSummary")
    for status, count in sorted(by_status.items()):
        print(f"  cases {status}: {count}")
    print(f"  letters made: {len(outbox)} ({len(letters)} PDF files under {home / 'letters'})")
    print(f"  emails received by the loopback mail server: {sink.messages}")
    print(f"  case database: {home / 'cme.sqlite3'}")
    print("\nThe case workspace: run")
    print(f"  CME_HOME={home} CME_TODAY={last.isoformat()} .venv/bin/cme web")
    print(f"then open http://127.0.0.1:8400 and sign in as {DEMO_USER} / {DEMO_PASSWORD}")


if __name__ == "__main__":
    main()
