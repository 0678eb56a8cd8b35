"""Case statuses and the transitions between them, declared once as a table.

The table reads like the procedure in docs/domain.md section 4 and is checked when the
module loads: every status is reachable from `received` and every open status can reach
`closed`, so no case can be stranded.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where a case stands in the CME procedure."""

    RECEIVED = "received"  # notification logged, not yet triaged
    INVESTIGATING = "investigating"  # database checks, school enquiry, home visit
    LOCATED = "located"  # family found; time to secure a place or evidence EHE
    AWAITING_ADMISSION = "awaiting_admission"  # referred to in-year admissions
    FAIR_ACCESS = "fair_access"  # referred to the Fair Access panel
    HANDOVER = "handover"  # moved to another council; awaiting confirmation of roll
    S437_ISSUED = "s437_issued"  # refuses education; s437(1) notice served
    ESCALATED = "escalated"  # not located in time; social care and LPD informed
    MONITORING = "monitoring"  # whereabouts unknown; reviewed monthly
    CLOSED = "closed"
    # The school attendance order route, Education Act 1996 ss437-443 (DOMAIN.md 4.7).
    S438_ISSUED = "s438_issued"  # order expedient; notice of intention served; 15 days to choose
    ATTENDANCE_ORDER = "attendance_order"  # order made and sent; in force from service; compliance
    PROSECUTION = "prosecution_referred"  # order not complied with; referred for prosecution


OPEN_STATUSES = frozenset(s for s in Status if s is not Status.CLOSED)

# (from, to): when the move happens. The only moves there are.
TRANSITIONS: dict[tuple[Status, Status], str] = {
    (Status.RECEIVED, Status.INVESTIGATING): "triage found a child missing education",
    (Status.RECEIVED, Status.CLOSED): "triage found no CME case (not of school age, duplicate)",
    (Status.INVESTIGATING, Status.LOCATED): "child or family found without a school place",
    (Status.INVESTIGATING, Status.AWAITING_ADMISSION): "found in the area; referred to admissions",
    (Status.INVESTIGATING, Status.HANDOVER): "moved to another council; handed over",
    (Status.INVESTIGATING, Status.S437_ISSUED): "parent refuses education; s437 notice served",
    (Status.INVESTIGATING, Status.ESCALATED): "not located within the time limit, or at risk",
    (Status.INVESTIGATING, Status.CLOSED): "on roll, EHE, moved abroad, or other outcome",
    (Status.LOCATED, Status.AWAITING_ADMISSION): "no place secured; referred to admissions",
    (Status.LOCATED, Status.HANDOVER): "family moving to another council",
    (Status.LOCATED, Status.S437_ISSUED): "parent refuses education; s437 notice served",
    (Status.LOCATED, Status.CLOSED): "place secured or EHE evidenced",
    (Status.AWAITING_ADMISSION, Status.FAIR_ACCESS): "in-year admission refused: Fair Access",
    (Status.AWAITING_ADMISSION, Status.CLOSED): "placed on a school roll",
    (Status.FAIR_ACCESS, Status.CLOSED): "placed through the Fair Access Protocol",
    (Status.HANDOVER, Status.CLOSED): "other council confirmed the child is on a roll",
    (Status.HANDOVER, Status.ESCALATED): "no confirmation from the other council",
    (Status.S437_ISSUED, Status.AWAITING_ADMISSION): "parent applies for a place",
    (Status.S437_ISSUED, Status.CLOSED): "suitable education shown (a school place or at home)",
    (Status.ESCALATED, Status.MONITORING): "enquiries exhausted; monthly review",
    (Status.ESCALATED, Status.LOCATED): "located after escalation",
    (Status.ESCALATED, Status.AWAITING_ADMISSION): "located after escalation; needs a place",
    (Status.ESCALATED, Status.HANDOVER): "located in another council after escalation",
    (Status.ESCALATED, Status.CLOSED): "located after escalation, or past school age",
    (Status.MONITORING, Status.LOCATED): "located during monitoring",
    (Status.MONITORING, Status.AWAITING_ADMISSION): "located during monitoring; needs a place",
    (Status.MONITORING, Status.HANDOVER): "located in another council during monitoring",
    (Status.MONITORING, Status.CLOSED): "located, past school age, or all enquiries complete",
    (Status.S437_ISSUED, Status.S438_ISSUED): (
        "s437 period over, parent has not satisfied us, order expedient: s438 notice served"
    ),
    (Status.S438_ISSUED, Status.ATTENDANCE_ORDER): "15 days to choose a school over: order served",
    (Status.S438_ISSUED, Status.CLOSED): "a school confirms the child is registered",
    (
        Status.ATTENDANCE_ORDER,
        Status.PROSECUTION,
    ): "order not complied with: referred for prosecution",
    (
        Status.ATTENDANCE_ORDER,
        Status.CLOSED,
    ): "named school confirms registration, or order revoked",
    (Status.PROSECUTION, Status.CLOSED): "named school confirms registration, or order revoked",
}


def _check_table() -> None:
    reachable: set[Status] = {Status.RECEIVED}
    frontier = [Status.RECEIVED]
    while frontier:
        here = frontier.pop()
        for a, b in TRANSITIONS:
            if a is here and b not in reachable:
                reachable.add(b)
                frontier.append(b)
    unreachable = set(Status) - reachable
    if unreachable:
        raise AssertionError(f"unreachable statuses: {sorted(unreachable)}")
    for status in OPEN_STATUSES:
        seen: set[Status] = {status}
        frontier = [status]
        while frontier:
            here = frontier.pop()
            for a, b in TRANSITIONS:
                if a is here and b not in seen:
                    seen.add(b)
                    frontier.append(b)
        if Status.CLOSED not in seen:
            raise AssertionError(f"{status} can never be closed")
    if any(a is Status.CLOSED for a, _ in TRANSITIONS):
        raise AssertionError("closed is final")


_check_table()
