"""Journeys through the school attendance order route and the post it depends on (issue 14).

Point 2: s437(1) notice -> expedient decision -> s438 notice of intention -> order served ->
compliance -> prosecution referral or closure on a confirmed roll, each stage refused before
its time. Point 3: the periods run from the day the post is confirmed, not the letter's date,
and stale post is remade or withdrawn when the print batch is made. On SQLite and PostgreSQL,
with the letters read back from their PDFs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from missing_education.domain import DecisionRefused, Outcome, Status
from missing_education.domain.deadline import Step
from missing_education.domain.letter import Delivery, LetterRecord
from missing_education.services.outbox import PostReport, confirm_print_batch, make_up_post
from tests.integration.test_procedure_journeys import COUNCIL_SCHOOL, Council, pdf_text

REFUSED_ON = date(2026, 11, 19)  # Thursday: the home visit finds a parent refusing education


@pytest.fixture
def council(database_url: str, tmp_path: Path) -> Council:
    """The synthetic council with its calendar, two schools and one officer covering DE4."""
    made = Council(database_url, tmp_path)
    made.add_officer()
    return made


def post(council: Council, on: date, *, posted_on: date | None = None) -> PostReport:
    """Make up the day's post and confirm it went (on `posted_on`, default the same day)."""
    made = make_up_post(council.uow(), settings=council.settings, today=on)
    if made.batch is not None:
        confirm_print_batch(
            council.uow(), made.batch.id, settings=council.settings, posted_on=posted_on or on
        )
    return made


def current(council: Council, case_id: int, letter_type: str) -> LetterRecord:
    found = [
        x
        for x in council.letters(case_id)
        if x.letter_type == letter_type and x.status is not Delivery.WITHDRAWN
    ]
    assert found, f"no {letter_type}; have {council.step_keys(case_id)}"
    return found[-1]


def refusing_parent(council: Council) -> int:
    case_id = council.open_case(forename="Priya")
    council.decide(case_id, "home_visit", "refuses_education", on=REFUSED_ON)
    return case_id


# -- point 2: the route, stage by stage --------------------------------------------------------


def test_the_attendance_order_route_takes_each_stage_only_when_the_law_allows_it(
    council: Council,
) -> None:
    case_id = refusing_parent(council)
    assert council.case(case_id).status is Status.S437_ISSUED
    notice = current(council, case_id, "s437_notice")
    # Expected posting Friday 20 November, deemed served Tuesday 24: 15 days end 8 December.
    assert notice.reply_by == date(2026, 12, 8)
    text = pdf_text(notice)
    assert "You must satisfy us by 8 December 2026" in text
    assert "at least 15 days from the day this notice is served" in text
    assert "notice of intention" in text and "15 days to choose a different school" in text
    assert not council.deadlines(case_id, Step.S437_COMPLIANCE)  # no period before service

    # The same day as the notice: no order, whatever a person answers.
    with pytest.raises(DecisionRefused, match="s437\\(1\\) notice has not been served"):
        council.decide(case_id, "s437", "attendance_order_expedient", on=REFUSED_ON)

    post(council, date(2026, 11, 20))
    [period] = council.deadlines(case_id, Step.S437_COMPLIANCE)
    assert (period.base_date, period.due) == (date(2026, 11, 24), date(2026, 12, 8))
    assert any("served on 24 November 2026" in h.why for h in council.case(case_id).history)
    with pytest.raises(DecisionRefused, match="runs until 8 December 2026"):
        council.decide(case_id, "s437", "attendance_order_expedient", on=date(2026, 12, 8))

    council.decide(case_id, "s437", "attendance_order_expedient", on=date(2026, 12, 9))
    case = council.case(case_id)
    assert case.status is Status.S438_ISSUED
    assert "coordinator decided an order is expedient" in case.history[-1].why
    intention = pdf_text(current(council, case_id, "s438_notice"))
    assert "On 24 November 2026 we served a notice on you" in intention
    assert "by 8 December 2026" in intention
    assert "We intend to name Matlock Primary School in the order" in intention
    assert "Tell us the school you choose by 28 December 2026" in intention
    assert "s438" in council.waiting(case_id)

    with pytest.raises(DecisionRefused, match="s438 notice of intention has not been served"):
        council.decide(case_id, "s438", "no_choice", on=date(2026, 12, 9))
    post(council, date(2026, 12, 10))  # deemed served Monday 14 December
    with pytest.raises(DecisionRefused, match="runs until 28 December 2026"):
        council.decide(case_id, "s438", "no_choice", on=date(2026, 12, 21))

    council.decide(case_id, "s438", "no_choice", on=date(2026, 12, 29))
    assert council.case(case_id).status is Status.ATTENDANCE_ORDER
    order = pdf_text(current(council, case_id, "school_attendance_order"))
    assert "You must cause" in order and "registered pupil at Matlock Primary School" in order
    assert "You did not choose a school within the 15 days" in order
    school = current(council, case_id, "attendance_order_school")
    assert school.recipient_email == "office@matlock-primary.example"
    assert "Please confirm the registration by" in pdf_text(school)

    post(council, date(2027, 1, 4))  # deemed served Wednesday 6 January
    [compliance] = council.deadlines(case_id, Step.ORDER_COMPLIANCE)
    assert compliance.base_date == date(2027, 1, 6)
    with pytest.raises(DecisionRefused, match="time the order gives to register the child runs"):
        council.decide(case_id, "attendance_order", "not_complying", on=compliance.due)

    after = date(2027, 1, 25)
    council.decide(case_id, "attendance_order", "not_complying", on=after)
    assert council.case(case_id).status is Status.PROSECUTION
    referral = current(council, case_id, "prosecution_referral")
    assert referral.recipient_email == council.settings.contacts.attendance_enforcement_email
    text = pdf_text(referral)
    assert "section 443" in text
    assert "Education Act 1996, served on 24 November 2026; period to 8 December 2026." in text
    assert "a school attendance order is expedient" in text
    # Nobody was told the child is on a roll, and no school was invited to delete.
    keys = council.step_keys(case_id)
    assert not [k for k in keys if k.startswith("closure")]
    assert "attendance_order" in council.waiting(case_id)  # the order stays in force

    council.decide(case_id, "attendance_order", "registered_and_attending", on=date(2027, 2, 1))
    case = council.case(case_id)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.ON_ROLL_HERE)
    assert "registered and attending" in case.history[-1].why


def test_a_parent_may_choose_the_school_named_in_the_order(council: Council) -> None:
    case_id = refusing_parent(council)
    post(council, date(2026, 11, 20))
    council.decide(case_id, "s437", "attendance_order_expedient", on=date(2026, 12, 9))
    post(council, date(2026, 12, 10))

    with pytest.raises(DecisionRefused, match="URN of the school the parent chose"):
        council.decide(case_id, "s438", "parent_chose_school", on=date(2026, 12, 29))
    with pytest.raises(DecisionRefused, match="URN 999999 is not in the schools directory"):
        council.decide(
            case_id,
            "s438",
            "parent_chose_school",
            on=date(2026, 12, 29),
            named_school_urn="999999",
        )
    council.decide(
        case_id, "s438", "parent_chose_school", on=date(2026, 12, 29), named_school_urn="144556"
    )

    order = pdf_text(current(council, case_id, "school_attendance_order"))
    assert "Chesterfield Academy" in order and "You chose this school" in order
    assert (
        current(council, case_id, "attendance_order_school").recipient_email
        == "admin@chesterfield-academy.example"
    )


def test_suitable_education_shown_during_the_s437_period_ends_the_route_and_its_post(
    council: Council,
) -> None:
    case_id = refusing_parent(council)
    council.decide(case_id, "s437", "applied_for_place", on=date(2026, 11, 20))

    assert council.case(case_id).status is Status.AWAITING_ADMISSION
    made = post(council, date(2026, 11, 30))
    # The notice never went: the case moved on before the post was made up, and its date
    # would have been too close.
    notice = council.letter(case_id, "s437_notice:1")
    assert notice.status is Delivery.WITHDRAWN
    assert "the notice no longer applies" in notice.last_error
    assert (
        notice.id,
        "the case has moved on to awaiting_admission: the notice no longer applies",
    ) in (made.stale.withdrawn)


# -- point 3: periods from service, and stale post -------------------------------------------


def test_a_notice_printed_weeks_late_is_remade_with_its_full_period_from_service(
    council: Council,
) -> None:
    case_id = refusing_parent(council)
    old = current(council, case_id, "s437_notice")
    assert old.reply_by == date(2026, 12, 8)

    made = post(council, date(2026, 12, 14))  # the post was made up late

    assert (old.id, current(council, case_id, "s437_notice").id) in made.stale.remade
    withdrawn = council.letter(case_id, "s437_notice:1")
    assert withdrawn.status is Delivery.WITHDRAWN
    assert "8 December 2026 had passed" in withdrawn.last_error
    new = current(council, case_id, "s437_notice")
    assert new.replaces_letter_id == old.id and new.status is Delivery.POSTED
    # Made Monday 14 December: expected posting Tuesday 15, served Thursday 17, to 31 December.
    assert new.reply_by == date(2026, 12, 31)
    text = pdf_text(new)
    assert "You must satisfy us by 31 December 2026" in text
    assert "8 December" not in text
    assert "replaces our earlier letter" not in text  # the first one never went
    # Posted Monday 14 December, deemed served Wednesday 16: the letter's later date stands.
    [period] = council.deadlines(case_id, Step.S437_COMPLIANCE)
    assert (period.base_date, period.due) == (date(2026, 12, 16), date(2026, 12, 31))
    assert any("withdrawn from the post" in h.why for h in council.case(case_id).history)


def test_a_notice_posted_later_than_its_batch_still_gives_the_full_period_from_service(
    council: Council,
) -> None:
    case_id = refusing_parent(council)

    post(council, date(2026, 11, 20), posted_on=date(2026, 11, 27))  # held in the print room

    # Posted Friday 27 November: served Tuesday 1 December; 15 days end 15 December.
    [period] = council.deadlines(case_id, Step.S437_COMPLIANCE)
    assert (period.base_date, period.due) == (date(2026, 12, 1), date(2026, 12, 15))
    note = council.case(case_id).history[-1].why
    assert "runs to 15 December 2026; the letter said 8 December 2026" in note
    with pytest.raises(DecisionRefused, match="runs until 15 December 2026"):
        council.decide(case_id, "s437", "attendance_order_expedient", on=date(2026, 12, 9))


def test_stale_post_to_a_family_is_remade_and_post_for_a_closed_case_is_withdrawn(
    council: Council,
) -> None:
    waiting = council.open_case(forename="Oskar")  # parent letter: contact us by 23 November
    closed = council.open_case(forename="Zofia")
    council.decide(closed, "home_visit", "no_answer", on=date(2026, 11, 18))
    council.decide(closed, "closure", "moved_abroad", on=date(2026, 11, 19), why="evidence seen")
    before = current(council, waiting, "parent_contact")
    assert before.reply_by == date(2026, 11, 23)

    made = post(council, date(2026, 11, 25))

    after = current(council, waiting, "parent_contact")
    assert after.id != before.id and after.replaces_letter_id == before.id
    assert after.reply_by is not None and after.reply_by >= date(2026, 11, 29)
    assert "Please contact us by" in pdf_text(after) and "23 November" not in pdf_text(after)
    card = council.letter(closed, "calling_card:1")
    assert card.status is Delivery.WITHDRAWN
    assert "the case is closed" in card.last_error
    assert (card.id, "the case is closed (moved_abroad)") in made.stale.withdrawn
    # The closure letter to the family has no reply-by date and goes as it is.
    assert council.letter(closed, "closure_parent").status is Delivery.POSTED
    # Nothing in the batch asks for a date before it arrives.
    posted = [x for x in council.letters() if x.status is Delivery.POSTED and x.reply_by]
    assert all(x.reply_by is not None and x.reply_by >= date(2026, 11, 27) for x in posted)
    assert COUNCIL_SCHOOL  # the same council as the other journeys


def test_a_stale_enquiry_to_a_school_without_email_is_remade_to_the_same_school(
    council: Council,
) -> None:
    case_id = council.open_case(forename="Leo", school_urn="999999", school_name="Hope School")
    enquiry = council.letter(case_id, "school_enquiry:1")
    assert enquiry.channel.value == "post" and enquiry.reply_by == date(2026, 11, 30)

    post(council, date(2026, 11, 27))

    remade = current(council, case_id, "school_enquiry")
    assert remade.replaces_letter_id == enquiry.id and remade.recipient == "Hope School"
    assert remade.reply_by is not None and remade.reply_by >= date(2026, 12, 3)
    text = pdf_text(remade)
    assert "Hope School" in text and "30 November" not in text
