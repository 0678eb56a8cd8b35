"""Plain words for the codes the case record keeps: a letter never prints a code as stored."""

from __future__ import annotations

from datetime import date

from missing_education.domain.case import Outcome

# Letter types as a line of evidence names them ("School enquiry to ... on ...").
LETTER_WORDS: dict[str, str] = {
    "acknowledgement": "Acknowledgement",
    "school_enquiry": "Enquiry to the school",
    "school_enquiry_reminder": "Reminder to the school",
    "parent_contact": "Letter to the parent or carer",
    "calling_card": "Calling card left at the home",
    "other_la_enquiry": "Enquiry to another council's children missing education officer",
    "social_care_referral": "Referral to children's social care",
    "police_notification": "Notification to the police",
    "manager_escalation": "Escalation to the team manager",
    "admissions_referral": "Referral to in-year admissions",
    "fair_access_referral": "Referral to the Fair Access panel",
    "s437_notice": "Notice under section 437(1) of the Education Act 1996",
    "s438_notice": "Notice of intention to serve a school attendance order (section 438)",
    "school_attendance_order": "School attendance order served on the parent (section 437(3))",
    "attendance_order_school": "Letter to the school named in the school attendance order",
    "prosecution_referral": "Referral for prosecution (section 443)",
    "school_escalation": "Letter to the school that joint enquiries have failed",
    "out_of_area_handover": "Handover to the council where the child lives",
    "closure_parent": "Closure letter to the parent or carer",
    "closure_school": "Closure letter to the school",
    "closure_referrer": "Closure letter to the referrer",
}

# A person's answers, as a sentence fragment ("Home visit: nobody was at home.").
ANSWER_WORDS: dict[str, str] = {
    "no_answer": "nobody was at home",
    "family_found_no_place": "the family was found; the child has no school place",
    "on_roll": "the child is on a school roll",
    "on_roll_here": "the child is on the school's roll",
    "on_roll_elsewhere": "the child is on the roll of another school",
    "elective_home_education": "the parent is educating the child at home",
    "moved_other_council": "the family has moved to another council's area",
    "moved_abroad": "the family has moved abroad",
    "refuses_education": "the parent refuses to secure education for the child",
    "not_at_address": "the family no longer lives at the address",
    "placed": "a school place has been allocated",
    "not_placed": "no school place has been allocated",
    "confirmed_on_roll": "the other council confirms the child is on a school roll",
    "not_confirmed": "the other council could not confirm a school place",
    "found_on_lpd": "the Lost Pupil Database shows a new school",
    "not_found": "the Lost Pupil Database does not show the child",
    "suitable_education_shown": "the parent has shown that the child receives suitable education",
    "applied_for_place": "the parent has applied for a school place",
    "attendance_order_made": "a school attendance order has been made",
    "attendance_order_expedient": (
        "the parent did not satisfy us in time and a school attendance order is expedient"
    ),
    "no_choice": "the parent chose no school in the 15 days allowed",
    "parent_chose_school": "the parent chose a school to be named in the order",
    "registered_at_school": "a school confirms the child is registered",
    "registered_and_attending": "the named school confirms the child is registered and attending",
    "not_complying": "the school attendance order is not complied with",
    "order_revoked": "the school attendance order was revoked (education otherwise)",
    "same_child": "a record elsewhere is the same child",
    "school_place_shown": "the parent has shown that the child has a school place",
    "home_education_shown": "the parent has shown that the child is educated at home",
    "new_address": "the school gave a new address for the family",
    "no_information": "the school knows nothing more",
    "withdrawn": "not needed (withdrawn)",
    "different_child": "a record elsewhere is a different child",
}

# Steps as a manager's escalation names them.
STEP_WORDS: dict[str, str] = {
    "locate_child": "Locating the child",
    "school_enquiry_reply": "The school's reply to our enquiry",
    "home_visit": "The home visit",
    "secure_place": "Securing a school place",
    "admissions_decision": "The in-year admission decision",
    "fair_access_place": "A place through the Fair Access Protocol",
    "handover_confirmation": "The other council's confirmation",
    "s437_compliance": "The parent's reply to the section 437(1) notice",
    "monitoring_review": "The monthly review",
    "s438_choice": "The parent's choice of school after the notice of intention (section 438)",
    "attendance_order_compliance": "Compliance with the school attendance order",
}

# What the closure letter tells the parent to do next. The duty to secure education
# (Education Act 1996 s7) is stated only while it still applies to the child in England.
_DUTY = (
    "You do not need to do anything. You must continue to make sure that your child receives "
    "a suitable full-time education (Education Act 1996, section 7). If your circumstances "
    "change, for example you move or your child leaves their school, please tell us."
)
PARENT_NEXT_STEPS: dict[Outcome, str] = {
    Outcome.DIED: (
        "You do not need to do anything, and you will not hear from us again about this. "
        "If you would like to talk to someone, please contact us."
    ),
    Outcome.PAST_CSA: (
        "You do not need to do anything. Your child is no longer of compulsory school age. "
        "Until they are 18 they must stay in education or training (full-time education, an "
        "apprenticeship, or part-time education or training alongside work or volunteering); "
        "your local careers service can help them choose."
    ),
    Outcome.MOVED_ABROAD: (
        "You do not need to do anything. If you come back to live in England, please apply "
        "for a school place for your child straight away, and tell us."
    ),
    Outcome.MOVED_WITHIN_UK: (
        "You do not need to do anything. Please make sure your child has a school place where "
        "you now live; the council there can help."
    ),
}


def parent_next_steps(outcome: Outcome) -> str:
    """What a closure letter tells the parent to do, for this outcome."""
    return PARENT_NEXT_STEPS.get(outcome, _DUTY)


def letter_words(letter_type: str) -> str:
    """A letter type in plain words."""
    return LETTER_WORDS.get(letter_type, letter_type.replace("_", " ").capitalize())


def answer_words(answer: str) -> str:
    """A person's answer in plain words."""
    return ANSWER_WORDS.get(answer, answer.replace("_", " "))


def step_words(step: str) -> str:
    """A step of the procedure in plain words."""
    return STEP_WORDS.get(step, step.replace("_", " ").capitalize())


def long_date(day: date) -> str:
    """A date the GOV.UK way in a sentence: 1 December 2026."""
    return f"{day.day} {day:%B %Y}"
