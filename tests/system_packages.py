"""What a test does when a Debian package it needs is missing: fail, saying how to install it."""

from __future__ import annotations

import shutil

import pytest


def require_debian_package(command: str, package: str) -> None:
    """Fail (never skip) a test whose system command is missing, with the apt-get line."""
    if shutil.which(command) is None:
        pytest.fail(
            f"{command} is missing: run `make install` as root, or "
            f"`sudo apt-get install --no-install-recommends {package}`",
            pytrace=False,
        )
