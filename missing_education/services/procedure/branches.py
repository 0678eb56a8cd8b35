"""The branches of the procedure: referrals, handover, the s437 notice and escalation."""

from __future__ import annotations

from datetime import date
from typing import Any

from missing_education.domain import (
    SYSTEM,
    Case,
    DecisionRefused,
    Status,
)
from missing_education.domain.deadline import Deadline, Step
from missing_education.domain.email_address import email_problem
from missing_education.domain.fair_access import CATEGORY_WORDS, fair_access_categories
from missing_education.domain.risk import words_for
from missing_education.domain.words import (
    long_date,
    step_words,
)
from missing_education.rules.service import stated_last_day
from missing_education.services import recipients
from missing_education.services.procedure.closing import DELETION_GROUNDS, OUTCOME_WORDS, Closing

__all__ = ["DELETION_GROUNDS", "OUTCOME_WORDS", "Branches"]


class Branches(Closing):
    """Where a case goes next: each branch moves it, sets its deadline and sends its letters."""

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
        """Refer a child that in-year admission did not place to the Fair Access panel.

        Only on a recorded "not placed" (School Admissions Code 2021, 3.17: after the usual
        in-year route has failed), with the categories the case shows and its risk flags.
        """
        self.move(case, Status.FAIR_ACCESS, who, "in-year admission refused: Fair Access Protocol")
        due = self.deadline(
            case, Step.FAIR_ACCESS_PLACE, school_days=self.settings.timescales.fair_access_place
        )
        categories = fair_access_categories(case.vulnerabilities)
        self.letter(
            case,
            "fair_access_referral",
            "fair_access_referral:1",
            recipients.agency("fair_access", self.settings),
            category="; ".join(CATEGORY_WORDS[c] for c in categories),
            admissions_outcome=f"On {long_date(self.today)} the in-year admissions team told us "
            "that no school place was allocated.",
            evidence=self.evidence(case),
            risk_flags=[words_for(code) for code in case.vulnerabilities],
            deadline=due,
        )
        self.note(case, who, "Fair Access categories: " + ", ".join(categories))
        self.uow.decisions.request(case.id, "fair_access", self.today)

    def admissions_overdue(self, case: Case, deadline: Deadline) -> bool:
        """No in-year decision in time: the manager is told and admissions still asked.

        A lapsed deadline is not a refusal, so it never refers to Fair Access by itself.
        """
        if case.status is not Status.AWAITING_ADMISSION:
            return False
        self.escalate_to_manager(
            case,
            Step.ADMISSIONS_DECISION,
            deadline.due,
            "in-year admissions has not decided; ask them for a decision (a refusal goes to "
            "Fair Access)",
        )
        if self.uow.decisions.open_for(case.id, "admissions") is None:
            self.uow.decisions.request(case.id, "admissions", self.today)
        return True

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
        self.move(case, Status.S437_ISSUED, who, "parent refuses education: s437(1) notice issued")
        # Education Act 1996 s437(1): not less than 15 days *beginning with the day the notice
        # is served*. The notice states a date counted from its expected service; the period's
        # deadline is set when the post is confirmed (attendance_order.notice_served).
        timescales = self.settings.timescales
        self.letter(
            case,
            "s437_notice",
            "s437_notice:1",
            recipients.parent(case, case.parent_name),
            deadline=stated_last_day(
                self.today, timescales.s437_notice_days, timescales.post_deemed_service_days
            ),
        )
        self.uow.decisions.request(case.id, "s437", self.today)

    def locate_overdue(self, case: Case, deadline: Deadline) -> bool:
        """The time for locating the child has passed: escalate, unless a handover's reply is
        still due (then the limit is carried to that day). Whether the case was escalated.
        """
        if case.status not in (Status.INVESTIGATING, Status.HANDOVER):
            return False
        if case.status is Status.HANDOVER:
            replies = [
                d
                for d in self.uow.deadlines.for_case(case.id)
                if d.step is Step.HANDOVER_CONFIRMATION and d.is_open and d.due >= self.today
            ]
            if replies:
                # The other council has until then to reply: not "not located" before it does.
                self.deadline(
                    case,
                    Step.LOCATE_CHILD,
                    calendar_days=(max(d.due for d in replies) - self.today).days,
                    round=deadline.round + 1,
                )
                return False
        limit = self.settings.timescales.not_located_escalation
        self.escalate_not_located(case, SYSTEM, f"not located within {limit} school days")
        return True

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
        # under reg 9(1)(i) of the 2024 Pupil Registration Regulations (docs/domain.md section 7).
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
