"""Sample letterhead and contexts for previews, tests and the benchmark; no real people.

`edge=True` gives the hard cases: very long names, apostrophes and hyphens, names and
addresses in Arabic, Chinese, Cyrillic, Greek and Devanagari, hostile text in every field a
person types, and every optional field left out.
"""

from __future__ import annotations

import copy
from datetime import date, datetime
from typing import Any

from missing_education.letters.context import known_type, required_keys
from missing_education.letters.letterhead import Letterhead
from missing_education.letters.rendering import RenderedLetter, render_letter
from missing_education.letters.template_sources import templates_dir

SAMPLE_LOGO = "sample-logo.svg"

# Text a referrer might type, meant to break out of Jinja, Typst, HTML or a PDF string.
HOSTILE_TEXT = (
    '{{ 7*7 }} {% raw %} <script>alert("x")</script> #read("/etc/passwd") '
    "*bold* _under_ $x^2$ @label <label> // not a comment \\ back\\slash "
    "\"double\" 'single' `raw` [link] ]) = heading\nsecond line"
)

LONG_FORENAME = "Zoë-Anne Marie-Thérèse Ἀλεξάνδρα Дарья 美玲"
LONG_SURNAME = "O'Brien-Wolfeschlegelsteinhausenbergerdorff"

_DATES = {
    "letter_date": date(2026, 11, 25),
    "notification_date": date(2026, 11, 23),
    "enquiry_date": date(2026, 11, 11),
    "due_date": date(2026, 11, 20),
}

# The deadline each type states; real callers compute these with the school calendar.
_DEADLINES = {
    "acknowledgement": date(2027, 1, 8),
    "school_enquiry": date(2026, 12, 9),
    "school_enquiry_reminder": date(2026, 12, 2),
    "parent_contact": date(2026, 12, 4),
    "calling_card": date(2026, 11, 30),
    "other_la_enquiry": date(2026, 12, 9),
    "social_care_referral": date(2026, 11, 27),
    "police_notification": date(2026, 12, 2),
    "manager_escalation": date(2026, 11, 30),
    "admissions_referral": date(2026, 12, 16),
    "fair_access_referral": date(2027, 1, 8),
    "s437_notice": date(2026, 12, 14),
    "s438_notice": date(2027, 1, 11),
    "school_attendance_order": date(2027, 2, 5),
    "attendance_order_school": date(2027, 2, 5),
    "prosecution_referral": date(2027, 3, 12),
}

_FAMILY = {
    "name": "Ms Amina Khan",
    "salutation": "Ms Khan",
    "address_lines": ["14 Mill Lane", "Sampletown", "ST4 2PQ"],
}
_REFERRER = {
    "name": "Ms Priya Shah",
    "salutation": "Ms Shah",
    "organisation": "Sampletown Health Visiting Team",
    "address_lines": ["Sampletown Health Centre", "Station Road", "Sampletown", "ST1 3AB"],
}
_SCHOOL_OFFICE = {
    "name": "The Headteacher",
    "salutation": "Headteacher",
    "organisation": "Riverside Academy",
    "address_lines": ["Riverside Road", "Sampletown", "ST2 5RR"],
}

_RECIPIENTS: dict[str, dict[str, Any]] = {
    "acknowledgement": _REFERRER,
    "school_enquiry": _SCHOOL_OFFICE,
    "school_enquiry_reminder": _SCHOOL_OFFICE,
    "parent_contact": _FAMILY,
    "calling_card": {
        **_FAMILY,
        "name": "The parent or carer of Amira Khan",
        "salutation": "parent or carer",
    },
    "other_la_enquiry": {
        "name": "Children Missing Education Officer",
        "salutation": "colleague",
        "organisation": "Northshire Council",
        "address_lines": ["Northshire House", "North Street", "Northtown", "NT1 1NN"],
    },
    "social_care_referral": {
        "name": "Multi-Agency Safeguarding Hub",
        "salutation": "colleague",
        "organisation": "Sample County Council Children's Services",
        "address_lines": ["County Hall", "High Street", "Sampletown", "ST1 1AA"],
    },
    "police_notification": {
        "name": "Missing Persons Coordinator",
        "salutation": "colleague",
        "organisation": "Sampleshire Police",
        "address_lines": ["Police Headquarters", "Butts Road", "Sampletown", "ST3 9PP"],
    },
    "manager_escalation": {
        "name": "Jordan Reid, Team Manager",
        "salutation": "Jordan",
        "organisation": "Children Missing Education Service",
        "address_lines": ["County Hall", "Sampletown"],
    },
    "admissions_referral": {
        "name": "In-Year Admissions Team",
        "salutation": "colleague",
        "organisation": "Sample County Council",
        "address_lines": ["County Hall", "High Street", "Sampletown", "ST1 1AA"],
    },
    "fair_access_referral": {
        "name": "Chair of the Fair Access Panel",
        "salutation": "Chair",
        "organisation": "Sample County Council",
        "address_lines": ["County Hall", "High Street", "Sampletown", "ST1 1AA"],
    },
    "s437_notice": _FAMILY,
    "s438_notice": _FAMILY,
    "school_attendance_order": _FAMILY,
    "attendance_order_school": _SCHOOL_OFFICE,
    "prosecution_referral": {
        "name": "Attendance Enforcement",
        "salutation": "colleague",
        "organisation": "Sample County Council Legal Services",
        "address_lines": ["County Hall", "High Street", "Sampletown", "ST1 1AA"],
    },
    "closure_parent": _FAMILY,
    "closure_school": _SCHOOL_OFFICE,
    "closure_referrer": _REFERRER,
    "school_escalation": _SCHOOL_OFFICE,
}

_SCHOOL = {"name": "Riverside Academy", "urn": "145678"}

_TYPE_VALUES: dict[str, dict[str, Any]] = {
    "acknowledgement": {"safeguarding_phone": "01234 500500"},
    "school_enquiry": {"school": _SCHOOL},
    "school_enquiry_reminder": {"school": _SCHOOL},
    "parent_contact": {"admissions_url": "www.sample-county.example/school-places"},
    "calling_card": {"visit": {"at": datetime(2026, 11, 24, 10, 30), "officer": "Chris Evans"}},
    "other_la_enquiry": {
        "other_council": "Northshire Council",
        "believed_address_lines": ["22 Harbour View", "Northtown", "NT4 7QQ"],
        "notes": "A neighbour said the family moved to Northtown in October.",
    },
    "social_care_referral": {
        "reason": "We have not found Amira within 20 school days of the notification.",
        "evidence": [
            "School enquiry to Riverside Academy: off roll since 2 October 2026",
            "Home visit on 24 November 2026: no answer, calling card left",
            "Lost Pupil Database: no match",
        ],
        "risk_flags": ["Young carer"],
    },
    "police_notification": {
        "reason": "Whereabouts unknown after all enquiries; the family left without notice.",
        "evidence": [
            "School enquiry to Riverside Academy: off roll since 2 October 2026",
            "Referral to children's social care on 25 November 2026",
        ],
    },
    "manager_escalation": {
        "overdue_step": "Home visit",
        "reason": "The home visit was not made within 5 school days of being assigned.",
    },
    "admissions_referral": {
        "preferred_schools": ["Riverside Academy", "Hillside School"],
        "notes": "The family arrived in the area in November 2026.",
    },
    "fair_access_referral": {
        "category": "Out of education for four or more weeks, with no place available at any "
        "school within a reasonable distance of home",
        "admissions_outcome": "On 4 December 2026 the in-year admissions team told us that no "
        "school place was allocated.",
        "risk_flags": ["a young carer"],
        "evidence": [
            "Out of school since 2 October 2026",
            "In-year applications refused by two schools",
        ],
    },
    "s437_notice": {},
    "s438_notice": {
        "school": _SCHOOL,
        "s437_served_on": date(2026, 11, 27),
        "s437_deadline": date(2026, 12, 11),
    },
    "school_attendance_order": {
        "school": _SCHOOL,
        "named_because": "You did not choose a school within the 15 days our notice of "
        "intention gave you, so this order names the school we said we intended to name.",
    },
    "attendance_order_school": {"school": _SCHOOL},
    "prosecution_referral": {
        "school": _SCHOOL,
        "reason": "The child is not registered at the school named in the order.",
        "evidence": [
            "Notice under section 437(1) served on 27 November 2026.",
            "School attendance order served on 15 January 2027.",
        ],
    },
    "closure_parent": {"outcome": "Amira is now on the roll of Hillside School."},
    "closure_school": {
        "school": _SCHOOL,
        "outcome": "Amira is on the roll of a school in Northshire (confirmed).",
        "deletion_ground": "Regulation 9(1)(a): registered at another school",
    },
    "closure_referrer": {"outcome": "We have found the child and they are now on a school roll."},
    "school_escalation": {
        "school": _SCHOOL,
        "steps_taken": [
            "Referred the child to children's social care on 25 November 2026.",
            "Asked for a search of the Lost Pupil Database.",
        ],
    },
}


def sample_letterhead() -> Letterhead:
    """The letterhead of Sample County Council, with its logo when the templates have one."""
    logo = templates_dir() / SAMPLE_LOGO
    return Letterhead(
        council_name="Sample County Council",
        service_name="Children Missing Education Service",
        address_lines=("County Hall", "High Street", "Sampletown", "ST1 1AA"),
        phone="01234 567890",
        email="cme@sample-county.example",
        signatory_name="Alex Morgan",
        signatory_role="Children Missing Education Coordinator",
        logo_path=logo if logo.is_file() else None,
        privacy_notice_url="www.sample-county.example/privacy",
    )


def sample_context(letter_type: str, *, edge: bool = False) -> dict[str, Any]:
    """A realistic context for `letter_type`; edge=True gives the hard cases."""
    known_type(letter_type)
    context: dict[str, Any] = {
        "case_reference": "CME-000123",
        "letter_date": _DATES["letter_date"],
        "recipient": copy.deepcopy(_RECIPIENTS[letter_type]),
        "child": {
            "forename": "Amira",
            "surname": "Khan",
            "date_of_birth": date(2014, 5, 3),
            "upn": "H801200001001",
            "year_group": 8,
        },
        "officer": {
            "name": "Sam Patel",
            "phone": "01234 567891",
            "email": "sam.patel@sample-county.example",
        },
    }
    # A deep copy: callers and tests may change the context without touching the samples.
    context.update(copy.deepcopy(_TYPE_VALUES[letter_type]))
    needed = {key.path for key in required_keys(letter_type)}
    for key in ("notification_date", "enquiry_date", "due_date"):
        if key in needed:
            context[key] = _DATES[key]
    if letter_type in _DEADLINES:
        context["deadline"] = _DEADLINES[letter_type]
    return _edge_cases(context) if edge else context


def _edge_cases(context: dict[str, Any]) -> dict[str, Any]:
    """Make every name long, hostile or non-Latin, and drop every optional field."""
    edge = dict(context)
    edge["case_reference"] = "CME-987654"
    edge["recipient"] = {
        "name": f"Mx Aoife Ní Bhriain-Ó Súilleabháin {HOSTILE_TEXT}",
        "address_lines": [
            "Flat 3\nSecond Floor",
            "سارة الحسن",
            "प्रिया शर्मा",
            "王小明",
            "Δημήτρης Παπαδόπουλος",
            "Флорес-Гарсия",
            "ST4 2PQ",
        ],
    }
    edge["child"] = {
        "forename": LONG_FORENAME,
        "surname": LONG_SURNAME,
        "date_of_birth": date(2012, 2, 29),
    }
    edge["officer"] = {
        "name": "Siobhán O'Connor-Smythe",
        "phone": "01234 567891 (ext. 4412)",
        "email": "siobhan.oconnor-smythe.children-missing-education@sample-county.example",
    }
    for key in (
        "reason",
        "outcome",
        "category",
        "overdue_step",
        "deletion_ground",
        "named_because",
    ):
        if key in edge:
            edge[key] = HOSTILE_TEXT
    if "other_council" in edge:
        edge["other_council"] = "Royal Borough of Kensington and Chelsea"
    if "evidence" in edge:
        edge["evidence"] = [f"Enquiry {n}: {HOSTILE_TEXT}" for n in range(1, 13)]
    if "visit" in edge:
        edge["visit"] = {"at": datetime(2026, 11, 24, 12, 0), "officer": "Siobhán O'Connor-Smythe"}
    for optional in ("believed_address_lines", "notes", "risk_flags", "preferred_schools"):
        edge.pop(optional, None)
    return edge


def preview(letter_type: str, *, edge: bool = False) -> RenderedLetter:
    """Render `letter_type` with sample data and the sample letterhead, to look at."""
    return render_letter(letter_type, sample_context(letter_type, edge=edge), sample_letterhead())
