"""deliver-letters: send queued email letters; an outage leaves them queued for the next run."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.letters import send_letters


@flow(name="deliver-letters")
def deliver_letters() -> dict[str, Any]:
    """Deliver every email letter that is due, exactly once each."""
    return send_letters()
