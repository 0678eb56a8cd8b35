"""The CME procedure after intake, branch by branch, on SQLite and PostgreSQL.

Each test walks one case (or a few) through the steps with explicit dates on the synthetic
council's calendar: Procedure for what a person or intake sets off, review_cases for what the
daily sweep does when a step is overdue. Letters are real PDFs kept under CME_HOME/letters.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pypdf import PdfReader

from missing_education.domain import NOTIFICATION_COLUMNS, Case, DecisionRefused, Outcome, Status
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.decision import DECISIONS, DecisionRequest
from missing_education.domain.directory import HomeVisit
from missing_education.domain.letter import Channel, Delivery, LetterRecord
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.calendar import CALENDAR_COLUMNS, import_calendar
from missing_education.services.directory import (
    OFFICER_COLUMNS,
    SCHOOL_COLUMNS,
    import_officers,
    import_schools,
)
from missing_education.services.intake import ingest_file
from missing_education.services.procedure import Procedure, StepReport
from missing_education.services.sweep import review_cases
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import Settings, load_settings
from synthetic.council import autumn_2026_calendar, write_csv

T = TypeVar("T")

REFERRAL = date(2026, 11, 16)  # a Monday in the second half of the autumn term
COUNCIL_SCHOOL = "112233"  # follows the council's term dates
ACADEMY = "144556"  # its own terms, with an INSET day on Friday 27 November 2026
SCHOOLS = [
    {
        "urn": COUNCIL_SCHOOL,
        "name": "Matlock Primary School",
        "email": "office@matlock-primary.example",
        "address_line1": "School Lane",
        "town": "Matlock",
        "postcode": "DE4 3AA",
    },
    {
        "urn": ACADEMY,
        "name": "Chesterfield Academy",
        "email": "admin@chesterfield-academy.example",
        "address_line1": "Academy Road",
        "town": "Chesterfield",
        "postcode": "S40 1AA",
    },
]
OFFICER = {
    "code": "EWO1",
    "name": "Sam Fletcher",
    "email": "sam.fletcher@synthetic-county.example",
    "phone": "01629 000101",
    "areas": "DE4",
    "capacity": "10",
}
FORENAMES = ("Amira", "Tomasz", "Grace", "Yusuf", "Zofia", "Oskar", "Priya", "Leo", "Mei", "Ruby")


class Council:
    """The synthetic council's case database, with the steps of the procedure as one-liners."""

    def __init__(self, url: str, folder: Path) -> None:
        global _DATABASE  # pdf_text(letter) reads the letter's PDF from this council's database
        _DATABASE = url
        self.url = url
        self.folder = folder
        self.settings: Settings = load_settings()
        self._files = 0
        write_csv(folder / "calendar.csv", autumn_2026_calendar(), CALENDAR_COLUMNS)
        import_calendar(self.uow(), folder / "calendar.csv")
        import_schools(self.uow(), write_csv(folder / "schools.csv", SCHOOLS, SCHOOL_COLUMNS))

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.url)

    def add_officer(self, **changes: str) -> None:
        self._files += 1
        path = self.folder / f"officers-{self._files}.csv"
        import_officers(self.uow(), write_csv(path, [{**OFFICER, **changes}], OFFICER_COLUMNS))

    # -- intake ------------------------------------------------------------------------------

    def notify(self, *, on: date = REFERRAL, **fields: str) -> int:
        """Take in one notification (a child of compulsory school age in DE4 by default)."""
        self._files += 1
        row = {
            "forename": FORENAMES[self._files % len(FORENAMES)] + chr(ord("a") + self._files % 26),
            "surname": "Khan",
            "date_of_birth": "2015-03-04",
            "sex": "F",
            "address_line1": "12 Mill Road",
            "town": "Matlock",
            "postcode": "DE4 3AB",
            "parent_name": "Nadia Khan",
            "school_urn": COUNCIL_SCHOOL,
            "school_name": "Matlock Primary School",
            "reason": "deleted_from_roll_ground_i",
            "referrer_name": "J. Patel",
            "referrer_organisation": "Matlock Primary School",
            "referrer_email": "office@matlock-primary.example",
            "referral_date": on.isoformat(),
            **fields,
        }
        path = write_csv(
            self.folder / f"notifications-{self._files}.csv", [row], NOTIFICATION_COLUMNS
        )
        report = ingest_file(self.uow(), path, settings=self.settings, today=on)
        assert report.rejected == 0, report.rejections
        return (report.opened_case_ids + report.linked_case_ids)[0]

    def open_case(self, *, on: date = REFERRAL, **fields: str) -> int:
        """Notified, acknowledged and investigated on one day, as receive-notifications does."""
        case_id = self.notify(on=on, **fields)
        self.act(on, lambda p: p.acknowledge([case_id]))
        self.act(on, lambda p: p.investigate(case_id))
        return case_id

    # -- the procedure -----------------------------------------------------------------------

    def act(self, on: date, step: Callable[[Procedure], T]) -> T:
        """Run one step of the procedure as of `on`, in one transaction."""
        with self.uow() as uow:
            result = step(Procedure(uow, self.settings, on))
            uow.commit()
        return result

    def decide(
        self, case_id: int, kind: str, answer: str, *, on: date, **details: Any
    ) -> StepReport:
        return self.act(
            on, lambda p: p.decide(case_id, kind, answer, who="coordinator", details=details)
        )

    def review(self, on: date) -> StepReport:
        return review_cases(self.uow(), settings=self.settings, today=on)

    def review_every_school_day(self, start: date, end: date) -> None:
        day = start
        while day <= end:
            if day.weekday() < 5:
                self.review(day)
            day += timedelta(days=1)

    # -- what the database holds -------------------------------------------------------------

    def case(self, case_id: int) -> Case:
        with self.uow() as uow:
            return uow.cases.get(case_id)

    def letters(self, case_id: int | None = None) -> list[LetterRecord]:
        """The letters, each typeset first (as the renderer does after every step)."""
        typeset_letters(self.uow(), settings=self.settings, today=REFERRAL, workers=1)
        with self.uow() as uow:
            if case_id is None:
                return uow.letters.outbox()
            return uow.letters.for_case(case_id)

    def letter(self, case_id: int, step_key: str) -> LetterRecord:
        found = [x for x in self.letters(case_id) if x.step_key == step_key]
        assert found, f"no {step_key} letter; have {self.step_keys(case_id)}"
        return found[0]

    def step_keys(self, case_id: int) -> list[str]:
        return [x.step_key for x in self.letters(case_id)]

    def deadlines(self, case_id: int, step: Step) -> list[Deadline]:
        with self.uow() as uow:
            found = [d for d in uow.deadlines.for_case(case_id) if d.step is step]
        return sorted(found, key=lambda d: d.round)

    def waiting(self, case_id: int) -> list[str]:
        return sorted(d.kind for d in self.decisions(case_id) if d.is_open)

    def decisions(self, case_id: int) -> list[DecisionRequest]:
        with self.uow() as uow:
            return uow.decisions.for_case(case_id)

    def visits(self, case_id: int) -> list[HomeVisit]:
        with self.uow() as uow:
            return uow.directory.visits(case_id)

    def officer_id(self, code: str) -> int:
        with self.uow() as uow:
            return next(o.id for o in uow.directory.officers() if o.code == code)


@pytest.fixture
def council(database_url: str, tmp_path: Path) -> Council:
    """The synthetic council with its calendar, two schools and one officer covering DE4."""
    made = Council(database_url, tmp_path)
    made.add_officer()
    return made


@pytest.fixture
def unstaffed_council(database_url: str, tmp_path: Path) -> Council:
    """The same council before any education welfare officer is loaded."""
    return Council(database_url, tmp_path)


_DATABASE = ""


def letter_pdf(letter: LetterRecord) -> bytes:
    """The letter's PDF as the letter store keeps it."""
    with SqlUnitOfWork(_DATABASE) as uow:
        pdf = uow.documents.read(letter.id)
    assert pdf is not None, f"letter {letter.id} has no PDF"
    return pdf


def pdf_text(letter: LetterRecord) -> str:
    reader = PdfReader(io.BytesIO(letter_pdf(letter)))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def assert_closed_with_letters(council: Council, case_id: int, outcome: Outcome) -> None:
    case = council.case(case_id)
    assert (case.status, case.outcome) == (Status.CLOSED, outcome)
    keys = council.step_keys(case_id)
    for key in ("closure_school", "closure_parent", "closure_referrer"):
        assert key in keys
    with council.uow() as uow:
        assert not [d for d in uow.deadlines.for_case(case_id) if d.is_open]
        # Whatever it still had waiting is nobody's work now: off the coordinators' list.
        assert not [d for d in uow.decisions.waiting() if d.case_id == case_id]


# -- intake follow-up ---------------------------------------------------------------------------


def test_each_referrer_is_acknowledged_once_and_acknowledging_again_makes_no_second_letter(
    council: Council,
) -> None:
    case_id = council.notify(forename="Amira")
    linked = council.notify(
        on=REFERRAL + timedelta(days=1),
        forename="Amira",
        referrer_name="R. Hughes",
        referrer_organisation="Housing Options",
        referrer_email="housing@synthetic-county.example",
    )
    assert linked == case_id

    first = council.act(REFERRAL + timedelta(days=1), lambda p: p.acknowledge([case_id]))
    council.act(REFERRAL + timedelta(days=2), lambda p: p.acknowledge([case_id, case_id]))

    acknowledgements = [x for x in council.letters(case_id) if x.letter_type == "acknowledgement"]
    assert sorted(x.recipient_email for x in acknowledgements) == [
        "housing@synthetic-county.example",
        "office@matlock-primary.example",
    ]
    assert all(x.channel is Channel.EMAIL for x in acknowledgements)
    assert first.actions == {"acknowledged": 2}
    assert len(council.letters()) == 2, "acknowledging again made another letter"


def test_a_safeguarding_flag_sends_a_social_care_referral_at_intake(council: Council) -> None:
    flagged = council.notify(vulnerabilities="child_protection")
    plain = council.notify(vulnerabilities="young_carer")

    report = council.act(REFERRAL, lambda p: p.acknowledge([flagged, plain]))

    referral = council.letter(flagged, "social_care_referral:intake")
    assert referral.letter_type == "social_care_referral"
    assert referral.recipient_email == council.settings.contacts.mash_email
    assert report.actions["referred_to_social_care"] == 1
    assert "social_care_referral:intake" not in council.step_keys(plain)
    # The referral goes at once: before any CME step (enquiry, visit) has been taken.
    assert council.case(flagged).status is Status.INVESTIGATING


# -- investigation ------------------------------------------------------------------------------


def test_investigating_sends_the_school_an_enquiry_due_in_ten_school_days_on_its_own_calendar(
    council: Council,
) -> None:
    today = date(2026, 11, 25)
    council_school = council.open_case(on=today)
    academy = council.open_case(
        on=today, school_urn=ACADEMY, school_name="Chesterfield Academy", postcode="S40 2AB"
    )

    # Ten school days after Wednesday 25 November; the academy closes on Friday 27th (INSET).
    for case_id, due, written in (
        (council_school, date(2026, 12, 9), "9 December 2026"),
        (academy, date(2026, 12, 10), "10 December 2026"),
    ):
        [deadline] = council.deadlines(case_id, Step.SCHOOL_REPLY)
        assert (deadline.base_date, deadline.due, deadline.school_days) == (today, due, 10)
        enquiry = council.letter(case_id, "school_enquiry:1")
        assert enquiry.channel is Channel.EMAIL
        assert f"Please reply by {written}" in pdf_text(enquiry)
        assert "school_reply" in council.waiting(case_id)
    assert council.letter(academy, "school_enquiry:1").recipient_email == SCHOOLS[1]["email"]


def test_investigating_writes_to_the_parent_by_post(council: Council) -> None:
    case_id = council.open_case()

    contact = council.letter(case_id, "parent_contact:1")
    assert (contact.channel, contact.recipient_role, contact.recipient_email) == (
        Channel.POST,
        "parent",
        "",
    )
    assert "Nadia Khan" in pdf_text(contact)


def test_investigating_gives_the_home_visit_to_the_officer_for_the_area_within_five_school_days(
    council: Council,
) -> None:
    today = date(2026, 11, 25)
    case_id = council.open_case(on=today)

    [visit] = council.visits(case_id)
    assert (visit.round, visit.officer_id, visit.assigned_on) == (
        1,
        council.officer_id("EWO1"),
        today,
    )
    [deadline] = council.deadlines(case_id, Step.HOME_VISIT)
    assert (deadline.due, deadline.school_days) == (date(2026, 12, 2), 5)
    assert "home_visit" in council.waiting(case_id)


def test_with_no_officer_for_the_area_the_visit_waits_unassigned_until_a_review_finds_one(
    unstaffed_council: Council,
) -> None:
    council = unstaffed_council
    council.add_officer(code="EWO9", areas="S40;SK17")  # covers other districts only
    case_id = council.open_case()

    [visit] = council.visits(case_id)
    assert visit.officer_id is None
    assert council.deadlines(case_id, Step.HOME_VISIT) == []
    assert council.review(REFERRAL + timedelta(days=1)).actions == {}

    council.add_officer()  # EWO1, covering DE4
    report = council.review(REFERRAL + timedelta(days=2))
    again = council.review(REFERRAL + timedelta(days=2))

    [visit] = council.visits(case_id)
    assert visit.officer_id == council.officer_id("EWO1")
    assert visit.assigned_on == REFERRAL + timedelta(days=2)
    assert report.actions == {"home_visit_assigned": 1}
    assert again.actions == {}
    [deadline] = council.deadlines(case_id, Step.HOME_VISIT)
    assert deadline.base_date == REFERRAL + timedelta(days=2)


# -- home visit decisions -----------------------------------------------------------------------


def test_nobody_at_home_leaves_a_calling_card_and_asks_for_a_second_visit(council: Council) -> None:
    case_id = council.open_case()
    visit_day = date(2026, 11, 19)

    report = council.decide(case_id, "home_visit", "no_answer", on=visit_day)

    card = council.letter(case_id, "calling_card:1")
    assert (card.channel, card.recipient_role) == (Channel.POST, "parent")
    assert "Sam Fletcher" in pdf_text(card)
    first, second = council.visits(case_id)
    assert (first.outcome, first.visited_on) == ("no_answer", visit_day)
    assert (second.round, second.officer_id) == (2, council.officer_id("EWO1"))
    assert [d.round for d in council.deadlines(case_id, Step.HOME_VISIT)] == [1, 2]
    assert council.deadlines(case_id, Step.HOME_VISIT)[0].met_on == visit_day
    assert "home_visit" in council.waiting(case_id)
    assert report.actions["home_visit:no_answer"] == 1
    assert council.case(case_id).status is Status.INVESTIGATING


def test_a_family_found_without_a_place_goes_through_admissions_and_fair_access_to_a_place(
    council: Council,
) -> None:
    case_id = council.open_case()
    found_on = date(2026, 11, 18)
    council.decide(case_id, "home_visit", "family_found_no_place", on=found_on)
    assert council.case(case_id).status is Status.LOCATED
    [secure] = council.deadlines(case_id, Step.SECURE_PLACE)
    assert secure.due == date(2026, 11, 27)  # 7 school days
    assert council.deadlines(case_id, Step.LOCATE_CHILD)[0].met_on == found_on

    # No place secured in 7 school days: the sweep refers to in-year admissions.
    assert council.review(date(2026, 11, 27)).actions.get("referred_to_admissions") is None
    council.review(date(2026, 11, 30))
    assert council.case(case_id).status is Status.AWAITING_ADMISSION
    referral = council.letter(case_id, "admissions_referral:1")
    assert referral.recipient_email == council.settings.contacts.admissions_email
    assert "admissions" in council.waiting(case_id)

    council.decide(case_id, "admissions", "not_placed", on=date(2026, 12, 3))
    assert council.case(case_id).status is Status.FAIR_ACCESS
    assert council.letter(case_id, "fair_access_referral:1").recipient_email == (
        council.settings.contacts.fair_access_email
    )
    [fair_access] = council.deadlines(case_id, Step.FAIR_ACCESS_PLACE)
    assert fair_access.school_days == 20

    council.decide(case_id, "fair_access", "placed", on=date(2026, 12, 10))
    assert_closed_with_letters(council, case_id, Outcome.ON_ROLL_HERE)
    assert council.case(case_id).closed_on == date(2026, 12, 10)
    assert "joint enquiries" in pdf_text(council.letter(case_id, "closure_school")).lower()


def test_elective_home_education_closes_the_case_and_tells_the_ehe_team(council: Council) -> None:
    case_id = council.open_case()

    council.decide(case_id, "home_visit", "elective_home_education", on=date(2026, 11, 19))

    assert_closed_with_letters(council, case_id, Outcome.EHE)
    told = council.letter(case_id, "ehe_team:1")
    assert (told.letter_type, told.recipient_email) == (
        "closure_referrer",
        council.settings.contacts.ehe_team_email,
    )


def test_a_move_to_another_council_is_handed_over_and_closes_when_the_roll_is_confirmed(
    council: Council,
) -> None:
    case_id = council.open_case()

    council.decide(
        case_id,
        "home_visit",
        "moved_other_council",
        on=date(2026, 11, 19),
        other_council="Sheffield City Council",
        other_council_email="cme@sheffield.example",
    )
    assert council.case(case_id).status is Status.HANDOVER
    enquiry = council.letter(case_id, "other_la_enquiry:1")
    assert (enquiry.recipient, enquiry.recipient_email) == (
        "Sheffield City Council",
        "cme@sheffield.example",
    )
    assert "handover" in council.waiting(case_id)
    [confirmation] = council.deadlines(case_id, Step.HANDOVER_CONFIRMATION)
    assert confirmation.is_open

    council.decide(case_id, "handover", "confirmed_on_roll", on=date(2026, 12, 1))
    assert_closed_with_letters(council, case_id, Outcome.ON_ROLL_ELSEWHERE)


def test_a_move_abroad_closes_the_case(council: Council) -> None:
    case_id = council.open_case()

    council.decide(case_id, "home_visit", "moved_abroad", on=date(2026, 11, 19))

    assert_closed_with_letters(council, case_id, Outcome.MOVED_ABROAD)


def test_a_parent_who_refuses_education_is_served_an_s437_notice_with_15_days_from_service(
    council: Council,
) -> None:
    case_id = council.open_case()
    served = date(2026, 11, 19)

    council.decide(case_id, "home_visit", "refuses_education", on=served)

    assert council.case(case_id).status is Status.S437_ISSUED
    notice = council.letter(case_id, "s437_notice:1")
    assert (notice.channel, notice.recipient_role) == (Channel.POST, "parent")
    # Posted the next business day (Friday 20), deemed served Tuesday 24: 15 days to 8 December.
    assert notice.reply_by == date(2026, 12, 8)
    assert "8 December 2026" in pdf_text(notice)
    # The period runs from service: no deadline until the post is confirmed.
    assert council.deadlines(case_id, Step.S437_COMPLIANCE) == []
    assert "s437" in council.waiting(case_id)


def test_a_school_that_still_has_the_child_on_roll_closes_the_case_as_not_cme(
    council: Council,
) -> None:
    case_id = council.open_case()

    council.decide(case_id, "school_reply", "on_roll_here", on=date(2026, 11, 20))

    assert_closed_with_letters(council, case_id, Outcome.NOT_CME)
    assert council.deadlines(case_id, Step.SCHOOL_REPLY)[0].met_on == date(2026, 11, 20)


# -- the daily sweep ----------------------------------------------------------------------------


def test_a_school_that_does_not_reply_is_reminded_then_escalated_to_the_manager(
    council: Council,
) -> None:
    case_id = council.open_case(on=date(2026, 11, 25))  # reply due 9 December

    council.review(date(2026, 12, 9))
    assert "school_enquiry_reminder:1" not in council.step_keys(case_id)

    council.review(date(2026, 12, 10))
    reminder = council.letter(case_id, "school_enquiry_reminder:1")
    assert reminder.recipient_email == SCHOOLS[0]["email"]
    first, second = council.deadlines(case_id, Step.SCHOOL_REPLY)
    assert first.acted_on == date(2026, 12, 10)
    assert (second.round, second.due) == (2, date(2026, 12, 17))  # 5 school days' grace

    council.review(date(2026, 12, 17))
    assert not [k for k in council.step_keys(case_id) if "school_enquiry_reply" in k]
    council.review(date(2026, 12, 18))
    escalation = council.letter(case_id, "manager_escalation:school_enquiry_reply:1")
    assert escalation.recipient_email == council.settings.contacts.manager_email
    assert council.case(case_id).is_open


def test_a_child_not_located_in_20_school_days_is_escalated_then_monitored_until_past_school_age(
    council: Council,
) -> None:
    # Sixteen in January 2027: compulsory school age ends on Friday 25 June 2027.
    case_id = council.open_case(date_of_birth="2011-01-10")
    assert council.case(case_id).csa_ends == date(2027, 6, 25)

    council.review(date(2026, 12, 14))
    assert council.case(case_id).status is Status.INVESTIGATING
    report = council.review(date(2026, 12, 15))

    assert report.actions["escalated_not_located"] == 1
    assert council.case(case_id).status is Status.ESCALATED
    referral = council.letter(case_id, "social_care_referral:not_located")
    assert referral.recipient_email == council.settings.contacts.mash_email
    assert {"lpd_search", "police_notification"} <= set(council.waiting(case_id))

    council.decide(case_id, "police_notification", "notify", on=date(2026, 12, 16))
    assert council.letter(case_id, "police_notification:1").recipient_email == (
        council.settings.contacts.police_email
    )
    council.decide(case_id, "lpd_search", "not_found", on=date(2026, 12, 16))
    assert council.case(case_id).status is Status.ESCALATED

    # Monitoring: a review every 28 days from the escalation until the child is found.
    day = date(2026, 12, 15)
    for _ in range(6):
        due = council.deadlines(case_id, Step.MONITORING_REVIEW)[-1].due
        assert due == day + timedelta(days=28)
        day = due + timedelta(days=1)
        assert council.review(day).actions["monitoring_review"] == 1
        assert council.case(case_id).status is Status.MONITORING
    rounds = council.deadlines(case_id, Step.MONITORING_REVIEW)
    assert [d.round for d in rounds] == [1, 2, 3, 4, 5, 6, 7]

    # The first review after the school leaving date (Friday 25 June) closes the case, before
    # its monthly review is due: no CME step follows the end of compulsory school age.
    assert rounds[-1].due == date(2027, 7, 5)
    assert council.review(date(2027, 6, 25)).actions == {}
    assert council.review(date(2027, 6, 28)).actions == {"closed_past_csa": 1}
    assert council.review(date(2027, 7, 6)).actions == {}
    case = council.case(case_id)
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.PAST_CSA)
    assert "closure_referrer" in council.step_keys(case_id)


def test_a_decision_arriving_after_escalation_is_applied_and_social_care_is_told(
    council: Council,
) -> None:
    case_id = council.open_case()
    council.review(date(2026, 12, 15))
    assert council.case(case_id).status is Status.ESCALATED

    report = council.decide(case_id, "home_visit", "family_found_no_place", on=date(2026, 12, 16))

    assert council.case(case_id).status is Status.LOCATED
    told = council.letter(case_id, "located_after_escalation:home_visit:1")
    assert (told.letter_type, told.recipient_email) == (
        "closure_referrer",
        council.settings.contacts.mash_email,
    )
    assert "located after our referral" in pdf_text(told)
    assert report.actions["social_care_told_located"] == 1
    assert council.deadlines(case_id, Step.SECURE_PLACE)[0].is_open


def test_a_child_lost_again_after_a_failed_handover_is_referred_and_monitored_again(
    council: Council,
) -> None:
    case_id = council.open_case()
    council.review(date(2026, 12, 15))  # not located: escalated, first review due 12 January
    council.review(date(2027, 1, 13))
    assert council.case(case_id).status is Status.MONITORING
    council.decide(case_id, "lpd_search", "not_found", on=date(2027, 1, 14))
    council.decide(case_id, "police_notification", "notify", on=date(2027, 1, 14))
    council.decide(
        case_id,
        "home_visit",
        "moved_other_council",
        on=date(2027, 1, 14),
        other_council="Sheffield City Council",
        other_council_email="cme@sheffield.example",
    )
    council.review(date(2027, 2, 11))  # the monthly review falls due during the handover

    council.decide(case_id, "handover", "not_confirmed", on=date(2027, 2, 12))

    assert council.case(case_id).status is Status.ESCALATED
    keys = council.step_keys(case_id)
    assert "located_after_escalation:home_visit:1" in keys
    assert "social_care_referral:not_located:2" in keys
    assert {"lpd_search", "police_notification"} <= set(council.waiting(case_id))
    [review] = [d for d in council.deadlines(case_id, Step.MONITORING_REVIEW) if d.is_open]
    assert review.due == date(2027, 2, 12) + timedelta(days=28)
    council.review(review.due + timedelta(days=1))
    assert council.case(case_id).status is Status.MONITORING


# -- idempotency --------------------------------------------------------------------------------


def test_reviewing_twice_on_the_same_day_does_nothing_the_second_time(council: Council) -> None:
    for _ in range(3):
        council.open_case()

    first = council.review(date(2026, 12, 15))
    letters = len(council.letters())
    second = council.review(date(2026, 12, 15))

    assert first.actions["escalated_not_located"] == 3
    assert (second.actions, second.letters) == ({}, 0)
    assert len(council.letters()) == letters


def test_a_sweep_after_ten_days_of_downtime_catches_up_on_everything_overdue(
    council: Council,
) -> None:
    case_id = council.open_case()  # visit due 23 November, reply 30 November, locate 14 December
    council.review_every_school_day(date(2026, 11, 17), date(2026, 12, 4))
    assert council.letter(case_id, "manager_escalation:home_visit:1")
    assert council.letter(case_id, "school_enquiry_reminder:1")  # its grace ends 8 December
    before = set(council.step_keys(case_id))

    # Nothing runs from Saturday 5 to Monday 14 December: both remaining steps fall in the gap.
    report = council.review(date(2026, 12, 15))

    assert report.actions == {"escalated_not_located": 1, "escalated_to_manager": 1}
    assert set(council.step_keys(case_id)) - before == {
        "manager_escalation:school_enquiry_reply:1",
        "social_care_referral:not_located",
        "school_escalation",  # joint enquiries have failed: reg 9(1)(i)
    }
    assert council.case(case_id).status is Status.ESCALATED
    assert council.review(date(2026, 12, 15)).actions == {}


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_sweeps_racing_make_each_escalation_letter_exactly_once(council: Council) -> None:
    cases = [council.open_case() for _ in range(6)]
    day = date(2026, 12, 15)  # home visit, school reply and locate deadlines all overdue
    barrier = threading.Barrier(2)
    reports: list[StepReport] = []
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            reports.append(
                review_cases(SqlUnitOfWork(council.url), settings=council.settings, today=day)
            )
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(reports) == 2
    per_step = Counter((x.case_id, x.step_key) for x in council.letters())
    assert max(per_step.values()) == 1
    for case_id in cases:
        keys = council.step_keys(case_id)
        assert "social_care_referral:not_located" in keys
        assert "school_enquiry_reminder:1" in keys
        assert "manager_escalation:home_visit:1" in keys
    together = Counter[str]()
    for report in reports:
        together.update(report.actions)
    assert together == {
        "escalated_not_located": 6,
        "school_reminded": 6,
        "escalated_to_manager": 6,
    }


def test_the_same_decision_submitted_twice_is_applied_once(council: Council) -> None:
    case_id = council.open_case()
    day = date(2026, 11, 19)

    first = council.decide(case_id, "home_visit", "no_answer", on=day)
    letters = council.step_keys(case_id)
    second = council.decide(case_id, "home_visit", "no_answer", on=day)

    assert first.actions["home_visit:no_answer"] == 1
    assert second.actions == {}
    assert council.step_keys(case_id) == letters
    assert len(council.visits(case_id)) == 2
    answered = [d for d in council.decisions(case_id) if d.kind == "home_visit" and d.answer]
    assert len(answered) == 1

    # A decision that closes the case, sent twice, is not refused the second time either.
    council.decide(case_id, "home_visit", "moved_abroad", on=day + timedelta(days=1))
    letters = council.step_keys(case_id)
    assert (
        council.decide(case_id, "home_visit", "moved_abroad", on=day + timedelta(days=1)).actions
        == {}
    )
    assert council.step_keys(case_id) == letters


# -- refusals -----------------------------------------------------------------------------------


def test_a_closed_case_refuses_further_decisions(council: Council) -> None:
    case_id = council.open_case()
    council.decide(case_id, "home_visit", "moved_abroad", on=date(2026, 11, 19))
    letters = len(council.letters(case_id))

    with pytest.raises(DecisionRefused, match="closed"):
        council.decide(case_id, "home_visit", "family_found_no_place", on=date(2026, 11, 20))

    assert council.case(case_id).outcome is Outcome.MOVED_ABROAD
    assert len(council.letters(case_id)) == letters


def test_an_unknown_decision_or_answer_is_refused_with_the_choices(council: Council) -> None:
    case_id = council.open_case()

    with pytest.raises(DecisionRefused) as unknown_kind:
        council.decide(case_id, "home_vist", "no_answer", on=date(2026, 11, 19))
    with pytest.raises(DecisionRefused) as unknown_answer:
        council.decide(case_id, "home_visit", "nobody_home", on=date(2026, 11, 19))

    assert all(kind in str(unknown_kind.value) for kind in DECISIONS)
    assert all(answer in str(unknown_answer.value) for answer in DECISIONS["home_visit"])
    assert council.visits(case_id)[0].outcome is None


# -- letters as evidence ------------------------------------------------------------------------


def test_every_letter_is_kept_as_evidence_with_its_hash_and_template_version_in_the_database(
    council: Council, isolated_home: Path
) -> None:
    case_id = council.open_case(vulnerabilities="child_protection")
    council.decide(case_id, "home_visit", "no_answer", on=date(2026, 11, 19))
    council.decide(case_id, "home_visit", "refuses_education", on=date(2026, 11, 23))

    letters = council.letters()
    assert len(letters) == 6
    for letter in letters:
        pdf = letter_pdf(letter)
        assert hashlib.sha256(pdf).hexdigest() == letter.sha256
        assert len(letter.template_version) == 16
        assert letter.pages >= 1
        assert letter.typeset_at is not None
        assert letter.status is Delivery.QUEUED
        assert pdf.startswith(b"%PDF")
    # Nothing a second host would need is kept under CME_HOME.
    assert not (isolated_home / "letters").exists()
