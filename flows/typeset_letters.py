"""typeset-letters: the letters steps queued, typeset in batches on every core, kept as evidence.

The sweep and intake record letters without typesetting them and run this after their own
work; the schedule catches any a crash left behind. A letter that cannot be typeset flags its
case and the run ends Failed, naming how many; the others are typeset all the same.
"""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.client.schemas.objects import State

from tasks.attention import finish
from tasks.letters import typeset_queued_letters
from tasks.privacy import install_redaction


@flow(name="typeset-letters")
def typeset_letters() -> dict[str, Any] | State:
    """Typeset every queued letter; each PDF kept in the case database with its hash."""
    install_redaction()
    typeset = typeset_queued_letters()
    return finish(typeset, [typeset])
