"""Journeys at the edges of the law (issue 14): risk, school age, residence, closure letters.

Each journey drives cases through intake, the procedure and the daily review on SQLite and
PostgreSQL, and reads the letters back from their PDFs.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from missing_education.domain import DecisionRefused, Outcome, Status
from missing_education.domain.risk import Risk
from missing_education.services.reports import dfe_termly_return
from tests.integration.test_procedure_journeys import REFERRAL, Council, pdf_text


@pytest.fixture
def council(database_url: str, tmp_path: Path) -> Council:
    """The synthetic council with its calendar, two schools and one officer covering DE4."""
    made = Council(database_url, tmp_path)
    made.add_officer()
    return made


# -- point 1: safeguarding on every notification -----------------------------------------------


def test_every_risk_written_as_referrers_write_it_goes_to_mash_and_missing_from_care_to_police(
    council: Council,
) -> None:
    case_id = council.open_case(
        forename="Amira",
        vulnerabilities="FGM; Missing from care; child sexual exploitation, trafficked",
    )

    case = council.case(case_id)
    assert case.vulnerabilities == ("fgm", "missing_from_care", "cse", "trafficking")
    assert case.safeguarding
    referral = pdf_text(council.letter(case_id, "social_care_referral:intake"))
    assert "female genital mutilation (FGM)" in referral
    assert "child sexual exploitation" in referral
    assert "missing from care" in referral
    police = council.letter(
        case_id,
        next(k for k in council.step_keys(case_id) if k.startswith("police_notification:at_once")),
    )
    assert police.recipient_email == council.settings.contacts.police_email
    assert "missing from care" in pdf_text(police)
    authority = next(
        x for x in council.letters(case_id) if x.step_key.startswith("responsible_authority")
    )
    assert authority.recipient_email == council.settings.contacts.responsible_authority_email
    assert "responsible for the child" in pdf_text(authority)
    # All of it dated the day of the notification, before any answer to the investigation.
    for letter in (council.letter(case_id, "social_care_referral:intake"), police, authority):
        assert "16 November 2026" in pdf_text(letter)


def test_a_new_concern_on_a_linked_notification_is_a_new_mash_referral_the_same_day_once(
    council: Council,
) -> None:
    case_id = council.open_case(forename="Tomasz")
    assert not [k for k in council.step_keys(case_id) if k.startswith("social_care_referral")]
    later = REFERRAL + timedelta(days=3)

    linked = council.notify(
        on=later,
        forename="Tomasz",
        vulnerabilities="child_protection;CSE",
        referrer_name="PC Hale",
        referrer_organisation="Derbyshire Constabulary",
        referrer_email="pc.hale@police.example",
    )
    assert linked == case_id
    council.act(later, lambda p: p.acknowledge([case_id]))
    council.act(later, lambda p: p.acknowledge([case_id]))  # a re-run sends nothing twice

    referrals = [x for x in council.letters(case_id) if x.letter_type == "social_care_referral"]
    assert len(referrals) == 1
    text = pdf_text(referrals[0])
    assert referrals[0].step_key.startswith("social_care_referral:notification:")
    assert "19 November 2026" in text
    assert "further notification" in text
    assert "subject to a child protection plan or enquiry" in text
    case = council.case(case_id)
    assert case.safeguarding
    assert case.vulnerabilities == ("child_protection", "cse")


def test_an_unknown_flag_opens_the_case_goes_to_mash_as_a_possible_risk_and_waits_to_be_mapped(
    council: Council,
) -> None:
    case_id = council.open_case(forename="Grace", vulnerabilities="honour based abuse; young carer")

    case = council.case(case_id)
    assert case.status is Status.INVESTIGATING  # opened and investigated, not held back
    assert case.vulnerabilities == ("young_carer", "honour_based_abuse")
    referral = pdf_text(council.letter(case_id, "social_care_referral:intake"))
    assert "honour based abuse" in referral
    assert "treated as a possible risk" in referral
    assert "risk_mapping" in council.waiting(case_id)

    council.decide(case_id, "risk_mapping", Risk.DOMESTIC_ABUSE.value, on=REFERRAL)

    case = council.case(case_id)
    assert case.vulnerabilities == ("young_carer", "domestic_abuse")
    assert "risk_mapping" not in council.waiting(case_id)
    assert any("mapped to domestic_abuse" in h.why for h in case.history)
    with pytest.raises(DecisionRefused):
        council.decide(case_id, "risk_mapping", "not_a_code", on=REFERRAL)


def test_a_flag_that_is_no_safeguarding_concern_sends_nothing_to_mash(council: Council) -> None:
    case_id = council.open_case(forename="Yusuf", vulnerabilities="Young Carer; SEND")

    assert council.case(case_id).vulnerabilities == ("young_carer", "sen")
    assert not [x for x in council.letters(case_id) if x.letter_type == "social_care_referral"]
    assert "risk_mapping" not in council.waiting(case_id)
    assert council.case(case_id).outcome is not Outcome.NOT_CME
    assert date(2026, 1, 1) < REFERRAL


# -- point 7: compulsory school age -------------------------------------------------------------


def test_sixteen_after_the_june_leaving_date_but_before_the_autumn_term_ends_csa_in_june(
    council: Council,
) -> None:
    # The council's autumn term 2026 begins on Thursday 3 September.
    before_term = council.notify(forename="Zofia", date_of_birth="2010-09-02")
    after_term = council.notify(forename="Oskar", date_of_birth="2010-09-04")

    ended = council.case(before_term)
    assert ended.csa_ends == date(2026, 6, 26)  # School Leaving Date Order 1997 art 2(a)
    assert not ended.csa_needs_review  # the term calendar settles it
    assert (ended.status, ended.outcome) == (Status.CLOSED, Outcome.NOT_CME)
    still = council.case(after_term)
    assert still.csa_ends == date(2027, 6, 25)
    assert still.status is Status.INVESTIGATING


def test_every_open_case_closes_at_the_sweep_once_past_school_age_and_no_step_is_taken_after(
    council: Council,
) -> None:
    # Sixteen in January 2027: compulsory school age ends on Friday 25 June 2027.
    case_id = council.open_case(forename="Priya", date_of_birth="2011-01-10", upn="A123456789012")
    council.decide(case_id, "home_visit", "refuses_education", on=date(2026, 11, 20))
    assert council.case(case_id).status is Status.S437_ISSUED
    after = date(2027, 6, 28)

    with pytest.raises(DecisionRefused, match="ceased to be of compulsory school age on 25 June"):
        council.decide(case_id, "s437", "applied_for_place", on=after)
    report = council.review(after)

    assert report.actions["closed_past_csa"] == 1
    case = council.case(case_id)
    assert (case.status, case.outcome, case.closed_on) == (Status.CLOSED, Outcome.PAST_CSA, after)
    assert "ceased to be of compulsory school age on 25 June 2027" in case.history[-1].why
    parent = pdf_text(council.letter(case_id, "closure_parent"))
    assert "no longer of compulsory school age" in parent
    assert "section 7" not in parent
    assert "A123456789012" not in parent  # the UPN is not shown to the family
    school = pdf_text(council.letter(case_id, "closure_school"))
    assert "9(1)(l)" in school
    assert "Dear Headteacher," in school and "Dear The" not in school
    # Nothing CME was sent on or after the day school age ended.
    late = [x for x in council.letters(case_id) if not x.step_key.startswith("closure")]
    assert all("28 June 2027" not in pdf_text(x) for x in late)
    assert council.review(after + timedelta(days=1)).actions.get("closed_past_csa") is None


# -- point 9: residence at triage --------------------------------------------------------------


def test_a_child_living_outside_the_area_is_handed_to_their_council_and_not_investigated(
    council: Council,
) -> None:
    council.settings = replace(
        council.settings,
        council=replace(
            council.settings.council,
            postcode_districts=("DE", "S40"),
            other_councils=("G: Glasgow City Council <cme@glasgow.example>",),
        ),
    )
    glasgow = council.open_case(
        forename="Mei", address_line1="4 Byres Road", town="Glasgow", postcode="G12 8AA"
    )
    sheffield = council.open_case(forename="Leo", town="Sheffield", postcode="S1 2HE")
    chesterfield = council.open_case(forename="Ruby", town="Chesterfield", postcode="S40 1AA")
    unknown = council.open_case(forename="Amira", address_line1="", town="", postcode="")

    case = council.case(glasgow)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.OUT_OF_AREA)
    assert "postcode G12" in case.history[-1].why
    handover = council.letter(glasgow, "out_of_area_handover")
    assert handover.recipient_email == "cme@glasgow.example"
    text = pdf_text(handover)
    assert "Glasgow City Council" in text and "not investigated" in text
    referrer = pdf_text(
        council.letter(
            glasgow, next(k for k in council.step_keys(glasgow) if k.startswith("closure_referrer"))
        )
    )
    assert "passed your notification to Glasgow City Council" in referrer
    # Not investigated here: no school enquiry, parent letter, visit or escalation.
    assert not [k for k in council.step_keys(glasgow) if k.startswith(("school_enquiry", "parent"))]
    assert not council.visits(glasgow)
    council.review(date(2026, 12, 16))
    assert not [k for k in council.step_keys(glasgow) if "social_care" in k]
    # Sheffield has no entry: the letter is addressed to the council for the district.
    other = council.letter(sheffield, "out_of_area_handover")
    assert "the council for postcode district S1" in pdf_text(other)
    assert council.case(chesterfield).status is not Status.CLOSED
    assert council.case(unknown).status is not Status.CLOSED  # unknown residence: investigate

    # Not counted in the DfE return: the children living elsewhere are left out by name.
    made = dfe_termly_return(
        council.uow(),
        term="autumn-2026",
        out=council.folder / "dfe.csv",
        settings=council.settings,
        today=date(2026, 12, 18),
        census_date=date(2026, 12, 17),
    )
    glasgow_ref, sheffield_ref = council.case(glasgow).reference, council.case(sheffield).reference
    assert made.result.excluded["lives_outside_area"] == [glasgow_ref, sheffield_ref]
    counted = {r.case_reference for r in made.result.rows}
    assert counted == {council.case(chesterfield).reference, council.case(unknown).reference}


# -- point 10 and the letter items of 13: letters that say what the record shows -------------


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        (Outcome.DIED, "you will not hear from us again"),
        (Outcome.MOVED_ABROAD, "If you come back to live in England"),
        (Outcome.PAST_CSA, "no longer of compulsory school age"),
    ],
)
def test_a_closure_after_a_death_a_move_abroad_or_past_school_age_reminds_no_one_of_section_7(
    council: Council, outcome: Outcome, words: str
) -> None:
    case_id = council.open_case(forename="Leo", upn="B987654321098")

    council.decide(case_id, "closure", outcome.value, on=date(2026, 11, 20), why="evidence seen")

    parent = pdf_text(council.letter(case_id, "closure_parent"))
    assert words in parent
    assert "section 7" not in parent
    assert "B987654321098" not in parent  # no UPN shown to the family
    assert "B987654321098" in pdf_text(council.letter(case_id, "closure_school"))


def test_a_closure_on_roll_keeps_the_section_7_reminder_and_tells_every_referrer(
    council: Council,
) -> None:
    case_id = council.open_case(forename="Mei")
    council.notify(
        on=REFERRAL + timedelta(days=1),
        forename="Mei",
        referrer_name="R. Hughes",
        referrer_organisation="Housing Options",
        referrer_email="housing@synthetic-county.example",
    )

    council.decide(case_id, "home_visit", "on_roll", on=date(2026, 11, 20))

    parent = pdf_text(council.letter(case_id, "closure_parent"))
    assert "section 7" in parent
    assert "Dear Nadia Khan," in parent
    told = [x for x in council.letters(case_id) if x.letter_type == "closure_referrer"]
    assert sorted(x.recipient_email for x in told) == [
        "housing@synthetic-county.example",
        "office@matlock-primary.example",
    ]
    for letter in told:
        assert "on the roll of a school in our area" in pdf_text(letter)


def test_referral_letters_name_every_step_in_plain_words_and_the_school_hears_at_escalation(
    council: Council,
) -> None:
    case_id = council.open_case(forename="Ruby")
    council.decide(
        case_id,
        "home_visit",
        "moved_other_council",
        on=date(2026, 11, 19),
        other_council="Sheffield City Council",
        other_council_email="cme@sheffield.example",
    )
    council.decide(case_id, "handover", "not_confirmed", on=date(2026, 12, 1))

    referral = pdf_text(council.letter(case_id, "social_care_referral:not_located"))
    assert "Enquiry to another council's children missing education officer" in referral
    assert "Home visit: the family has moved to another council's area." in referral
    assert "Other la enquiry" not in referral and "moved other council" not in referral
    school = council.letter(case_id, "school_escalation")
    assert school.recipient_email == "office@matlock-primary.example"
    text = pdf_text(school)
    assert "9(1)(i)" in text and "Lost Pupil Database" in text
    assert "Referred the child to children's social care on 1 December 2026" in text
    assert "Dear Headteacher," in text and "Dear The" not in text


def test_the_calling_card_gives_the_visit_time_the_officer_recorded(council: Council) -> None:
    timed = council.open_case(forename="Oskar")
    untimed = council.open_case(forename="Zofia")

    council.decide(timed, "home_visit", "no_answer", on=date(2026, 11, 18), visited_at="09:15")
    council.decide(untimed, "home_visit", "no_answer", on=date(2026, 11, 18))

    timed_card = pdf_text(council.letter(timed, "calling_card:1"))
    assert "on 18 November 2026 at 9:15am about" in timed_card
    card = pdf_text(council.letter(untimed, "calling_card:1"))
    assert "called at this address on 18 November 2026 about" in card
    with pytest.raises(DecisionRefused, match="visited_at must be a time"):
        council.decide(timed, "home_visit", "no_answer", on=date(2026, 11, 19), visited_at="9am")
