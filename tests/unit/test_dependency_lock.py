"""requirements.lock agrees with pyproject.toml, and the environment is what the lock pins."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+))?"
)


def locked_versions() -> dict[str, Version]:
    """The pins of requirements.lock that apply to this Python and platform."""
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match is None:
            continue
        marker = match["marker"]
        if marker is None or Marker(marker.strip()).evaluate():
            pins[canonicalize_name(match["name"])] = Version(match["version"])
    return pins


def declared_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(text) for text in declared]


def test_every_dependency_in_pyproject_is_pinned_in_the_lock_within_its_range() -> None:
    pins = locked_versions()
    problems = []
    for requirement in declared_requirements():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement} is not in requirements.lock")
        elif not requirement.specifier.contains(pinned, prereleases=True):
            problems.append(f"{requirement} but requirements.lock pins {pinned}")
    assert not problems, "run `make lock`: " + "; ".join(problems)


def test_every_locked_package_carries_a_hash() -> None:
    text = (ROOT / "requirements.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", text)
    unhashed = [b.split()[0] for b in blocks if "==" in b.split()[0] and "--hash=" not in b]
    assert not unhashed


def test_the_installed_packages_are_exactly_the_locked_versions() -> None:
    installed = {
        canonicalize_name(dist.metadata["Name"]): Version(dist.version)
        for dist in metadata.distributions()
    }
    wrong = {
        name: (str(version), str(installed.get(name)))
        for name, version in locked_versions().items()
        if installed.get(name) != version
    }
    assert not wrong, f"installed differs from requirements.lock (run `make install`): {wrong}"
