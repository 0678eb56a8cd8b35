"""A notification without a date of birth becomes a case that is worked, flagged until the date
of birth is recorded; nothing that needs compulsory school age is done meanwhile (issue 17)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from missing_education.domain import PreconditionUnmet, Status
from missing_education.domain.attention import DATE_OF_BIRTH
from missing_education.domain.risk import Risk
from missing_education.domain.workspace import CaseloadFilter
from missing_education.services import corrections
from missing_education.services.cases import case_details
from missing_education.services.intake import ingest_file
from tests.integration.test_procedure_journeys import REFERRAL, Council, pdf_text


@pytest.fixture
def council(database_url: str, tmp_path: Path) -> Council:
    """The synthetic council with its calendar, two schools and one officer covering DE4."""
    made = Council(database_url, tmp_path)
    made.add_officer()
    return made


def flag_of(council: Council, case_id: int) -> tuple[str, str] | None:
    with council.uow() as uow:
        found = uow.attention.get(case_id)
    return (found.category, found.reason) if found else None


def test_a_file_with_rows_without_a_date_of_birth_opens_flagged_cases_and_says_how_many(
    council: Council, tmp_path: Path
) -> None:
    path = tmp_path / "notifications.csv"
    path.write_text(
        "forename,surname,date_of_birth,upn,postcode,referral_date,referrer_organisation\n"
        "Amira,Khan,,,DE4 3AB,2026-11-16,Housing\n"
        "Amira,Khan,,,DE4 3AB,2026-11-16,Health visitors\n"
        ",,,A123456789012,DE4 3AB,2026-11-16,Police\n"
        "Leo,Jones,2015-03-04,,DE4 3AB,2026-11-16,Housing\n"
        ",,,,DE4 3AB,2026-11-16,Housing\n",
        encoding="utf-8",
    )
    report = ingest_file(council.uow(), path, settings=council.settings, today=REFERRAL)

    # Two children called Amira Khan with no birthday are two cases: names alone merge nobody.
    assert (report.opened, report.linked, report.rejected) == (4, 0, 1)
    assert report.rejections[0].reason.endswith(
        "nothing identifies the child: give a name, a date of birth or a UPN"
    )
    assert report.as_dict()["without_date_of_birth"] == 3
    assert report.as_dict()["with_fields_missing"] == {"1": 2, "3": 1}
    undated = report.opened_case_ids[:3]
    for case_id in undated:
        case = council.case(case_id)
        assert case.status is Status.INVESTIGATING
        assert (case.child.date_of_birth, case.csa_ends) == (None, None)
        flag = flag_of(council, case_id)
        assert flag is not None and flag[0] == DATE_OF_BIRTH
        assert f"cme case correct {case_id} date_of_birth YYYY-MM-DD" in flag[1]
    assert flag_of(council, report.opened_case_ids[3]) is None
    with council.uow() as uow:
        rows, _total = uow.workspace.caseload(CaseloadFilter(needs_attention=True))
    flagged = sorted(row.case_id for row in rows)
    assert flagged == undated
    # The same file again takes nothing in twice.
    again = ingest_file(council.uow(), path, settings=council.settings, today=REFERRAL)
    assert (again.opened, again.duplicates) == (0, 4)


def test_the_referrer_is_acknowledged_and_mash_told_at_once_with_the_date_of_birth_not_known(
    council: Council,
) -> None:
    case_id = council.open_case(date_of_birth="", vulnerabilities=Risk.CHILD_PROTECTION.value)

    keys = council.step_keys(case_id)
    assert "social_care_referral:intake" in keys and "acknowledgement" in " ".join(keys)
    text = pdf_text(council.letter(case_id, "social_care_referral:intake"))
    assert "Date of birth not known" in text
    # Looking for the child goes ahead: the school is asked what it knows.
    assert any(k.startswith("school_enquiry") for k in keys)
    details = case_details(council.uow(), case_id, today=REFERRAL)
    assert details["child"]["date_of_birth"] is None
    assert details["child"]["year_group"] is None
    assert details["needs_attention"]["category"] == DATE_OF_BIRTH


def test_an_s437_notice_and_a_school_place_referral_are_refused_while_the_date_of_birth_is_unknown(
    council: Council,
) -> None:
    case_id = council.open_case(date_of_birth="")

    with pytest.raises(PreconditionUnmet, match="date of birth is not known") as refused:
        council.decide(case_id, "home_visit", "refuses_education", on=REFERRAL)
    assert "compulsory school age" in str(refused.value)
    assert council.case(case_id).status is Status.INVESTIGATING
    assert not [k for k in council.step_keys(case_id) if k.startswith("s437")]

    # Found without a place: when the time to secure one lapses, the referral to admissions
    # is refused with the reason, kept on the case; the review goes on and closes nothing.
    council.decide(case_id, "home_visit", "family_found_no_place", on=REFERRAL)
    council.review_every_school_day(REFERRAL, REFERRAL + timedelta(days=21))
    case = council.case(case_id)
    assert case.status is Status.LOCATED
    flag = flag_of(council, case_id)
    assert flag is not None and "date of birth is not known" in flag[1]
    assert not [k for k in council.step_keys(case_id) if k.startswith("admissions_referral")]


def test_the_daily_review_of_a_case_without_a_date_of_birth_never_closes_it_nor_loses_its_flag(
    council: Council,
) -> None:
    case_id = council.open_case(date_of_birth="")

    council.review_every_school_day(REFERRAL, REFERRAL + timedelta(days=45))

    case = council.case(case_id)
    assert case.is_open and case.status is Status.ESCALATED  # not located in 20 school days
    flag = flag_of(council, case_id)
    assert flag is not None and flag[0] == DATE_OF_BIRTH


def test_recording_the_date_of_birth_clears_the_flag_and_checks_school_age(
    council: Council,
) -> None:
    kept = council.open_case(date_of_birth="")
    too_old = council.open_case(date_of_birth="")

    result = corrections.correct_case(
        council.uow(), kept, "date_of_birth", "2015-03-04",
        by="coordinator", reason="school's records", settings=council.settings, today=REFERRAL,
    )  # fmt: skip
    assert result["closed"] is None
    assert result["compulsory_school_age"]["ends"] == "2031-06-27"
    assert flag_of(council, kept) is None
    assert council.case(kept).csa_ends == date(2031, 6, 27)
    # Now the s437 route may be taken.
    council.decide(kept, "home_visit", "refuses_education", on=REFERRAL)
    assert council.case(kept).status is Status.S437_ISSUED

    result = corrections.correct_case(
        council.uow(), too_old, "date_of_birth", "2008-01-10",
        by="coordinator", reason="passport seen", settings=council.settings, today=REFERRAL,
    )  # fmt: skip
    assert result["closed"] == "past_compulsory_school_age"
    assert flag_of(council, too_old) is None
