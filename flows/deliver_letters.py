"""deliver-letters: send queued email letters; an outage leaves them queued for the next run."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.casework import send_letters
from tasks.privacy import install_redaction


@flow(name="deliver-letters")
def deliver_letters() -> dict[str, Any]:
    """Deliver every email letter that is due, exactly once each."""
    install_redaction()
    return send_letters()
