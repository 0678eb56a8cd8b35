"""Email addresses are checked wherever they enter: one valid address per field (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from missing_education.cli import app
from missing_education.domain.email_address import email_problem

HOSTILE = [
    "a@x.example, b@y.example",  # a list would send to both
    "staff: a@x.example, b@y.example;",  # a group would be expanded
    "not an email",  # would go to the local user "not"
    "office@school.example\r\nBcc: everyone@elsewhere.example",  # a header injected
    "Head Teacher <office@school.example>",  # a display name
    "office@localhost",
]


@pytest.mark.parametrize("address", HOSTILE)
def test_anything_but_one_plain_address_is_refused(address: str) -> None:
    problem = email_problem(address)
    assert problem is not None
    assert "elsewhere" not in problem and "school.example" not in problem


@pytest.mark.parametrize("address", ["office@matlock-primary.example", "o'brien@school.sch.uk"])
def test_a_plain_address_is_accepted(address: str) -> None:
    assert email_problem(address) is None


@pytest.mark.parametrize("address", HOSTILE)
def test_schools_import_refuses_a_file_with_a_bad_address_naming_the_row(
    tmp_path: Path, address: str
) -> None:
    path = tmp_path / "schools.csv"
    quoted = address.replace('"', '""')
    path.write_text(
        "urn,name,email\n112233,Matlock Primary,office@matlock.example\n"
        f'144556,Academy,"{quoted}"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["schools", "import", str(path)])
    assert result.exit_code == 1
    assert "row 3: email" in result.output
    assert "Traceback" not in result.output
