"""The council's letterhead: who the letter is from, as the settings describe the service."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Letterhead:
    """Sender details printed at the top of every letter and in its sign-off."""

    council_name: str
    service_name: str
    address_lines: tuple[str, ...]
    phone: str
    email: str
    signatory_name: str
    signatory_role: str
    logo_path: Path | None = None
    # Shown in the privacy line when set; otherwise the letter says to ask for a copy.
    privacy_notice_url: str | None = None
