"""The CME procedure after intake: acknowledge, investigate, apply decisions, close with letters.

Every step is idempotent: letters are keyed by step, deadlines by step and round, decisions by
kind and round, so a re-run after a crash or a duplicate trigger does nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from missing_education.clock import LONDON, now
from missing_education.domain import SYSTEM, Case, DecisionRefused, HistoryEntry, Outcome, Status
from missing_education.domain.deadline import Step, new_deadline
from missing_education.domain.decision import (
    Answer,
    DecisionKind,
    DecisionRequest,
    answer_of,
    check_decided_by,
    is_email,
    kind_of,
    step_key,
)
from missing_education.domain.directory import HomeVisit, choose_officer, postcode_district
from missing_education.domain.email_address import email_problem
from missing_education.domain.letter import LetterRecord, Recipient
from missing_education.domain.limits import check_decision_text
from missing_education.domain.risk import read_risks
from missing_education.domain.words import (
    answer_words,
    letter_words,
    long_date,
    parent_next_steps,
    step_words,
)
from missing_education.matching import Thresholds
from missing_education.ports import UnitOfWork
from missing_education.rules.calendar import SchoolCalendar
from missing_education.services import recipients, residence, safeguarding
from missing_education.services.calendar import load_calendar
from missing_education.services.checks import check_databases, outcome_for
from missing_education.services.letters import LetterRequest, issue_letters
from missing_education.settings import Settings

OUTCOME_WORDS = {
    Outcome.ON_ROLL_HERE: "The child is now on the roll of a school in our area.",
    Outcome.ON_ROLL_ELSEWHERE: "The child is on the roll of a school in another area of England.",
    Outcome.MOVED_WITHIN_UK: "The child has moved to Wales, Scotland or Northern Ireland.",
    Outcome.MOVED_ABROAD: "We have evidence that the child has moved abroad.",
    Outcome.EHE: "The child is being educated at home by their parents.",
    Outcome.ALTERNATIVE_PROVISION: "The child is receiving education other than at school.",
    Outcome.CUSTODY: "The child is in custody and receiving education there.",
    Outcome.PAST_CSA: "The child is now past compulsory school age.",
    Outcome.DIED: "We are very sorry to record that the child has died.",
    Outcome.NOT_CME: "The child was not missing education.",
    Outcome.OUT_OF_AREA: (
        "The child lives outside our area; the council where they live has taken the case."
    ),
    Outcome.WHEREABOUTS_UNKNOWN: (
        "All enquiries are complete and the child's whereabouts remain unknown; the Lost Pupil "
        "Database, children's social care and the police have been informed."
    ),
}
# Deletion-from-roll grounds, The School Attendance (Pupil Registration) (England) Regulations
# 2024 reg 9(1), as closure letters to schools state them.
DELETION_GROUNDS = {
    Outcome.ON_ROLL_HERE: "9(1)(a): registered at another school",
    Outcome.ON_ROLL_ELSEWHERE: "9(1)(a): registered at another school",
    Outcome.MOVED_WITHIN_UK: "9(1)(g): moved out of reasonable distance",
    Outcome.MOVED_ABROAD: "9(1)(g): moved out of reasonable distance",
    Outcome.EHE: "9(1)(f): parent's written notice of elective home education",
    Outcome.CUSTODY: "9(1)(j): in custody",
    Outcome.PAST_CSA: "9(1)(l): ceased to be of compulsory school age",
    Outcome.DIED: "9(1)(k): died",
    Outcome.WHEREABOUTS_UNKNOWN: "9(1)(i): joint enquiries by school and council have failed",
}


# Letters that are CME action: none may go once the child is past compulsory school age.
CME_ACTION_LETTERS = frozenset(
    {
        "school_enquiry",
        "school_enquiry_reminder",
        "parent_contact",
        "calling_card",
        "s437_notice",
        "admissions_referral",
        "fair_access_referral",
        "other_la_enquiry",
    }
)


@dataclass
class StepReport:
    """What a step did to a set of cases: counts and case ids only (no personal data)."""

    cases: int = 0
    letters: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    case_ids: list[int] = field(default_factory=list)
    # Cases a step failed on (flagged "needs attention"), with the reason category (issue 15).
    attention: dict[int, str] = field(default_factory=dict)

    def count(self, action: str, case_id: int) -> None:
        """Record one action on one case."""
        self.actions[action] = self.actions.get(action, 0) + 1
        if case_id not in self.case_ids:
            self.case_ids.append(case_id)
            self.cases += 1

    def fail(self, category: str, case_id: int) -> None:
        """Record that a step failed on one case, which was flagged and left for the next run."""
        self.attention[case_id] = category

    @property
    def failed(self) -> dict[str, int]:
        """How many cases failed, by reason category."""
        counts: dict[str, int] = {}
        for category in self.attention.values():
            counts[category] = counts.get(category, 0) + 1
        return counts

    def merge(self, other: StepReport) -> None:
        """Add another report's counts to this one (letters are counted by the caller)."""
        for action, number in other.actions.items():
            self.actions[action] = self.actions.get(action, 0) + number
        for case_id in other.case_ids:
            if case_id not in self.case_ids:
                self.case_ids.append(case_id)
                self.cases += 1
        self.attention.update(other.attention)


def visit_time(recorded: object, day: date) -> dict[str, Any]:
    """The calling card's visit time: `visited_at` as recorded (HH:MM on `day`, or a full
    date and time), else the day of the visit alone; DecisionRefused if it cannot be read.
    """
    if recorded is None or str(recorded).strip() == "":
        return {"on": day}
    text = str(recorded).strip()
    try:
        if len(text) <= 5:
            at = datetime.combine(day, datetime.strptime(text, "%H:%M").time())
        else:
            at = datetime.fromisoformat(text)
    except ValueError:
        raise DecisionRefused(
            f"visited_at must be a time (14:30) or a date and time (2026-11-24 14:30), not {text!r}"
        ) from None
    return {"at": at if at.tzinfo else at.replace(tzinfo=LONDON)}


# A decision's effect on its case: (case, answer code, who, the answer's facts, report).
DecisionHandler = Callable[[Case, str, str, dict[str, Any], StepReport], None]


def not_pending_reason(uow: UnitOfWork, case: Case, decision: DecisionKind) -> str:
    """Why a decision is refused when it is not pending on the case: what is pending instead."""
    asked = uow.decisions.for_case(case.id)
    pending = sorted({d.kind for d in asked if d.is_open} - {decision.value})
    given = [d for d in asked if d.kind == decision.value]
    said = ""
    if given and not given[-1].is_open:
        last = given[-1]
        said = f" (already answered: {last.answer} by {last.decided_by})"
    if not case.is_open:
        return f"{case.reference} is closed ({case.outcome}): nothing is pending"
    waiting = ", ".join(pending) if pending else "no decision"
    return (
        f"{case.reference} is not waiting for decision {decision.value}{said}; "
        f"it is {case.status.value} and waiting for: {waiting}"
    )


class Procedure:
    """The steps of the procedure over one unit of work, as of one day."""

    def __init__(self, uow: UnitOfWork, settings: Settings, today: date) -> None:
        self.uow = uow
        self.settings = settings
        self.today = today
        self._calendar: SchoolCalendar | None = None
        self.letters: list[LetterRecord] = []

    @property
    def calendar(self) -> SchoolCalendar:
        """The school calendar, loaded once per step."""
        if self._calendar is None:
            self._calendar = load_calendar(self.uow)
        return self._calendar

    # -- small building blocks ------------------------------------------------------------

    def letter(
        self, case: Case, letter_type: str, key: str, to: Recipient | None, **details: Any
    ) -> LetterRecord | None:
        """Issue a letter once for this step (None when there is nobody to send it to).

        After compulsory school age ends, only closure letters and referrals that keep a child
        safe go: no enquiry, notice or visit card (DOMAIN.md 4.7).
        """
        if to is None:
            return None
        if self.past_school_age(case) and letter_type in CME_ACTION_LETTERS:
            return None
        made = issue_letters(
            self.uow,
            [LetterRequest(case, letter_type, key, to, details)],
            settings=self.settings,
            today=self.today,
        )[0]
        self.letters.append(made)
        return made

    def past_school_age(self, case: Case) -> bool:
        """Whether the child ceased to be of compulsory school age before today."""
        return case.csa_ends is not None and self.today > case.csa_ends

    def deadline(
        self,
        case: Case,
        step: Step,
        *,
        school_days: int | None = None,
        calendar_days: int | None = None,
        school_urn: str = "",
        round: int = 1,
    ) -> date:
        """Set a step's deadline from today (kept as it is if that step and round has one)."""
        made = new_deadline(
            self.calendar,
            case.id,
            step,
            self.today,
            school_days=school_days,
            calendar_days=calendar_days,
            school_urn=school_urn,
            round=round,
        )
        self.uow.deadlines.add(made)
        for existing in self.uow.deadlines.for_case(case.id):
            if existing.step is step and existing.round == round:
                return existing.due
        return made.due

    def move(self, case: Case, status: Status, who: str, why: str) -> None:
        """Move the case on and save it."""
        case.move_to(status, at=now(), who=who, why=why)
        self.uow.cases.save(case)

    def evidence(self, case: Case) -> list[str]:
        """Enquiries made so far, one line each, for referral letters."""
        lines = [f"Notification received {case.referral_date:%d %B %Y}."]
        for letter in self.uow.letters.for_case(case.id):
            lines.append(
                f"{letter_words(letter.letter_type)} to {letter.recipient} "
                f"on {letter.created_at:%d %B %Y}."
            )
        for visit in self.uow.directory.visits(case.id):
            if visit.outcome:
                lines.append(f"Home visit: {answer_words(visit.outcome)}.")
        return lines

    # -- intake follow-up -----------------------------------------------------------------

    def acknowledge(self, case_ids: Sequence[int]) -> StepReport:
        """Acknowledge every notification on these cases to its referrer, once each."""
        report = StepReport()
        for case_id in case_ids:
            case = self.uow.cases.get(case_id)
            locate_by = next(
                (
                    d.due
                    for d in self.uow.deadlines.for_case(case_id)
                    if d.step is Step.LOCATE_CHILD
                ),
                self.calendar.add_school_days(
                    case.referral_date, self.settings.timescales.not_located_escalation
                ),
            )
            notifications = self.uow.notifications.for_case(case_id)
            if residence.is_handed_over(case):
                # Not ours to investigate: the referrer hears where the case went instead.
                residence.hand_over(self, case, report)
                safeguarding.refer_concerns(self, case, report, notifications)
                continue
            for notification in notifications:
                made = self.letter(
                    case,
                    "acknowledgement",
                    f"acknowledgement:{notification.id}",
                    recipients.referrer(notification),
                    notification_date=notification.referral_date,
                    deadline=locate_by,
                    safeguarding_phone=self.settings.contacts.mash_phone,
                )
                if made is not None:
                    report.count("acknowledged", case_id)
            # Every notification's concern goes to MASH at once; CME steps never delay it.
            safeguarding.refer_concerns(self, case, report, notifications)
        report.letters = len(self.letters)
        return report

    # -- investigation --------------------------------------------------------------------

    def investigate(self, case_id: int) -> StepReport:
        """Advance one case as far as it goes without a person: enquiries, letters, a visit."""
        report = StepReport()
        case = self.uow.cases.get(case_id)
        if case.status is not Status.INVESTIGATING:
            return report
        if self.past_school_age(case):
            self.close(case, Outcome.PAST_CSA, SYSTEM, "past compulsory school age")
            report.count("closed_past_csa", case.id)
            return report
        timescales = self.settings.timescales
        matching = self.settings.matching
        thresholds = Thresholds(matching.match_threshold, matching.possible_threshold)
        for check in check_databases(self.uow, case, thresholds):
            report.count(f"checked_{check.source_name}", case.id)
            if check.decision in ("match", "possible"):
                # A person confirms every link: a false one could close a missing child's case.
                self.uow.decisions.request(case.id, "match_review", self.today)
                report.count("match_review_requested", case.id)
        school = recipients.school(self.uow, case)
        if school is not None:
            reply_by = self.deadline(
                case,
                Step.SCHOOL_REPLY,
                school_days=timescales.school_enquiry_reply,
                school_urn=case.school_urn,
            )
            self.letter(
                case,
                "school_enquiry",
                "school_enquiry:1",
                school,
                school={"name": school.organisation, "urn": case.school_urn or "not known"},
                deadline=reply_by,
            )
            self.uow.decisions.request(case.id, "school_reply", self.today)
            report.count("school_enquiry", case.id)
        parent = recipients.parent(case, case.parent_name)
        if parent is not None:
            self.letter(
                case,
                "parent_contact",
                "parent_contact:1",
                parent,
                deadline=self.calendar.add_school_days(self.today, timescales.home_visit),
                admissions_url=self.settings.contacts.admissions_url,
            )
            report.count("parent_contact", case.id)
        self.request_visit(case, round=1, report=report)
        report.letters = len(self.letters)
        return report

    def request_visit(self, case: Case, *, round: int, report: StepReport) -> None:
        """Ask for a home visit and give it to an officer for the area, if one is free."""
        if not case.child.address_line1:
            return  # nowhere to visit: database checks and escalation carry the case
        added = self.uow.directory.add_visit(
            HomeVisit(case_id=case.id, round=round, requested_on=self.today)
        )
        if added:
            report.count("home_visit_requested", case.id)
        self.uow.decisions.request(case.id, "home_visit", self.today)
        self.assign_waiting_visits(only_case=case.id, report=report)

    def assign_waiting_visits(self, *, only_case: int | None = None, report: StepReport) -> None:
        """Give unassigned visits to officers by area and caseload; the rest wait, queued."""
        waiting = self.uow.directory.visits(only_case, unassigned=True)
        if not waiting:
            return
        officers = self.uow.directory.officers()
        caseload = self.uow.directory.caseloads()
        for visit in waiting:
            case = self.uow.cases.get(visit.case_id)
            if not case.is_open:
                continue
            officer = choose_officer(officers, caseload, postcode_district(case.child.postcode))
            if officer is None:
                continue  # stays in the coordinator's unassigned queue; nothing fails
            self.uow.directory.update_visit(
                visit.case_id, visit.round, officer_id=officer.id, assigned_on=self.today
            )
            caseload[officer.id] = caseload.get(officer.id, 0) + 1
            self.deadline(
                case,
                Step.HOME_VISIT,
                school_days=self.settings.timescales.home_visit,
                round=visit.round,
            )
            report.count("home_visit_assigned", case.id)

    # -- decisions ------------------------------------------------------------------------

    def decide(
        self, case_id: int, kind: str, answer: str, *, who: str, details: dict[str, Any]
    ) -> StepReport:
        """Apply a person's decision to a case and run the steps that follow from it.

        The one rule for every door (CLI, Prefect form, case workspace): a decision is taken
        only while it is pending on the case (closure, asked at will, on any open case), the
        answer must be one of its answers and its facts must hold; the same answer arriving
        twice is applied once (the report is then empty).
        """
        decision = kind_of(kind)
        chosen = answer_of(decision, answer)
        who = check_decided_by(who)
        check_decision_text(who, details)  # lengths and lines of every free-text fact
        report = StepReport()
        case = self.uow.cases.get(case_id)
        waiting = self.uow.decisions.open_for(case.id, decision.value)
        if decision.spec.asks_visit_date and not details.get("visited_on"):
            details = {**details, "visited_on": self.today.isoformat()}  # the default: today
        if self._repeats_last_answer(case.id, decision.value, chosen.value, details, waiting):
            return report  # submitted twice (a double click, a re-run): nothing twice
        if not case.is_open:
            raise DecisionRefused(
                f"{case.reference} is closed ({case.outcome}): nothing is pending"
            )
        if decision is not DecisionKind.CLOSURE and self.past_school_age(case):
            raise DecisionRefused(
                f"{case.reference}: the child ceased to be of compulsory school age on "
                f"{case.csa_ends:%d %B %Y}; no CME action may follow. Close the case as "
                f"{Outcome.PAST_CSA.value} (the daily review does so)"
            )
        if waiting is None and not decision.spec.at_will:
            raise DecisionRefused(not_pending_reason(self.uow, case, decision))
        details = self._checked_details(case, decision, chosen, details)
        request = waiting or self.uow.decisions.request(case.id, decision.value, self.today)
        if not self.uow.decisions.answer(request, chosen.value, details, who, now()):
            return report  # answered already (a duplicate submission): nothing twice
        was_escalated = case.status in (Status.ESCALATED, Status.MONITORING)
        self._handlers()[decision](case, chosen.value, who, details, report)
        if was_escalated and case.status not in (Status.ESCALATED, Status.MONITORING):
            # Located after escalation: social care hears that the child is found.
            self.letter(
                case,
                "closure_referrer",
                step_key("located_after_escalation", decision.value, request.round),
                recipients.agency("social_care", self.settings),
                notification_date=case.referral_date,
                outcome="The child has been located after our referral to you: "
                + answer_words(chosen.value)
                + ".",
            )
            report.count("social_care_told_located", case.id)
        report.count(f"{decision.value}:{chosen.value}", case.id)
        report.letters = len(self.letters)
        return report

    def _handlers(self) -> dict[DecisionKind, DecisionHandler]:
        """What each kind of decision does to the case: one handler per kind."""
        return {
            DecisionKind.SCHOOL_REPLY: self._on_school_reply,
            DecisionKind.HOME_VISIT: self._on_home_visit,
            DecisionKind.ADMISSIONS: self._on_admissions,
            DecisionKind.FAIR_ACCESS: self._on_fair_access,
            DecisionKind.MATCH_REVIEW: self._on_match_review,
            DecisionKind.POLICE_NOTIFICATION: self._on_police_notification,
            DecisionKind.LPD_SEARCH: self._on_lpd_search,
            DecisionKind.HANDOVER: self._on_handover,
            DecisionKind.S437: self._on_s437,
            DecisionKind.CLOSURE: self._on_closure,
            DecisionKind.RISK_MAPPING: self._on_risk_mapping,
        }

    def _checked_details(
        self, case: Case, decision: DecisionKind, chosen: Answer, details: dict[str, Any]
    ) -> dict[str, Any]:
        """The answer's facts, checked: a visit date in range, the other council's email."""
        checked = dict(details)
        if decision.spec.asks_visit_date:
            raw = checked.get("visited_on") or self.today
            try:
                visited = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
            except ValueError:
                raise DecisionRefused(
                    f"the visit date {raw!r} is not a date (YYYY-MM-DD)"
                ) from None
            if visited > self.today:
                raise DecisionRefused(f"the visit date {visited:%d %B %Y} is in the future")
            if visited < case.opened_on:
                raise DecisionRefused(
                    f"the visit date {visited:%d %B %Y} is before {case.reference} was opened "
                    f"({case.opened_on:%d %B %Y})"
                )
            checked["visited_on"] = visited.isoformat()
        if chosen.value in decision.spec.needs_details:
            if not str(checked.get("other_council") or "").strip():
                raise DecisionRefused("name the council the family moved to (--other-council)")
            if not checked.get("other_council_email"):
                raise DecisionRefused("give that council's CME email (--other-council-email)")
        email = str(checked.get("other_council_email") or "")
        if email and not is_email(email):
            raise DecisionRefused("the other council's email is not an email address")
        return checked

    def _repeats_last_answer(
        self,
        case_id: int,
        kind: str,
        answer: str,
        details: dict[str, Any],
        waiting: DecisionRequest | None,
    ) -> bool:
        """Whether this is the answer just given, arriving again.

        It is when the last answer of this kind was the same, with the same details, and
        nothing of this kind has been asked since, except what that answer itself asked for
        today (a second home visit after "no_answer").
        """
        answered = [
            d for d in self.uow.decisions.for_case(case_id) if d.kind == kind and not d.is_open
        ]
        if not answered:
            return False
        last = max(answered, key=lambda d: d.round)
        # Details are stored as JSON: compare them as they will be read back.
        same = last.answer == answer and last.details == json.loads(
            json.dumps(details, default=str)
        )
        asked_since = waiting is not None and not (
            waiting.round == last.round + 1 and waiting.requested_on == self.today
        )
        return same and not asked_since

    def _on_school_reply(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        self.uow.deadlines.meet(case.id, Step.SCHOOL_REPLY, self.today)
        if answer == "on_roll_here":
            self.close(case, Outcome.NOT_CME, who, "the school confirms the child is on its roll")
        elif answer == "on_roll_elsewhere":
            self.close(case, Outcome.ON_ROLL_ELSEWHERE, who, "the school confirms the new school")
        elif answer == "moved_abroad":
            self.close(
                case, Outcome.MOVED_ABROAD, who, "the school holds evidence of the move abroad"
            )

    def _on_home_visit(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        visits = self.uow.directory.visits(case.id)
        current = max((v.round for v in visits), default=0)
        if current:
            visited = date.fromisoformat(str(d.get("visited_on") or self.today.isoformat()))
            self.uow.directory.update_visit(case.id, current, outcome=answer, visited_on=visited)
        self.uow.deadlines.meet(case.id, Step.HOME_VISIT, self.today)
        timescales = self.settings.timescales
        if answer == "no_answer":
            officer = next(
                (
                    o.name
                    for v in visits
                    if v.round == current and v.officer_id
                    for o in [self.uow.directory.officer(v.officer_id)]
                    if o
                ),
                self.settings.council.signatory_name,
            )
            self.letter(
                case,
                "calling_card",
                f"calling_card:{current}",
                recipients.parent(case, case.parent_name),
                # The time the officer recorded for the visit, never when the answer was typed.
                visit={"officer": officer, **visit_time(d.get("visited_at"), self.today)},
                deadline=self.today + timedelta(days=timescales.calling_card_callback_days),
            )
            self.request_visit(case, round=current + 1, report=r)
        elif answer == "family_found_no_place":
            # Found: the locate limit and the school's reply no longer drive escalation.
            self.uow.deadlines.meet(case.id, Step.LOCATE_CHILD, self.today)
            self.uow.deadlines.meet(case.id, Step.SCHOOL_REPLY, self.today)
            self.move(case, Status.LOCATED, who, "family found at home; no school place")
            self.deadline(case, Step.SECURE_PLACE, school_days=timescales.secure_place)
        elif answer == "on_roll":
            self.close(case, Outcome.ON_ROLL_HERE, who, "home visit: the child is on a school roll")
        elif answer == "elective_home_education":
            self.close(case, Outcome.EHE, who, "home visit: the parent educates the child at home")
            self.letter(
                case,
                "closure_referrer",
                "ehe_team:1",
                recipients.agency("ehe_team", self.settings),
                notification_date=case.referral_date,
                outcome=OUTCOME_WORDS[Outcome.EHE],
            )
        elif answer == "moved_other_council":
            self.handover(case, who, d)
        elif answer == "moved_abroad":
            self.close(case, Outcome.MOVED_ABROAD, who, "home visit: evidence of a move abroad")
        elif answer == "refuses_education":
            self.serve_s437(case, who)
        elif answer == "not_at_address":
            pass  # enquiries go on; the locate deadline escalates if the child is not found

    def _on_admissions(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        self.uow.deadlines.meet(case.id, Step.ADMISSIONS_DECISION, self.today)
        if answer == "placed":
            self.close(case, Outcome.ON_ROLL_HERE, who, "in-year admission: place allocated")
        elif case.status is Status.AWAITING_ADMISSION:
            # A late "not placed" after the sweep already referred to Fair Access changes nothing.
            self.refer_fair_access(case, who)

    def _on_fair_access(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        if answer == "placed":
            self.uow.deadlines.meet(case.id, Step.FAIR_ACCESS_PLACE, self.today)
            self.close(case, Outcome.ON_ROLL_HERE, who, "placed through the Fair Access Protocol")
        else:
            self.escalate_to_manager(
                case,
                Step.FAIR_ACCESS_PLACE,
                self.today,
                "the Fair Access panel has not placed the child",
            )
            # The child still needs a place: the case waits for the panel's next answer.
            self.uow.decisions.request(case.id, "fair_access", self.today)

    def _on_handover(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        self.uow.deadlines.meet(case.id, Step.HANDOVER_CONFIRMATION, self.today)
        if answer == "confirmed_on_roll":
            self.close(case, Outcome.ON_ROLL_ELSEWHERE, who, "the other council confirms the roll")
        elif case.status is Status.HANDOVER:
            # Not located in time, the sweep may have escalated the case already: nothing twice.
            self.escalate_not_located(case, who, "the other council could not confirm the child")

    def _on_s437(self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport) -> None:
        self.uow.deadlines.meet(case.id, Step.S437_COMPLIANCE, self.today)
        if answer == "suitable_education_shown":
            self.close(case, Outcome.EHE, who, "the parent showed suitable education (s437(1))")
        elif answer == "applied_for_place":
            self.refer_admissions(case, who)
        else:
            self.close(case, Outcome.ON_ROLL_HERE, who, "school attendance order made (s437(3))")

    def _on_police_notification(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        if answer == "notify":
            self.letter(
                case,
                "police_notification",
                "police_notification:1",
                recipients.agency("police", self.settings),
                reason="The child has not been located after all reasonable enquiries.",
                evidence=self.evidence(case),
                deadline=self.calendar.add_school_days(self.today, 5),
            )

    def _on_lpd_search(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        if answer == "found_on_lpd":
            self.close(
                case, Outcome.ON_ROLL_ELSEWHERE, who, "the Lost Pupil Database shows a new school"
            )

    def _on_match_review(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        if answer != "same_child":
            return  # a different child: enquiries go on as before
        linked = [
            c for c in self.uow.sources.checks(case.id) if c.decision in ("match", "possible")
        ]
        source = str(d.get("source") or (linked[-1].source_name if linked else ""))
        outcome = outcome_for(source)
        if outcome is not None:
            self.close(case, outcome, who, f"a coordinator confirmed the match in {source}")
        else:
            # Known to social care, health or housing: a lead for the visit, not a closure.
            case.new_history.append(
                HistoryEntry(
                    at=now(),
                    who=who,
                    from_status=case.status,
                    to_status=case.status,
                    why=f"a coordinator confirmed the child is known to {source}",
                )
            )
            self.uow.cases.save(case)

    def _on_risk_mapping(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        mapped = safeguarding.map_flag(case, answer)
        if mapped is None:
            raise DecisionRefused(f"{case.reference} has no unrecognised risk flag to map")
        case.new_history.append(
            HistoryEntry(
                at=now(),
                who=who,
                from_status=case.status,
                to_status=case.status,
                why=f"risk flag '{mapped[0]}' mapped to {mapped[1]}",
            )
        )
        self.uow.cases.save(case)
        if read_risks(case.vulnerabilities).unknown:
            safeguarding.ask_to_map(self, case, r)  # the next unmapped flag

    def _on_closure(
        self, case: Case, answer: str, who: str, d: dict[str, Any], r: StepReport
    ) -> None:
        self.close(case, Outcome(answer), who, str(d.get("why") or "closed by a coordinator"))

    # -- branches ---------------------------------------------------------------------------

    def refer_admissions(self, case: Case, who: str) -> None:
        """Refer a located child without a place to in-year admissions."""
        self.move(case, Status.AWAITING_ADMISSION, who, "referred to in-year admissions")
        due = self.deadline(
            case, Step.ADMISSIONS_DECISION, school_days=self.settings.timescales.admissions_decision
        )
        self.letter(
            case,
            "admissions_referral",
            "admissions_referral:1",
            recipients.agency("admissions", self.settings),
            deadline=due,
        )
        self.uow.decisions.request(case.id, "admissions", self.today)

    def refer_fair_access(self, case: Case, who: str) -> None:
        """Refer an unplaced child to the Fair Access panel."""
        self.move(case, Status.FAIR_ACCESS, who, "not placed in time: Fair Access Protocol")
        due = self.deadline(
            case, Step.FAIR_ACCESS_PLACE, school_days=self.settings.timescales.fair_access_place
        )
        self.letter(
            case,
            "fair_access_referral",
            "fair_access_referral:1",
            recipients.agency("fair_access", self.settings),
            category="Children missing education (out of education for four weeks or more)",
            evidence=self.evidence(case),
            deadline=due,
        )
        self.uow.decisions.request(case.id, "fair_access", self.today)

    def handover(self, case: Case, who: str, details: dict[str, Any]) -> None:
        """Hand a child who moved to another council over to its CME officer."""
        council = str(details.get("other_council") or "the receiving council")
        address = str(details.get("other_council_email") or "")
        if address and (problem := email_problem(address)):
            raise DecisionRefused(f"other_council_email {problem}")
        self.move(case, Status.HANDOVER, who, f"moved to {council}: handed over")
        due = self.deadline(
            case,
            Step.HANDOVER_CONFIRMATION,
            school_days=self.settings.timescales.handover_confirmation,
        )
        self.letter(
            case,
            "other_la_enquiry",
            "other_la_enquiry:1",
            recipients.other_council(council, address),
            other_council=council,
            deadline=due,
        )
        self.uow.decisions.request(case.id, "handover", self.today)

    def serve_s437(self, case: Case, who: str) -> None:
        """Serve an s437(1) notice on a parent who refuses education."""
        if case.status in (Status.ESCALATED, Status.MONITORING):
            self.move(
                case, Status.LOCATED, who, "located after escalation: parent refuses education"
            )
        self.move(case, Status.S437_ISSUED, who, "parent refuses education: s437(1) notice served")
        # Education Act 1996 s437(1): the notice gives the parent at least 15 days.
        due = self.deadline(
            case, Step.S437_COMPLIANCE, calendar_days=self.settings.timescales.s437_notice_days
        )
        self.letter(
            case,
            "s437_notice",
            "s437_notice:1",
            recipients.parent(case, case.parent_name),
            deadline=due,
        )
        self.uow.decisions.request(case.id, "s437", self.today)

    def escalate_not_located(self, case: Case, who: str, why: str) -> None:
        """Not located: refer to social care, search the LPD, offer police notification."""
        self.move(case, Status.ESCALATED, who, why)
        # Lost again after being found (a handover not confirmed): social care hears again.
        times = sum(1 for entry in case.history if entry.to_status is Status.ESCALATED)
        self.letter(
            case,
            "social_care_referral",
            "social_care_referral:not_located" + (f":{times}" if times > 1 else ""),
            recipients.agency("social_care", self.settings),
            reason="The child has not been located within the time limit for enquiries.",
            evidence=self.evidence(case),
            risk_flags=list(case.vulnerabilities),
            deadline=self.calendar.add_school_days(self.today, 2),
        )
        # The school hears that joint reasonable enquiries have failed: it may then delete
        # under reg 9(1)(i) of the 2024 Pupil Registration Regulations (DOMAIN.md 4.8).
        school = recipients.school(self.uow, case)
        if school is not None:
            self.letter(
                case,
                "school_escalation",
                "school_escalation" + (f":{times}" if times > 1 else ""),
                school,
                school={"name": school.organisation, "urn": case.school_urn or "not known"},
                steps_taken=[
                    f"Referred the child to children's social care on {long_date(self.today)}.",
                    "Asked for a search of the Lost Pupil Database.",
                    "Considering whether to notify the police.",
                ],
            )
        self.uow.decisions.request(case.id, "lpd_search", self.today)
        self.uow.decisions.request(case.id, "police_notification", self.today)
        reviews = [
            d for d in self.uow.deadlines.for_case(case.id) if d.step is Step.MONITORING_REVIEW
        ]
        if not any(d.is_open for d in reviews):
            # The next monthly review (a case escalated before may have ended its reviews).
            self.deadline(
                case,
                Step.MONITORING_REVIEW,
                calendar_days=self.settings.timescales.monitoring_interval_days,
                round=max((d.round for d in reviews), default=0) + 1,
            )

    def escalate_to_manager(self, case: Case, step: Step, due: date, why: str) -> None:
        """Tell the team manager a step is overdue (once per step and round)."""
        rounds = sum(
            1
            for letter in self.uow.letters.for_case(case.id)
            if letter.step_key.startswith(f"manager_escalation:{step.value}")
        )
        self.letter(
            case,
            "manager_escalation",
            f"manager_escalation:{step.value}:{rounds + 1}",
            recipients.agency("manager", self.settings),
            overdue_step=step_words(step.value),
            due_date=due,
            reason=why,
            deadline=self.calendar.add_school_days(self.today, 2),
        )

    def close(self, case: Case, outcome: Outcome, who: str, why: str) -> None:
        """Close with an outcome and send the closure letters (never silently)."""
        case.close(outcome, on=self.today, at=now(), who=who, why=why)
        self.uow.cases.save(case)
        for deadline in self.uow.deadlines.for_case(case.id):
            if deadline.is_open:
                self.uow.deadlines.meet(case.id, deadline.step, self.today)
        words = OUTCOME_WORDS[outcome]
        school = recipients.school(self.uow, case)
        if school is not None:
            self.letter(
                case,
                "closure_school",
                "closure_school",
                school,
                school={"name": school.organisation, "urn": case.school_urn or "not known"},
                outcome=words,
                deletion_ground=DELETION_GROUNDS.get(outcome, "not applicable"),
            )
        if outcome is not Outcome.WHEREABOUTS_UNKNOWN:
            self.letter(
                case,
                "closure_parent",
                "closure_parent",
                recipients.parent(case, case.parent_name),
                outcome=words,
                # No reminder of the s7 duty after a death, past school age or a move away.
                next_steps=parent_next_steps(outcome),
            )
        # Every referrer was promised news at closure: one letter each (the first keeps the
        # key it always had, so a case closed before this change gets no second letter).
        told: set[tuple[str, str, str]] = set()
        for number, notification in enumerate(self.uow.notifications.for_case(case.id)):
            who_ = (
                notification.referrer_email.casefold(),
                notification.referrer_organisation.casefold(),
                notification.referrer_name.casefold(),
            )
            if who_ in told:
                continue
            told.add(who_)
            self.letter(
                case,
                "closure_referrer",
                "closure_referrer" if number == 0 else f"closure_referrer:{notification.id}",
                recipients.referrer(notification),
                notification_date=notification.referral_date,
                outcome=words,
            )
