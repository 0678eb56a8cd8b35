"""The Fair Access Protocol's categories (School Admissions Code 2021, para 3.17), from the case."""

from __future__ import annotations

from collections.abc import Iterable

from missing_education.domain.risk import Risk, read_risks

# The categories the panel may place, in the Code's words, keyed by the risk codes that show
# them on a case. A child referred by the CME service falls in the last one at least.
CATEGORY_WORDS: dict[str, str] = {
    "child_in_need_or_protection": "Subject to a Child in Need Plan or a Child Protection Plan "
    "(now or within the last 12 months)",
    "refuge": "Living in a refuge or other relevant accommodation",
    "criminal_justice": "From the criminal justice system",
    "excluded_or_alternative_provision": "In alternative provision or permanently excluded, "
    "and suitable for mainstream education",
    "sen_without_ehcp": "Special educational needs (without an education, health and care "
    "plan), disabilities or medical conditions",
    "carer": "A child who is a carer (young carer)",
    "homeless": "Homeless",
    "grt_refugee_asylum": "Of, or who are, Gypsies, Roma, Travellers, refugees or asylum seekers",
    "out_of_education": "Out of education for four or more weeks, with no place available at "
    "any school within a reasonable distance of home",
}
_FROM_RISK: dict[Risk, str] = {
    Risk.CHILD_PROTECTION: "child_in_need_or_protection",
    Risk.CHILD_IN_NEED: "child_in_need_or_protection",
    Risk.REFUGE: "refuge",
    Risk.YOUTH_JUSTICE: "criminal_justice",
    Risk.PERMANENTLY_EXCLUDED: "excluded_or_alternative_provision",
    Risk.SEN: "sen_without_ehcp",
    Risk.YOUNG_CARER: "carer",
    Risk.HOMELESS: "homeless",
    Risk.GRT: "grt_refugee_asylum",
    Risk.ASYLUM: "grt_refugee_asylum",
}


def fair_access_categories(flags: Iterable[str]) -> list[str]:
    """The categories a child's flags put them in, the Code's order; "out of education" last."""
    known = read_risks(tuple(flags)).known
    found = {_FROM_RISK[r] for r in known if r in _FROM_RISK}
    if Risk.EHCP in known:
        found.discard("sen_without_ehcp")  # a child with a plan is placed through the plan
    found.add("out_of_education")
    return [code for code in CATEGORY_WORDS if code in found]
