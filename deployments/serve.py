"""`make serve`: serve every CME flow from this process, with schedules, for one machine.

A coordinator opens the Prefect UI at http://127.0.0.1:4200 to watch runs, answer decisions
and read artifacts. Production uses deployments/prefect.yaml and a process work pool.
"""

from __future__ import annotations

import os

from prefect import serve
from prefect.schedules import Cron

from flows.apply_retention import apply_retention
from flows.daily_case_review import daily_case_review
from flows.decide_admissions import decide_admissions
from flows.decide_closure import decide_closure
from flows.decide_home_visit import decide_home_visit
from flows.decide_match_review import decide_match_review
from flows.decide_police_notification import decide_police_notification
from flows.decide_school_reply import decide_school_reply
from flows.deliver_letters import deliver_letters
from flows.investigate_case import investigate_case
from flows.receive_notifications import receive_notifications
from flows.watch_inbox import watch_inbox
from flows.weekly_report import weekly_report

LONDON = "Europe/London"


def main() -> None:
    """Serve the deployments; at most CME_SERVE_LIMIT flow runs at once (default 4)."""
    limit = int(os.environ.get("CME_SERVE_LIMIT", "4"))
    serve(
        daily_case_review.to_deployment(
            "daily", schedules=[Cron("30 6 * * 1-5", timezone=LONDON)], concurrency_limit=1
        ),
        watch_inbox.to_deployment(
            "inbox", schedules=[Cron("*/15 * * * *", timezone=LONDON)], concurrency_limit=1
        ),
        deliver_letters.to_deployment(
            "letters", schedules=[Cron("*/10 7-18 * * 1-5", timezone=LONDON)], concurrency_limit=1
        ),
        weekly_report.to_deployment(
            "weekly", schedules=[Cron("0 7 * * 1", timezone=LONDON)], concurrency_limit=1
        ),
        apply_retention.to_deployment(
            "retention", schedules=[Cron("15 2 * * *", timezone=LONDON)], concurrency_limit=1
        ),
        receive_notifications.to_deployment("file"),
        investigate_case.to_deployment("case"),
        decide_school_reply.to_deployment("school-reply"),
        decide_home_visit.to_deployment("home-visit"),
        decide_admissions.to_deployment("admissions"),
        decide_match_review.to_deployment("match-review"),
        decide_police_notification.to_deployment("police-notification"),
        decide_closure.to_deployment("closure"),
        limit=limit,
    )


if __name__ == "__main__":
    main()
