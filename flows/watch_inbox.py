"""watch-inbox: every notification file dropped in CME_HOME/inbox is taken in once."""

from __future__ import annotations

from typing import Any

from prefect import flow

from flows.receive_notifications import receive_notifications
from tasks.attention import flow_result
from tasks.inbox import finish_inbox_file, inbox_files, write_rejects
from tasks.privacy import install_redaction


@flow(name="watch-inbox")
def watch_inbox() -> list[dict[str, Any]]:
    """Process each waiting file, move it to processed/, and write its rejects CSV."""
    install_redaction()
    results = []
    for path in inbox_files():
        # Failed when a case needs attention: the file was still taken in.
        summary = flow_result(receive_notifications(path, return_state=True))
        write_rejects(path, summary["rejections"])
        finish_inbox_file(path)
        results.append({"file": path.rsplit("/", 1)[-1], "rejected": summary["rejected"]})
    return results
