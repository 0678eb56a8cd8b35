"""Risk as a controlled vocabulary (docs/domain.md 4.1): codes, their aliases and plain words."""

# A flag the vocabulary does not know is kept as written, never dropped, and treated as a
# possible safeguarding concern until a person maps it.

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Risk(StrEnum):
    """A risk or vulnerability a notification may flag."""

    CHILD_PROTECTION = "child_protection"
    CHILD_IN_NEED = "child_in_need"
    LOOKED_AFTER = "looked_after"
    MISSING_FROM_CARE = "missing_from_care"
    SAFEGUARDING = "safeguarding"
    FGM = "fgm"
    FORCED_MARRIAGE = "forced_marriage"
    CSE = "cse"
    CCE = "cce"
    TRAFFICKING = "trafficking"
    RADICALISATION = "radicalisation"
    DOMESTIC_ABUSE = "domestic_abuse"
    MISSING_FROM_HOME = "missing_from_home"
    YOUNG_CARER = "young_carer"
    EHCP = "ehcp"
    SEN = "sen"
    GRT = "grt"
    ARMED_FORCES = "armed_forces"
    ASYLUM = "asylum"
    REFUGE = "refuge"
    HOMELESS = "homeless"
    TEENAGE_PARENT = "teenage_parent"
    MENTAL_HEALTH = "mental_health"
    YOUTH_JUSTICE = "youth_justice"
    PERMANENTLY_EXCLUDED = "permanently_excluded"
    SUBSTANCE_MISUSE = "substance_misuse"


# A person's answer when an unknown flag turns out not to be a risk at all.
NOT_A_RISK = "not_a_risk"

# Concerns that go to children's social care (MASH) the day they are notified (docs/domain.md 4.1).
SAFEGUARDING_RISKS = frozenset(
    {
        Risk.CHILD_PROTECTION,
        Risk.CHILD_IN_NEED,
        Risk.LOOKED_AFTER,
        Risk.MISSING_FROM_CARE,
        Risk.SAFEGUARDING,
        Risk.FGM,
        Risk.FORCED_MARRIAGE,
        Risk.CSE,
        Risk.CCE,
        Risk.TRAFFICKING,
        Risk.RADICALISATION,
        Risk.DOMESTIC_ABUSE,
        Risk.MISSING_FROM_HOME,
    }
)
# A child missing from care: the responsible authority and the police are told at once
# (statutory guidance on children who run away or go missing from home or care).
TELL_POLICE_AT_ONCE = frozenset({Risk.MISSING_FROM_CARE, Risk.TRAFFICKING})

# Plain words for letters: a code is never printed as it is stored.
RISK_WORDS: dict[Risk, str] = {
    Risk.CHILD_PROTECTION: "subject to a child protection plan or enquiry",
    Risk.CHILD_IN_NEED: "a child in need",
    Risk.LOOKED_AFTER: "looked after by a local authority",
    Risk.MISSING_FROM_CARE: "missing from care",
    Risk.SAFEGUARDING: "a safeguarding concern",
    Risk.FGM: "female genital mutilation (FGM)",
    Risk.FORCED_MARRIAGE: "forced marriage",
    Risk.CSE: "child sexual exploitation",
    Risk.CCE: "child criminal exploitation",
    Risk.TRAFFICKING: "trafficking or modern slavery",
    Risk.RADICALISATION: "radicalisation",
    Risk.DOMESTIC_ABUSE: "domestic abuse",
    Risk.MISSING_FROM_HOME: "missing from home",
    Risk.YOUNG_CARER: "a young carer",
    Risk.EHCP: "has an education, health and care plan",
    Risk.SEN: "special educational needs",
    Risk.GRT: "Gypsy, Roma or Traveller family",
    Risk.ARMED_FORCES: "armed forces family",
    Risk.ASYLUM: "refugee or asylum seeker",
    Risk.REFUGE: "living in a refuge",
    Risk.HOMELESS: "homeless or in temporary accommodation",
    Risk.TEENAGE_PARENT: "a teenage parent",
    Risk.MENTAL_HEALTH: "poor mental health",
    Risk.YOUTH_JUSTICE: "known to youth justice",
    Risk.PERMANENTLY_EXCLUDED: "permanently excluded",
    Risk.SUBSTANCE_MISUSE: "substance misuse",
}

# Other ways referrers write each code, as they are folded by `fold` (lower case, words
# joined by "_"). The code itself and its plain words are aliases too.
ALIASES: dict[str, Risk] = {
    "cp": Risk.CHILD_PROTECTION,
    "cpp": Risk.CHILD_PROTECTION,
    "child_protection_plan": Risk.CHILD_PROTECTION,
    "s47": Risk.CHILD_PROTECTION,
    "section_47": Risk.CHILD_PROTECTION,
    "cin": Risk.CHILD_IN_NEED,
    "section_17": Risk.CHILD_IN_NEED,
    "s17": Risk.CHILD_IN_NEED,
    "lac": Risk.LOOKED_AFTER,
    "cla": Risk.LOOKED_AFTER,
    "child_looked_after": Risk.LOOKED_AFTER,
    "looked_after_child": Risk.LOOKED_AFTER,
    "in_care": Risk.LOOKED_AFTER,
    "missing_from_care": Risk.MISSING_FROM_CARE,
    "absent_from_care": Risk.MISSING_FROM_CARE,
    "missing_looked_after": Risk.MISSING_FROM_CARE,
    "female_genital_mutilation": Risk.FGM,
    "child_sexual_exploitation": Risk.CSE,
    "sexual_exploitation": Risk.CSE,
    "child_criminal_exploitation": Risk.CCE,
    "criminal_exploitation": Risk.CCE,
    "county_lines": Risk.CCE,
    "trafficked": Risk.TRAFFICKING,
    "human_trafficking": Risk.TRAFFICKING,
    "modern_slavery": Risk.TRAFFICKING,
    "radicalised": Risk.RADICALISATION,
    "prevent": Risk.RADICALISATION,
    "extremism": Risk.RADICALISATION,
    "domestic_violence": Risk.DOMESTIC_ABUSE,
    "dv": Risk.DOMESTIC_ABUSE,
    "missing": Risk.MISSING_FROM_HOME,
    "runaway": Risk.MISSING_FROM_HOME,
    "missing_child": Risk.MISSING_FROM_HOME,
    "ehc_plan": Risk.EHCP,
    "send": Risk.SEN,
    "sen_support": Risk.SEN,
    "gypsy_roma_traveller": Risk.GRT,
    "traveller": Risk.GRT,
    "gypsy": Risk.GRT,
    "roma": Risk.GRT,
    "service_child": Risk.ARMED_FORCES,
    "forces_family": Risk.ARMED_FORCES,
    "military_family": Risk.ARMED_FORCES,
    "refugee": Risk.ASYLUM,
    "asylum_seeker": Risk.ASYLUM,
    "uasc": Risk.ASYLUM,
    "womens_refuge": Risk.REFUGE,
    "homelessness": Risk.HOMELESS,
    "temporary_accommodation": Risk.HOMELESS,
    "young_parent": Risk.TEENAGE_PARENT,
    "offender": Risk.YOUTH_JUSTICE,
    "yot": Risk.YOUTH_JUSTICE,
    "permanent_exclusion": Risk.PERMANENTLY_EXCLUDED,
    "drugs": Risk.SUBSTANCE_MISUSE,
}

_WORD = re.compile(r"[^0-9a-z]+")
_SEPARATORS = re.compile(r"[;|,\n]")


def fold(text: str) -> str:
    """A flag as compared: lower case, apostrophes dropped, other punctuation a single "_"."""
    lowered = text.casefold().replace("'", "").replace("\u2019", "")
    return _WORD.sub("_", lowered).strip("_")


_LOOKUP: dict[str, Risk] = {
    **{fold(risk.value): risk for risk in Risk},
    **{fold(words): risk for risk, words in RISK_WORDS.items()},
    **{fold(alias): risk for alias, risk in ALIASES.items()},
}


def risk_for(flag: str) -> Risk | None:
    """The code a flag stands for (None when the vocabulary does not know it)."""
    return _LOOKUP.get(fold(flag))


@dataclass(frozen=True)
class RiskReading:
    """A notification's flags read through the vocabulary: known codes and unknown flags."""

    known: tuple[Risk, ...]
    unknown: tuple[str, ...]

    @property
    def safeguarding(self) -> bool:
        """Whether the flags send the child to MASH at once (an unknown flag might be a risk)."""
        return bool(self.unknown) or any(r in SAFEGUARDING_RISKS for r in self.known)

    @property
    def police_at_once(self) -> bool:
        """Whether the police are told the day the notification arrives."""
        return any(r in TELL_POLICE_AT_ONCE for r in self.known)

    @property
    def stored(self) -> tuple[str, ...]:
        """What is kept on the record: codes for known flags, unknown flags folded but kept."""
        return tuple(r.value for r in self.known) + self.unknown


def split_flags(text: str) -> list[str]:
    """The flags in a vulnerabilities cell (separated by ";", "|", "," or new lines)."""
    return [part.strip() for part in _SEPARATORS.split(text) if part.strip()]


def read_risks(flags: tuple[str, ...] | list[str]) -> RiskReading:
    """Read flags through the vocabulary, keeping every one (duplicates once, order kept)."""
    known: list[Risk] = []
    unknown: list[str] = []
    for flag in flags:
        risk = risk_for(flag)
        if risk is not None:
            if risk not in known:
                known.append(risk)
        else:
            folded = fold(flag)
            if folded and folded not in unknown:
                unknown.append(folded)
    return RiskReading(tuple(known), tuple(unknown))


def words_for(code: str) -> str:
    """Plain words for a stored code; an unmapped flag is shown as given, and said to be so."""
    risk = risk_for(code)
    if risk is not None:
        return RISK_WORDS[risk]
    return f"'{code.replace('_', ' ')}' (not yet mapped to a risk code: treated as a possible risk)"
