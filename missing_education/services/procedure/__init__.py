"""The CME procedure after intake: acknowledge, investigate, apply decisions, close with letters.

Every step is idempotent: letters are keyed by step, deadlines by step and round, decisions by
kind and round, so a re-run after a crash or a duplicate trigger does nothing twice.

The procedure is split by role: `context` (one unit of work, one day), `closing` (how a case
ends and who is told), `branches` (where a case goes next), `attendance_order` (the s437-s443
route), `core` (intake follow-up, investigation and the decision entry point), `handlers` (one
function per decision kind, in a table), `decision_rules` (the checks a decision passes first),
`outcomes` and `groups` (what letters may say, and the routes for the groups the guidance
names), `facts` and `report`.
"""

from missing_education.services.procedure.closing import DELETION_GROUNDS, OUTCOME_WORDS
from missing_education.services.procedure.context import CME_ACTION_LETTERS
from missing_education.services.procedure.core import Procedure
from missing_education.services.procedure.decision_rules import not_pending_reason, visit_time
from missing_education.services.procedure.report import StepReport

__all__ = [
    "CME_ACTION_LETTERS",
    "DELETION_GROUNDS",
    "OUTCOME_WORDS",
    "Procedure",
    "StepReport",
    "not_pending_reason",
    "visit_time",
]
