"""A synthetic council for the demo, tests and benchmarks: term dates and notification files.

Everything is generated from a seed, so the same seed gives the same council. No real child.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

from missing_education.domain import NOTIFICATION_COLUMNS

FORENAMES = (
    "Oliver",
    "Amelia",
    "Muhammad",
    "Isla",
    "Noah",
    "Ava",
    "Leo",
    "Freya",
    "Jack",
    "Lily",
    "Aisha",
    "Mohammed",
    "Zainab",
    "Oskar",
    "Zofia",
    "Jakub",
    "Maja",
    "Chukwuemeka",
    "Adaeze",
    "Priya",
    "Arjun",
    "Siobhán",
    "Seán",
    "Zoë",
    "Mei",
    "Wei",
    "Yusuf",
    "Fatima",
    "Kacper",
    "Ruby",
    "Alfie",
    "Grace",
    "Harry",
    "Sophie",
    "Charlie",
    "Poppy",
    "Ibrahim",
    "Hana",
)
SURNAMES = (
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Khan",
    "Ahmed",
    "Hussain",
    "Begum",
    "Patel",
    "Singh",
    "Kowalski",
    "Nowak",
    "Okafor",
    "Adeyemi",
    "O'Neill",
    "Murphy",
    "Smith-Jones",
    "Wright",
    "Li",
    "Chen",
    "Popescu",
    "Ionescu",
    "Lee",
    "Walker",
    "Hughes",
    "Price",
    "Marshall",
    "Hall",
)
TOWNS = (("Matlock", "DE4"), ("Chesterfield", "S40"), ("Buxton", "SK17"), ("Ilkeston", "DE7"))
STREETS = ("Park", "Mill", "Church", "Station", "Bank", "Dale")
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
REASONS = (
    "deleted_from_roll_ground_i",
    "did_not_arrive",
    "moved_address_unknown",
    "not_registered_at_five",
    "failed_transition",
    "permanently_excluded",
    "ehe_unsuitable",
)
VULNERABILITIES = (
    "",
    "",
    "",
    "",
    "sen",
    "young_carer",
    "grt",
    "asylum",
    "looked_after",
    "child_protection",
    "child_in_need",
    # Flags the risk vocabulary does not know: kept, referred, and put to a person to map.
    "honour based abuse",
    "private fostering; SEN",
)
REFERRERS = (
    ("Matlock Primary School", "office@matlock-primary.example", "112233"),
    ("Chesterfield Academy", "admin@chesterfield-academy.example", "144556"),
    ("Buxton Junior School", "head@buxton-junior.example", "120987"),
    ("Admissions Team", "admissions@synthetic-county.example", ""),
    ("Health Visiting Service", "hv@nhs.example", ""),
    ("Housing Options", "housing@synthetic-county.example", ""),
)


def autumn_2026_calendar() -> list[dict[str, str]]:
    """Council term dates for 2026/27 with INSET days, and one academy with its own terms."""
    council = [
        ("2026-09-03", "2026-10-23", "term"),
        ("2026-11-02", "2026-12-18", "term"),
        ("2027-01-05", "2027-02-12", "term"),
        ("2027-02-22", "2027-03-26", "term"),
        ("2027-04-12", "2027-05-28", "term"),
        ("2027-06-07", "2027-07-21", "term"),
        ("2026-11-02", "2026-11-02", "closure"),
        ("2027-01-05", "2027-01-05", "closure"),
    ]
    academy = [
        ("2026-09-02", "2026-10-16", "term"),
        ("2026-11-02", "2026-12-17", "term"),
        ("2027-01-06", "2027-02-12", "term"),
        ("2027-02-22", "2027-03-26", "term"),
        ("2027-04-12", "2027-05-28", "term"),
        ("2027-06-07", "2027-07-20", "term"),
        ("2026-11-27", "2026-11-27", "closure"),
    ]
    rows = [{"school_urn": "", "start_date": s, "end_date": e, "kind": k} for s, e, k in council]
    rows += [
        {"school_urn": "144556", "start_date": s, "end_date": e, "kind": k} for s, e, k in academy
    ]
    return rows


def _upn(rng: random.Random) -> str:
    return rng.choice("ABCDEFGHJKLMNPQRTUVWXYZ") + "".join(
        rng.choice("0123456789") for _ in range(12)
    )


def synthetic_notifications(count: int, *, seed: int, referral_date: date) -> list[dict[str, str]]:
    """Notification rows with realistic variety (duplicates, linked, out of age, bad rows)."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for i in range(count):
        town, district = rng.choice(TOWNS)
        referrer, referrer_email, urn = rng.choice(REFERRERS)
        age_days = rng.randint(5 * 365 + 60, 15 * 365 + 300)
        born = referral_date - timedelta(days=age_days)
        surname = rng.choice(SURNAMES)
        row = dict.fromkeys(NOTIFICATION_COLUMNS, "")
        row.update(
            forename=rng.choice(FORENAMES),
            surname=surname,
            date_of_birth=born.isoformat() if i % 4 else born.strftime("%d/%m/%Y"),
            sex=rng.choice("MF"),
            upn=_upn(rng) if rng.random() < 0.7 else "",
            address_line1=f"{rng.randint(1, 180)} {rng.choice(STREETS)} Road",
            town=town,
            postcode=f"{district} {rng.randint(1, 9)}{''.join(rng.choices(UNIT_LETTERS, k=2))}",
            parent_name=f"{rng.choice(FORENAMES)} {surname}",
            parent_phone=f"07{rng.randint(100000000, 999999999)}",
            school_urn=urn,
            school_name=referrer if urn else "",
            date_last_attended=(referral_date - timedelta(days=rng.randint(20, 60))).isoformat()
            if urn
            else "",
            reason=rng.choice(REASONS),
            vulnerabilities=rng.choice(VULNERABILITIES),
            referrer_name=rng.choice(("J. Patel", "S. Green", "M. Okoro", "R. Hughes")),
            referrer_organisation=referrer,
            referrer_email=referrer_email,
            referral_date=(referral_date - timedelta(days=rng.randint(0, 10))).isoformat(),
        )
        rows.append(row)
    if count >= 10:
        rows.append(dict(rows[0]))  # the same notification sent twice
        linked = dict(rows[1])
        linked.update(referrer_organisation="Housing Options", notes="family seen at a new address")
        rows.append(linked)  # a second notification about an open case
        too_old = dict(rows[2])
        too_old.update(
            forename="Older", date_of_birth=(referral_date - timedelta(days=17 * 365)).isoformat()
        )
        rows.append(too_old)  # past compulsory school age: opened and closed as not CME
        rows.append({**rows[3], "date_of_birth": "2016-02-30", "forename": "Misdated"})
        # A blank name or date of birth no longer refuses a row (the case is worked and the
        # blank weighs nothing in matching); a row with nothing that identifies the child does.
        rows.append({**rows[4], "forename": "", "surname": "", "date_of_birth": "", "upn": ""})
    return rows


def write_csv(path: Path, rows: Sequence[dict[str, str]], columns: Sequence[str]) -> Path:
    """Write rows with a header, as a council's spreadsheet would export them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def synthetic_schools() -> list[dict[str, str]]:
    """The schools that send the synthetic notifications, with enquiry email addresses."""
    return [
        {
            "urn": urn,
            "name": name,
            "email": email,
            "address_line1": "School Lane",
            "town": town,
            "postcode": postcode,
        }
        for (name, email, urn), (town, postcode) in zip(
            [r for r in REFERRERS if r[2]],
            [("Matlock", "DE4 3AA"), ("Chesterfield", "S40 1AA"), ("Buxton", "SK17 6AA")],
            strict=True,
        )
    ]


def synthetic_officers() -> list[dict[str, str]]:
    """Education welfare officers covering the synthetic council's postcode districts."""
    return [
        {
            "code": "EWO1",
            "name": "Sam Fletcher",
            "email": "sam.fletcher@synthetic-county.example",
            "phone": "01629 000101",
            "areas": "DE4;DE7",
            "capacity": "12",
        },
        {
            "code": "EWO2",
            "name": "Priya Nair",
            "email": "priya.nair@synthetic-county.example",
            "phone": "01629 000102",
            "areas": "S40;SK17",
            "capacity": "12",
        },
    ]
