"""Human decisions a coordinator makes on a case: the one vocabulary of kinds, answers and labels.

Everything else (the Prefect forms, `cme decide`'s choices, the web forms, the docs) is made
from `VOCABULARY`, so a new kind or answer is added here once and every door offers it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self

from missing_education.domain.case import Outcome
from missing_education.domain.deadline import Step
from missing_education.domain.errors import DecisionRefused
from missing_education.domain.risk import NOT_A_RISK, Risk


class DecisionKind(StrEnum):
    """What a coordinator is asked to decide; the value is what the case database stores."""

    SCHOOL_REPLY = "school_reply"
    HOME_VISIT = "home_visit"
    ADMISSIONS = "admissions"
    FAIR_ACCESS = "fair_access"
    MATCH_REVIEW = "match_review"
    POLICE_NOTIFICATION = "police_notification"
    LPD_SEARCH = "lpd_search"
    HANDOVER = "handover"
    S437 = "s437"
    CLOSURE = "closure"
    # A flag the risk vocabulary does not know: which code it means (docs/domain.md 4.1).
    RISK_MAPPING = "risk_mapping"
    # The attendance order route after the s437(1) notice (DOMAIN.md 4.7).
    S438 = "s438"
    ATTENDANCE_ORDER = "attendance_order"

    @property
    def slug(self) -> str:
        """The kind as Prefect names it: `home-visit` (flow `decide-home-visit`)."""
        return self.value.replace("_", "-")

    @property
    def spec(self) -> DecisionSpec:
        """Everything the doors need to ask this decision."""
        return VOCABULARY[self]


class Answer(StrEnum):
    """An answer: the code the case record keeps, with the plain-English label a person reads."""

    label: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member


class SchoolReply(Answer):
    ON_ROLL_HERE = "on_roll_here", "The child is still on the school's roll"
    ON_ROLL_ELSEWHERE = "on_roll_elsewhere", "The school knows the child's new school"
    MOVED_ABROAD = "moved_abroad", "The school holds evidence of a move abroad"
    NO_INFORMATION = "no_information", "The school knows nothing more"
    NEW_ADDRESS = "new_address", "The school gave a new address"


class HomeVisit(Answer):
    NO_ANSWER = "no_answer", "Nobody in: calling card left, visit again"
    FAMILY_FOUND_NO_PLACE = "family_found_no_place", "Family found, no school place"
    ON_ROLL = "on_roll", "The child is on a school roll"
    ELECTIVE_HOME_EDUCATION = "elective_home_education", "Educated at home by the parent (EHE)"
    MOVED_OTHER_COUNCIL = "moved_other_council", "Moved to another council in England"
    MOVED_ABROAD = "moved_abroad", "Moved abroad (evidence seen)"
    REFUSES_EDUCATION = "refuses_education", "Parent refuses education: serve an s437 notice"
    NOT_AT_ADDRESS = "not_at_address", "The family no longer lives there"


class Admissions(Answer):
    PLACED = "placed", "A school place was allocated"
    NOT_PLACED = "not_placed", "No place allocated"


class FairAccess(Answer):
    PLACED = "placed", "Placed through the Fair Access Protocol"
    NOT_PLACED = "not_placed", "The panel has not placed the child"


class MatchReview(Answer):
    SAME_CHILD = "same_child", "Yes, the same child"
    DIFFERENT_CHILD = "different_child", "No, a different child"


class PoliceNotification(Answer):
    NOTIFY = "notify", "Notify the police"
    DO_NOT_NOTIFY = "do_not_notify", "Do not notify the police"


class LpdSearch(Answer):
    FOUND_ON_LPD = "found_on_lpd", "Found on the Lost Pupil Database: a new school"
    NOT_FOUND = "not_found", "Not found on the Lost Pupil Database"


class Handover(Answer):
    CONFIRMED_ON_ROLL = "confirmed_on_roll", "The other council confirms the child is on a roll"
    NOT_CONFIRMED = "not_confirmed", "The other council cannot confirm the child"


class S437(Answer):
    # Kept for decisions recorded before it was split in two (below); no longer accepted.
    SUITABLE_EDUCATION_SHOWN = "suitable_education_shown", "The parent showed suitable education"
    APPLIED_FOR_PLACE = "applied_for_place", "The parent applied for a school place"
    # Education Act 1996 s437(3): only once the period is over, and the council's decision.
    ORDER_EXPEDIENT = (
        "attendance_order_expedient",
        "Period over, not satisfied: an attendance order is expedient (serve the s438 notice)",
    )
    # "Suitable education shown" is two outcomes (docs/domain.md 4): a school place, or EHE.
    SCHOOL_PLACE_SHOWN = "school_place_shown", "The parent showed a school place (name the school)"
    HOME_EDUCATION_SHOWN = "home_education_shown", "The parent showed suitable home education"


class Closure(Answer):
    ON_ROLL_HERE = "on_roll_here", "On the roll of a school in our area"
    ON_ROLL_ELSEWHERE_ENGLAND = "on_roll_elsewhere_england", "On a school roll elsewhere in England"
    MOVED_WALES_SCOTLAND_NI = "moved_wales_scotland_ni", "Moved to Wales, Scotland or N. Ireland"
    MOVED_ABROAD = "moved_abroad", "Moved abroad"
    ELECTIVE_HOME_EDUCATION = "elective_home_education", "Educated at home (EHE)"
    ALTERNATIVE_PROVISION = "alternative_provision", "Receiving education other than at school"
    CUSTODY = "custody", "In custody, receiving education there"
    PAST_COMPULSORY_SCHOOL_AGE = "past_compulsory_school_age", "Past compulsory school age"
    DIED = "died", "The child has died"
    NOT_CME = "not_cme", "Not missing education"
    LIVES_OUTSIDE_AREA = "lives_outside_area", "Lives outside our area: handed to their council"
    WHEREABOUTS_UNKNOWN = "whereabouts_unknown", "Whereabouts unknown, all enquiries complete"


class RiskMapping(Answer):
    """Which code an unrecognised flag means (every Risk, or none)."""

    CHILD_PROTECTION = "child_protection", "Child protection"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    LOOKED_AFTER = "looked_after", "Looked after by a council"
    MISSING_FROM_CARE = "missing_from_care", "Missing from care"
    SAFEGUARDING = "safeguarding", "Another safeguarding concern"
    FGM = "fgm", "Female genital mutilation (FGM)"
    FORCED_MARRIAGE = "forced_marriage", "Forced marriage"
    CSE = "cse", "Child sexual exploitation"
    CCE = "cce", "Child criminal exploitation (county lines)"
    TRAFFICKING = "trafficking", "Trafficking"
    RADICALISATION = "radicalisation", "Radicalisation"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    MISSING_FROM_HOME = "missing_from_home", "Missing from home"
    YOUNG_CARER = "young_carer", "Young carer"
    EHCP = "ehcp", "Education, health and care plan"
    SEN = "sen", "Special educational needs"
    GRT = "grt", "Gypsy, Roma or Traveller family"
    ARMED_FORCES = "armed_forces", "Armed forces family"
    ASYLUM = "asylum", "Refugee or asylum seeker"
    REFUGE = "refuge", "Living in a refuge"
    HOMELESS = "homeless", "Homeless"
    TEENAGE_PARENT = "teenage_parent", "Teenage parent"
    MENTAL_HEALTH = "mental_health", "Poor mental health"
    YOUTH_JUSTICE = "youth_justice", "Known to youth justice"
    PERMANENTLY_EXCLUDED = "permanently_excluded", "Permanently excluded"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    NOT_A_RISK = "not_a_risk", "Not a risk or vulnerability"


class S438(Answer):
    """The parent's answer to the notice of intention (Education Act 1996 s438)."""

    NO_CHOICE = "no_choice", "No school chosen in the 15 days: serve the order naming ours"
    PARENT_CHOSE_SCHOOL = "parent_chose_school", "The parent chose a school: name it in the order"
    REGISTERED_AT_SCHOOL = "registered_at_school", "A school confirms the child is now registered"


class AttendanceOrder(Answer):
    """Whether the school attendance order is complied with (Education Act 1996 ss437, 442, 443)."""

    REGISTERED_AND_ATTENDING = (
        "registered_and_attending",
        "The named school confirms the child is registered and attending",
    )
    NOT_COMPLYING = "not_complying", "Not registered or not attending: refer for prosecution (s443)"
    ORDER_REVOKED = "order_revoked", "The order was revoked: education otherwise (s442)"


@dataclass(frozen=True)
class DecisionSpec:
    """How one kind is asked: its question, answers, deadline step and extra facts."""

    kind: DecisionKind
    title: str  # the form's heading and the run's purpose
    question: str  # the label over the answers
    answers: type[Answer]
    due_step: Step | None = None  # the deadline that says when it is due, if any
    asks_visit_date: bool = False
    # Answers that need facts a Prefect form may not carry (free text such as the other
    # council's address): they are given with `cme decide` or the case workspace.
    needs_details: frozenset[str] = frozenset()
    # Asked by the coordinator at will (not by the procedure): accepted on any open case.
    at_will: bool = False
    # Answers kept only so that decisions recorded with them still read; never offered.
    retired: frozenset[str] = frozenset()

    @property
    def offered(self) -> tuple[Answer, ...]:
        """The answers a person may give now (retired ones are not among them)."""
        return tuple(a for a in self.answers if a.value not in self.retired)


VOCABULARY: Mapping[DecisionKind, DecisionSpec] = {
    spec.kind: spec
    for spec in (
        DecisionSpec(
            DecisionKind.SCHOOL_REPLY,
            "Record the school's reply to our enquiry",
            "What did the school tell us?",
            SchoolReply,
            due_step=Step.SCHOOL_REPLY,
            needs_details=frozenset({SchoolReply.NEW_ADDRESS.value}),
        ),
        DecisionSpec(
            DecisionKind.HOME_VISIT,
            "Record the outcome of the home visit",
            "What did the officer find?",
            HomeVisit,
            due_step=Step.HOME_VISIT,
            asks_visit_date=True,
            needs_details=frozenset({HomeVisit.MOVED_OTHER_COUNCIL.value}),
        ),
        DecisionSpec(
            DecisionKind.ADMISSIONS,
            "Record the in-year admissions decision",
            "Was a school place allocated?",
            Admissions,
            due_step=Step.ADMISSIONS_DECISION,
        ),
        DecisionSpec(
            DecisionKind.FAIR_ACCESS,
            "Record the Fair Access panel's decision",
            "Has the panel placed the child?",
            FairAccess,
            due_step=Step.FAIR_ACCESS_PLACE,
        ),
        DecisionSpec(
            DecisionKind.MATCH_REVIEW,
            "Review a possible match in a council database",
            "Is it the same child? A wrong link closes a missing child's case.",
            MatchReview,
        ),
        DecisionSpec(
            DecisionKind.POLICE_NOTIFICATION,
            "Decide whether to notify the police",
            "Notify the police that the child is missing?",
            PoliceNotification,
        ),
        DecisionSpec(
            DecisionKind.LPD_SEARCH,
            "Record the Lost Pupil Database search",
            "What did the search of the Lost Pupil Database find?",
            LpdSearch,
        ),
        DecisionSpec(
            DecisionKind.HANDOVER,
            "Record the other council's reply to our handover",
            "Has the other council confirmed the child?",
            Handover,
            due_step=Step.HANDOVER_CONFIRMATION,
        ),
        DecisionSpec(
            DecisionKind.S437,
            "Record the parent's response to the s437(1) notice",
            "What did the parent do?",
            S437,
            due_step=Step.S437_COMPLIANCE,
            needs_details=frozenset({S437.SCHOOL_PLACE_SHOWN.value}),
            retired=frozenset({S437.SUITABLE_EDUCATION_SHOWN.value}),
        ),
        DecisionSpec(
            DecisionKind.CLOSURE,
            "Close the case with an outcome",
            "What is the outcome?",
            Closure,
            at_will=True,
        ),
        DecisionSpec(
            DecisionKind.RISK_MAPPING,
            "Say what an unrecognised risk flag means",
            "Which risk or vulnerability does the referrer's unrecognised flag mean?",
            RiskMapping,
        ),
        DecisionSpec(
            DecisionKind.S438,
            "Record the parent's choice of school after the s438 notice",
            "Did the parent choose a school within the 15 days?",
            S438,
            due_step=Step.S438_CHOICE,
            # The school the parent chose: its URN, given with `cme decide --school-urn`.
            needs_details=frozenset({S438.PARENT_CHOSE_SCHOOL.value}),
        ),
        DecisionSpec(
            DecisionKind.ATTENDANCE_ORDER,
            "Record whether the school attendance order is complied with",
            "Is the child registered at the named school and attending?",
            AttendanceOrder,
            due_step=Step.ORDER_COMPLIANCE,
        ),
    )
}

# The facts an answer cannot be recorded without: (detail key, how a person is asked for it).
REQUIRED_DETAILS: Mapping[tuple[DecisionKind, str], tuple[tuple[str, str], ...]] = {
    (DecisionKind.HOME_VISIT, HomeVisit.MOVED_OTHER_COUNCIL.value): (
        ("other_council", "name the council the family moved to (--other-council)"),
        ("other_council_email", "give that council's CME email (--other-council-email)"),
    ),
    (DecisionKind.S437, S437.SCHOOL_PLACE_SHOWN.value): (
        ("school", "name the school that has the child on its roll (--school)"),
    ),
    (DecisionKind.SCHOOL_REPLY, SchoolReply.NEW_ADDRESS.value): (
        ("new_address", "give the new address as 'first line, town, postcode' (--new-address)"),
    ),
    (DecisionKind.S438, S438.PARENT_CHOSE_SCHOOL.value): (
        ("named_school_urn", "give the URN of the school the parent chose (--school-urn)"),
    ),
}
# What a retired answer became, for the refusal that names the answers to give instead.
RETIRED_BECAME: Mapping[str, str] = {
    S437.SUITABLE_EDUCATION_SHOWN.value: (
        "say which: school_place_shown (a school place, with --school) or home_education_shown "
        "(elective home education)"
    ),
}

# Each kind and its answer codes: the plain view of VOCABULARY, for tests and simple callers.
DECISIONS: dict[str, tuple[str, ...]] = {
    kind.value: tuple(a.value for a in spec.answers) for kind, spec in VOCABULARY.items()
}

_DECIDED_BY = re.compile(r"^[\x20-\x7e\u00a0-\uffff]{1,100}$")
DECIDED_BY_PATTERN = _DECIDED_BY.pattern
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def kind_of(value: str) -> DecisionKind:
    """The kind named by `value` (code or Prefect slug), or DecisionRefused with the choices."""
    try:
        return DecisionKind(value.replace("-", "_"))
    except ValueError:
        known = ", ".join(k.value for k in DecisionKind)
        raise DecisionRefused(f"unknown decision {value!r}; known: {known}") from None


def answer_of(kind: DecisionKind, value: str) -> Answer:
    """The answer named by `value` (its code or its label), or DecisionRefused with the choices."""
    for answer in kind.spec.answers:
        if value in (answer.value, answer.label):
            if answer.value in kind.spec.retired:
                became = RETIRED_BECAME.get(answer.value, "choose another answer")
                raise DecisionRefused(
                    f"{kind.value} {answer.value} is no longer an answer: {became}"
                )
            return answer
    choices = ", ".join(a.value for a in kind.spec.offered)
    raise DecisionRefused(f"{kind.value} cannot be {value!r}; choose one of: {choices}")


def check_decided_by(who: str) -> str:
    """Who decided, as the audit line keeps it: required, one line, at most 100 printable."""
    if not who.strip():
        raise DecisionRefused("say who decided (--by): the case record keeps it")
    if not _DECIDED_BY.match(who):
        raise DecisionRefused(
            "who decided (--by) must be one line of at most 100 printable characters"
        )
    return who.strip()


def is_email(text: str) -> bool:
    """Whether `text` looks like one email address."""
    return bool(_EMAIL.match(text))


def step_key(name: str, *parts: object) -> str:
    """The key that makes a step happen once per case: `calling_card:2`, `school_enquiry:1`."""
    return ":".join([name, *(str(p) for p in parts)])


@dataclass(frozen=True)
class DecisionRequest:
    """A decision waiting for (or given by) a person."""

    case_id: int
    kind: str
    round: int
    requested_on: date
    answer: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    decided_by: str | None = None
    decided_at: datetime | None = None
    flow_run_id: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the decision still waits for an answer."""
        return self.answer is None


README_BEGIN = (
    "<!-- decisions:begin (generated by `python -m missing_education.domain.decision`) -->"
)
README_END = "<!-- decisions:end -->"


def readme_table() -> str:
    """The README's table of decisions and answers, generated from the vocabulary."""
    lines = [
        README_BEGIN,
        "| decision | what is asked | answers (code: meaning) |",
        "| --- | --- | --- |",
    ]
    for kind, spec in VOCABULARY.items():
        answers = "; ".join(f"`{a.value}`: {a.label}" for a in spec.offered)
        lines.append(f"| `{kind.value}` | {spec.title} | {answers} |")
    lines.append(README_END)
    return "\n".join(lines)


def _check_vocabulary() -> None:
    missing = set(DecisionKind) - set(VOCABULARY)
    if missing:
        raise AssertionError(f"decision kinds without a spec: {sorted(missing)}")
    if {a.value for a in Closure} != {o.value for o in Outcome}:
        raise AssertionError("closure answers must be the closure outcomes")
    for (kind, code), _ in REQUIRED_DETAILS.items():
        if code not in kind.spec.needs_details:
            raise AssertionError(f"{kind.value} {code} needs details but is offered on forms")
    if {a.value for a in RiskMapping} != {r.value for r in Risk} | {NOT_A_RISK}:
        raise AssertionError("risk mapping answers must be the risk codes and not_a_risk")


_check_vocabulary()


if __name__ == "__main__":
    print(readme_table())
