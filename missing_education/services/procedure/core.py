"""The procedure after intake: acknowledge, investigate, and apply a person's decisions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from missing_education.clock import now
from missing_education.domain import SYSTEM, Case, DecisionRefused, Outcome, Status
from missing_education.domain.deadline import Step
from missing_education.domain.decision import (
    DecisionKind,
    answer_of,
    check_decided_by,
    kind_of,
    step_key,
)
from missing_education.domain.directory import HomeVisit, choose_officer, postcode_district
from missing_education.domain.limits import check_decision_text
from missing_education.matching import Thresholds
from missing_education.services import recipients, residence, safeguarding
from missing_education.services.checks import check_databases
from missing_education.services.procedure import groups, outcomes
from missing_education.services.procedure.branches import Branches
from missing_education.services.procedure.decision_rules import (
    checked_details,
    not_pending_reason,
    repeats_last_answer,
)
from missing_education.services.procedure.handlers import HANDLERS
from missing_education.services.procedure.report import StepReport


class Procedure(Branches):
    """The steps of the procedure over one unit of work, as of one day."""

    # -- intake follow-up -----------------------------------------------------------------

    def acknowledge(self, case_ids: Sequence[int]) -> StepReport:
        """Acknowledge every notification on these cases to its referrer, once each."""
        report = StepReport()
        issued_before = len(self.letters)  # letters are counted per call
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
        report.letters = len(self.letters) - issued_before
        return report

    # -- investigation --------------------------------------------------------------------

    def investigate(self, case_id: int) -> StepReport:
        """Advance one case as far as it goes without a person: enquiries, letters, a visit."""
        report = StepReport()
        issued_before = len(self.letters)  # letters are counted per call
        case = self.uow.cases.get(case_id)
        if case.status is not Status.INVESTIGATING:
            return report
        if self.past_school_age(case):
            self.close(case, Outcome.PAST_CSA, SYSTEM, "past compulsory school age")
            report.count("closed_past_csa", case.id)
            report.letters = len(self.letters) - issued_before
            return report
        timescales = self.settings.timescales
        self.search_sources(case, report)
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
        report.letters = len(self.letters) - issued_before
        return report

    def search_sources(self, case: Case, report: StepReport) -> int:
        """Search every source not yet searched at its loaded version; a person reviews any
        match. How many matches were put to a person.
        """
        matching = self.settings.matching
        thresholds = Thresholds(matching.match_threshold, matching.possible_threshold)
        asked = 0
        for check in check_databases(self.uow, case, thresholds):
            report.count(f"checked_{check.source_name}", case.id)
            if check.decision in ("match", "possible"):
                # A person confirms every link: a false one could close a missing child's case.
                self.uow.decisions.request(case.id, "match_review", self.today)
                report.count("match_review_requested", case.id)
                asked += 1
        return asked

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

    def move_to_new_address(
        self, case: Case, who: str, address: dict[str, str], source: str, report: StepReport
    ) -> None:
        """Record a new address for the family and, while the child is still being looked for,
        ask for a home visit there (a family already found is not visited again).
        """
        self.uow.workspace.correct(case.id, address, {})
        case.child = replace(
            case.child,
            address_line1=address["address_line1"],
            address_line2=address["address_line2"],
            town=address["town"],
            postcode=address["postcode"],
        )
        if case.status not in (Status.INVESTIGATING, Status.ESCALATED, Status.MONITORING):
            self.note(case, who, f"new address given by {source}")
            return
        self.note(case, who, f"new address given by {source}: a home visit is asked there")
        self.close_open_visits(case)  # the old address's visit is not needed now
        self.uow.deadlines.meet(case.id, Step.HOME_VISIT, self.today)
        current = max((v.round for v in self.uow.directory.visits(case.id)), default=0)
        parent = recipients.parent(case, case.parent_name)
        if parent is not None:
            self.letter(
                case,
                "parent_contact",
                f"parent_contact:address:{current + 1}",
                parent,
                deadline=self.calendar.add_school_days(
                    self.today, self.settings.timescales.home_visit
                ),
                admissions_url=self.settings.contacts.admissions_url,
            )
        self.request_visit(case, round=current + 1, report=report)

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
        issued_before = len(self.letters)  # letters are counted per call
        case = self.uow.cases.get(case_id)
        waiting = self.uow.decisions.open_for(case.id, decision.value)
        if decision.spec.asks_visit_date and not details.get("visited_on"):
            details = {**details, "visited_on": self.today.isoformat()}  # the default: today
        if repeats_last_answer(
            self.uow, self.today, case.id, decision.value, chosen.value, details, waiting
        ):
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
        details = checked_details(self.today, case, decision, chosen, details)
        groups.check_group_rules(case, decision, chosen.value, details)
        request = waiting or self.uow.decisions.request(case.id, decision.value, self.today)
        if not self.uow.decisions.answer(request, chosen.value, details, who, now()):
            return report  # answered already (a duplicate submission): nothing twice
        was_escalated = case.status in (Status.ESCALATED, Status.MONITORING)
        HANDLERS[decision](self, case, chosen.value, who, details, report)
        if was_escalated and case.status not in (Status.ESCALATED, Status.MONITORING):
            # Located after escalation: social care hears that the child is found, and where
            # the case went; never "located" when the case closed without finding the child.
            key = step_key("located_after_escalation", decision.value, request.round)
            if outcomes.tell_social_care_located(self, case, key):
                report.count("social_care_told_located", case.id)
        report.count(f"{decision.value}:{chosen.value}", case.id)
        report.letters = len(self.letters) - issued_before
        return report
