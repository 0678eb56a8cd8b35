"""watch-inbox: every notification file dropped in CME_HOME/inbox is taken in once.

Files are taken one at a time and each on its own: a refused file goes to inbox/rejected/ with
its reason beside it, and the next file is taken in all the same. Links and anything that is
not a regular file are never read. Prefect sees each file's id, never its name.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.receive_notifications import receive_notifications
from tasks.attention import flow_result
from tasks.inbox import finish_inbox_file, next_inbox_file, write_rejects


@flow(name="watch-inbox")
def watch_inbox() -> list[dict[str, Any]]:
    """Process each waiting file, move it to processed/ or rejected/, write its rejects CSV."""
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    while (file_id := next_inbox_file()) is not None and file_id not in seen:
        seen.add(file_id)  # a file that could not even be set aside is left for the next run
        try:
            summary = flow_result(receive_notifications(file_id, return_state=True))
        except Exception as error:  # one bad file stops nothing: it is set aside with why
            summary = {"refused": True, "error": type(error).__name__}
        if not summary.get("refused"):
            write_rejects(file_id, summary["rejections"])
        finish_inbox_file(file_id, summary.get("error"))
        results.append(
            {
                "file_id": file_id,
                "refused": bool(summary.get("refused")),
                "rejected": summary.get("rejected", 0),
            }
        )
    return results
