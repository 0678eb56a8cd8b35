"""Journeys for issue 14 (part b): outcomes a letter states only as the case record shows them.

Each journey drives cases through the procedure and the daily review on SQLite and PostgreSQL
and reads the letters back from their PDFs. The clock (CME_TODAY) follows each step's day, so
the dates a letter reads back from the record are the days the steps were taken.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from typer.testing import CliRunner

from missing_education.cli import app
from missing_education.domain import DecisionRefused, Outcome, Status
from missing_education.domain.deadline import Step
from missing_education.domain.errors import CalendarNotLoaded
from missing_education.domain.fair_access import fair_access_categories
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar
from missing_education.services.checks import load_source
from missing_education.services.procedure import Procedure, StepReport
from synthetic.council import autumn_2026_calendar, write_csv
from tests.integration.test_procedure_journeys import Council, pdf_text

T = TypeVar("T")


class DatedCouncil(Council):
    """The synthetic council whose clock is the day of each step."""

    def act(self, on: date, step: Callable[[Procedure], T]) -> T:
        os.environ["CME_TODAY"] = on.isoformat()
        return super().act(on, step)

    def review(self, on: date) -> StepReport:
        os.environ["CME_TODAY"] = on.isoformat()
        return super().review(on)

    def escalate(self, case_id: int) -> date:
        """Review on the day after the child should have been located; that day."""
        day = self.deadlines(case_id, Step.LOCATE_CHILD)[-1].due + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        self.review(day)
        assert self.case(case_id).status is Status.ESCALATED
        return day

    def text(self, case_id: int, step_key: str) -> str:
        return pdf_text(self.letter(case_id, step_key))


@pytest.fixture
def council(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DatedCouncil:
    """The synthetic council with its calendar, two schools and one officer covering DE4."""
    monkeypatch.setenv("CME_TODAY", "2026-11-16")  # restored after the test
    made = DatedCouncil(database_url, tmp_path)
    made.add_officer()
    return made


# -- point 4: "whereabouts unknown" only after the escalation steps, letters as the record shows --


def test_whereabouts_unknown_waits_for_the_escalation_steps_and_letters_list_only_steps_taken(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Amira")
    with pytest.raises(DecisionRefused, match="only after escalation"):
        council.decide(case_id, "closure", "whereabouts_unknown", on=date(2026, 11, 20))
    escalated_on = council.escalate(case_id)

    with pytest.raises(DecisionRefused, match="Lost Pupil Database search") as refused:
        council.decide(case_id, "closure", "whereabouts_unknown", on=escalated_on)
    assert "notify the police" in str(refused.value)
    council.decide(case_id, "lpd_search", "not_found", on=date(2027, 1, 6))
    with pytest.raises(DecisionRefused, match="notify the police"):
        council.decide(case_id, "closure", "whereabouts_unknown", on=date(2027, 1, 6))
    council.decide(case_id, "police_notification", "do_not_notify", on=date(2027, 1, 7))
    council.decide(case_id, "closure", "whereabouts_unknown", on=date(2027, 1, 8))

    case = council.case(case_id)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.WHEREABOUTS_UNKNOWN)
    referred = f"Referred the child to children's social care on {escalated_on.day} December 2026."
    for key in ("closure_school", "closure_referrer"):
        text = council.text(case_id, key)
        assert referred in text
        assert "Searched the Lost Pupil Database on 6 January 2027: it had no record." in text
        assert "Decided on 7 January 2027 not to notify the police." in text
        assert "police have been informed" not in text
    assert "9(1)(i)" in council.text(case_id, "closure_school")
    # Social care hears that the case closed without the child: never "located".
    mash = council.text(case_id, "social_care_closure")
    assert "whereabouts remain unknown" in mash
    assert f"We referred the child named below to you on {escalated_on.day} December" in mash
    assert "located" not in mash
    assert not [k for k in council.step_keys(case_id) if k.startswith("located_after")]


def test_the_police_are_named_as_notified_only_when_they_were(council: DatedCouncil) -> None:
    case_id = council.open_case(forename="Tomasz")
    council.escalate(case_id)
    council.decide(case_id, "police_notification", "notify", on=date(2027, 1, 6))
    council.decide(case_id, "lpd_search", "not_found", on=date(2027, 1, 6))
    council.decide(case_id, "closure", "whereabouts_unknown", on=date(2027, 1, 7))

    text = council.text(case_id, "closure_referrer")
    assert "Notified the police on 6 January 2027." in text
    assert "not to notify" not in text


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        ("died", "We are very sorry to record that the child has died."),
        ("past_compulsory_school_age", "We did not locate the child"),
    ],
)
def test_social_care_is_told_a_closure_without_the_child_found_never_that_the_child_is_located(
    council: DatedCouncil, outcome: str, words: str
) -> None:
    case_id = council.open_case(forename="Grace")
    council.escalate(case_id)

    council.decide(case_id, "closure", outcome, on=date(2027, 1, 6), why="evidence seen")

    mash = council.text(case_id, "social_care_closure")
    assert words in mash
    assert "located after our referral" not in mash
    assert not [k for k in council.step_keys(case_id) if k.startswith("located_after")]


def test_social_care_hears_a_child_located_after_escalation_with_where_the_case_went(
    council: DatedCouncil,
) -> None:
    placed = council.open_case(forename="Yusuf")
    never_escalated = council.open_case(forename="Zofia")
    council.decide(never_escalated, "closure", "on_roll_elsewhere_england", on=date(2026, 12, 1))
    council.escalate(placed)

    council.decide(placed, "closure", "on_roll_here", on=date(2027, 1, 6), why="admitted")

    key = next(k for k in council.step_keys(placed) if k.startswith("located_after_escalation"))
    text = council.text(placed, key)
    assert (
        "The child has been located after our referral to you: the child is now on the roll of "
        "a school in our area." in text
    )
    assert "We referred the child named below to you on" in text
    assert "social_care_closure" not in council.step_keys(placed)
    # Never referred at escalation: social care hears nothing of its closure.
    keys = council.step_keys(never_escalated)
    assert not [k for k in keys if "social_care" in k or "located" in k]


def test_a_handed_over_case_is_not_referred_as_not_located_before_the_other_council_replies(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Oskar")
    council.decide(
        case_id,
        "home_visit",
        "moved_other_council",
        on=date(2026, 12, 9),
        other_council="Sheffield City Council",
        other_council_email="cme@sheffield.example",
    )
    locate_by = council.deadlines(case_id, Step.LOCATE_CHILD)[0].due
    reply_by = council.deadlines(case_id, Step.HANDOVER_CONFIRMATION)[0].due
    assert locate_by < reply_by

    council.review(locate_by + timedelta(days=1))
    council.review(reply_by)

    assert council.case(case_id).status is Status.HANDOVER
    assert not [k for k in council.step_keys(case_id) if k.startswith("social_care_referral")]
    council.review(reply_by + timedelta(days=1))
    assert council.case(case_id).status is Status.ESCALATED
    assert "social_care_referral:not_located" in council.step_keys(case_id)


def test_the_closure_door_of_cme_decide_refuses_whereabouts_unknown_with_what_is_still_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CME_TODAY", "2026-11-25")
    path = tmp_path / "n.csv"
    path.write_text(
        "forename,surname,date_of_birth,referral_date,referrer_organisation,address_line1,town,"
        "postcode\nAmira,Khan,2015-03-04,2026-11-20,Matlock Primary,4 Lime Grove,Matlock,DE4 3AB\n",
        encoding="utf-8",
    )
    opened = CliRunner().invoke(app, ["ingest", str(path), "--json"])
    (case_id,) = json.loads(opened.stdout)["opened_case_ids"]

    result = CliRunner().invoke(
        app, ["decide", str(case_id), "closure", "whereabouts_unknown", "--by", "A. Coordinator"]
    )

    assert result.exit_code == 1
    assert "only after escalation" in result.output
    assert "Traceback" not in result.output


# -- point 5: a school that has the child on roll is never invited to delete ---------------------


def test_a_school_that_replied_the_child_is_on_roll_is_told_to_keep_the_child_on_its_register(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Priya")

    council.decide(case_id, "school_reply", "on_roll_here", on=date(2026, 11, 24))

    case = council.case(case_id)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.NOT_CME)
    school = council.text(case_id, "closure_school")
    assert "You told us that the child is on your school's roll" in school
    assert "keep the child's name on your admission register" in school
    assert "Ground for deletion" not in school
    assert "may now delete" not in school and "not applicable" not in school


def test_a_closure_with_no_deletion_ground_gives_the_school_none(council: DatedCouncil) -> None:
    case_id = council.open_case(forename="Leo")

    council.decide(case_id, "closure", "alternative_provision", on=date(2026, 11, 24), why="AP")

    school = council.text(case_id, "closure_school")
    assert "gives no ground for deleting" in school
    assert "Ground for deletion" not in school and "may now delete" not in school


# -- point 6: "suitable education shown" is a school place or home education ------------------


def test_a_parent_who_shows_an_independent_school_place_closes_on_roll_not_as_home_education(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Mei")
    council.decide(case_id, "home_visit", "refuses_education", on=date(2026, 11, 20))
    with pytest.raises(DecisionRefused, match="name the school"):
        council.decide(case_id, "s437", "school_place_shown", on=date(2026, 12, 1))
    with pytest.raises(DecisionRefused, match="say which: school_place_shown"):
        council.decide(case_id, "s437", "suitable_education_shown", on=date(2026, 12, 1))

    council.decide(
        case_id, "s437", "school_place_shown", on=date(2026, 12, 1), school="Dale House School"
    )

    case = council.case(case_id)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.ON_ROLL_HERE)
    assert "Dale House School" in case.history[-1].why
    assert "9(1)(a)" in council.text(case_id, "closure_school")
    assert "9(1)(f)" not in council.text(case_id, "closure_school")
    assert "ehe_team:1" not in council.step_keys(case_id)


def test_a_parent_who_shows_home_education_closes_as_ehe_and_the_ehe_team_is_told(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Ruby")
    council.decide(case_id, "home_visit", "refuses_education", on=date(2026, 11, 20))

    council.decide(case_id, "s437", "home_education_shown", on=date(2026, 12, 1))

    assert council.case(case_id).outcome is Outcome.EHE
    assert "9(1)(f)" in council.text(case_id, "closure_school")
    ehe = council.letter(case_id, "ehe_team:1")
    assert ehe.recipient_email == council.settings.contacts.ehe_team_email
    assert "educated at home" in pdf_text(ehe)


def test_home_education_recorded_at_closure_tells_the_ehe_team_too(council: DatedCouncil) -> None:
    case_id = council.open_case(forename="Amira")

    council.decide(case_id, "closure", "elective_home_education", on=date(2026, 11, 20))

    assert "ehe_team:1" in council.step_keys(case_id)


# -- point 13: the school's reply changes what it should; a closed case frees its visit ---------


def test_a_new_address_from_the_school_is_recorded_and_a_visit_is_asked_there(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Tomasz")
    assert [v.round for v in council.visits(case_id)] == [1]
    with pytest.raises(DecisionRefused, match="new address"):
        council.decide(case_id, "school_reply", "new_address", on=date(2026, 11, 24))

    council.decide(
        case_id,
        "school_reply",
        "new_address",
        on=date(2026, 11, 24),
        new_address="7 Dale Road, Wirksworth, DE4 4FG",
    )

    case = council.case(case_id)
    assert (case.child.address_line1, case.child.town, case.child.postcode) == (
        "7 Dale Road",
        "Wirksworth",
        "DE4 4FG",
    )
    assert case.status is Status.INVESTIGATING
    visits = council.visits(case_id)
    assert [(v.round, v.outcome) for v in visits] == [(1, "withdrawn"), (2, None)]
    assert visits[1].officer_id is not None  # DE4: the officer for the area has it
    letter = council.letter(case_id, "parent_contact:address:2")
    assert "7 Dale Road" in pdf_text(letter)
    assert "home_visit" in council.waiting(case_id)


def test_a_school_that_knows_nothing_more_is_recorded_and_enquiries_go_on(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Grace")

    council.decide(case_id, "school_reply", "no_information", on=date(2026, 11, 24))

    case = council.case(case_id)
    assert case.status is Status.INVESTIGATING
    assert "the school knows nothing more" in case.history[-1].why
    assert council.deadlines(case_id, Step.SCHOOL_REPLY)[0].met_on == date(2026, 11, 24)
    assert council.deadlines(case_id, Step.LOCATE_CHILD)[0].is_open
    assert "home_visit" in council.waiting(case_id)


def test_a_case_closed_by_the_school_frees_its_officer_for_a_waiting_visit(
    council: DatedCouncil,
) -> None:
    council.add_officer(code="EWO1", capacity="1")  # the officer for DE4 takes one visit
    first = council.open_case(forename="Yusuf")
    second = council.open_case(forename="Zofia")
    assert council.visits(second)[0].officer_id is None  # waits: the officer is full

    council.decide(first, "school_reply", "on_roll_here", on=date(2026, 11, 24))
    council.review(date(2026, 11, 25))

    assert council.visits(first)[0].outcome == "withdrawn"
    assert council.visits(second)[0].officer_id == council.officer_id("EWO1")


# -- point 11: Fair Access only on a recorded refusal, with its categories and risks ------------


def awaiting_admission(council: DatedCouncil, **fields: str) -> int:
    """A child found without a place and referred to in-year admissions on 30 November."""
    case_id = council.open_case(**fields)
    council.decide(case_id, "home_visit", "family_found_no_place", on=date(2026, 11, 18))
    council.review(date(2026, 11, 30))
    assert council.case(case_id).status is Status.AWAITING_ADMISSION
    return case_id


def test_a_lapsed_admissions_deadline_asks_the_manager_and_admissions_never_fair_access(
    council: DatedCouncil,
) -> None:
    case_id = awaiting_admission(council, forename="Oskar")
    due = council.deadlines(case_id, Step.ADMISSIONS_DECISION)[0].due

    report = council.review(due + timedelta(days=3))

    assert report.actions.get("referred_to_fair_access") is None
    assert council.case(case_id).status is Status.AWAITING_ADMISSION
    assert "fair_access_referral:1" not in council.step_keys(case_id)
    manager = council.text(case_id, "manager_escalation:admissions_decision:1")
    assert "in-year admissions has not decided" in manager
    assert "admissions" in council.waiting(case_id)


def test_a_recorded_refusal_refers_a_young_carer_to_fair_access_with_category_and_risks(
    council: DatedCouncil,
) -> None:
    case_id = awaiting_admission(council, forename="Priya", vulnerabilities="young carer; SEND")

    council.decide(case_id, "admissions", "not_placed", on=date(2026, 12, 4))

    assert council.case(case_id).status is Status.FAIR_ACCESS
    text = council.text(case_id, "fair_access_referral:1")
    assert "A child who is a carer (young carer)" in text
    assert "Special educational needs (without an education, health and care plan)" in text
    assert "Out of education for four or more weeks" in text
    assert "On 4 December 2026 the in-year admissions team told us that no school place" in text
    assert "a young carer" in text and "special educational needs" in text
    assert "have not been offered one" not in text
    assert "carer" in council.case(case_id).history[-1].why


# -- point 12: monthly monitoring searches what was loaded since and asks a person -------------


def test_a_monthly_review_searches_a_newly_loaded_source_and_asks_a_person_about_a_match(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(
        forename="Amira", surname="Hussain", date_of_birth="2014-05-06", postcode="DE4 3AB"
    )
    council.escalate(case_id)
    first_review = council.deadlines(case_id, Step.MONITORING_REVIEW)[0].due + timedelta(days=1)
    council.review(first_review)
    assert council.case(case_id).status is Status.MONITORING
    assert "match_review" not in council.waiting(case_id)
    roll = council.folder / "census.csv"
    roll.write_text(
        "ref,forename,surname,date_of_birth,sex,upn,postcode\n"
        "R7,Amira,Hussain,2014-05-06,F,,DE4 3AB\n",
        encoding="utf-8",
    )
    load_source(council.uow(), "school_census", roll)

    second_review = council.deadlines(case_id, Step.MONITORING_REVIEW)[-1].due + timedelta(days=1)
    report = council.review(second_review)

    assert report.actions["checked_school_census"] == 1
    assert "match_review" in council.waiting(case_id)
    assert council.case(case_id).status is Status.MONITORING  # a person decides, not the review
    council.decide(case_id, "match_review", "same_child", on=second_review)
    assert council.case(case_id).outcome is Outcome.ON_ROLL_HERE
    key = next(k for k in council.step_keys(case_id) if k.startswith("located_after_escalation"))
    assert "located after our referral to you" in council.text(case_id, key)


# -- point 13: no deadline counted past the loaded school calendar --------------------------


def test_a_deadline_past_the_loaded_calendar_flags_the_case_until_the_term_dates_are_loaded(
    council: DatedCouncil,
) -> None:
    # The loaded calendar ends with the summer term on Wednesday 21 July 2027.
    case_id = council.open_case(forename="Leo", on=date(2027, 7, 2))
    assert council.deadlines(case_id, Step.SCHOOL_REPLY)[0].due == date(2027, 7, 16)

    report = council.review(date(2027, 7, 19))  # the reminder would be due after 21 July

    assert case_id in report.attention
    with council.uow() as uow:
        [flagged] = [a for a in uow.attention.all() if a.case_id == case_id]
    assert flagged.reason.startswith("school calendar not loaded for 22 July 2027 to")
    assert "school_enquiry_reminder:1" not in council.step_keys(case_id)
    with pytest.raises(CalendarNotLoaded, match="school calendar not loaded for 22 July 2027"):
        council.decide(case_id, "home_visit", "family_found_no_place", on=date(2027, 7, 19))

    rows = [
        *autumn_2026_calendar(),
        {"school_urn": "", "start_date": "2027-09-02", "end_date": "2027-10-22", "kind": "term"},
    ]
    import_calendar(council.uow(), write_csv(council.folder / "next.csv", rows, CALENDAR_COLUMNS))
    council.review(date(2027, 7, 20))

    reminder = council.deadlines(case_id, Step.SCHOOL_REPLY)[-1]
    assert (reminder.round, reminder.due) == (2, date(2027, 9, 7))  # 21 July, 2, 3, 6, 7 Sept
    with council.uow() as uow:
        assert not [a for a in uow.attention.all() if a.case_id == case_id]


# -- the routes for groups the CME guidance names ----------------------------------------------


def test_a_traveller_familys_case_closes_on_a_move_only_with_where_the_family_went(
    council: DatedCouncil,
) -> None:
    case_id = council.open_case(forename="Tomasz", vulnerabilities="Traveller")
    with pytest.raises(DecisionRefused, match="Gypsy, Roma or Traveller family"):
        council.decide(case_id, "school_reply", "moved_abroad", on=date(2026, 11, 24))
    with pytest.raises(DecisionRefused, match="--destination"):
        council.decide(case_id, "closure", "moved_wales_scotland_ni", on=date(2026, 11, 24))
    assert council.case(case_id).is_open

    council.decide(
        case_id, "closure", "moved_abroad", on=date(2026, 11, 25), destination="County Galway"
    )

    assert council.case(case_id).outcome is Outcome.MOVED_ABROAD
    [closure] = [d for d in council.decisions(case_id) if d.kind == "closure"]
    assert closure.details["destination"] == "County Galway"


def test_an_armed_forces_family_moving_on_is_told_to_the_forces_education_advisers(
    council: DatedCouncil,
) -> None:
    moved = council.open_case(forename="Grace", vulnerabilities="service child")
    placed = council.open_case(forename="Mei", vulnerabilities="armed forces")

    council.decide(moved, "closure", "moved_abroad", on=date(2026, 11, 24), why="posted abroad")
    council.decide(placed, "closure", "on_roll_here", on=date(2026, 11, 24), why="admitted")

    letter = council.letter(moved, "armed_forces:1")
    assert letter.recipient_email == council.settings.contacts.armed_forces_email
    text = pdf_text(letter)
    assert "armed forces family that has moved on" in text
    assert "moved abroad" in text
    assert "armed_forces:1" not in council.step_keys(placed)  # placed here: nothing to follow


def test_a_young_carer_is_a_fair_access_category_by_the_risk_vocabulary() -> None:
    assert fair_access_categories(("young_carer",)) == ["carer", "out_of_education"]
    assert fair_access_categories(("sen", "ehcp")) == ["out_of_education"]
