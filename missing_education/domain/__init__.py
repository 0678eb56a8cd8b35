"""The CME domain: cases, notifications, statuses and the rules of moving between them."""

from missing_education.domain.case import (
    SYSTEM,
    Case,
    Child,
    HistoryEntry,
    Outcome,
    case_reference,
)
from missing_education.domain.errors import (
    CaseNotFound,
    DecisionRefused,
    DomainError,
    IllegalTransition,
    InvalidNotification,
    PreconditionUnmet,
)
from missing_education.domain.notification import (
    NOTIFICATION_COLUMNS,
    REQUIRED_COLUMNS,
    REQUIRED_VALUES,
    Notification,
    parse_notification,
)
from missing_education.domain.states import OPEN_STATUSES, TRANSITIONS, Status

__all__ = [
    "NOTIFICATION_COLUMNS",
    "OPEN_STATUSES",
    "REQUIRED_COLUMNS",
    "REQUIRED_VALUES",
    "SYSTEM",
    "TRANSITIONS",
    "Case",
    "CaseNotFound",
    "Child",
    "DecisionRefused",
    "DomainError",
    "HistoryEntry",
    "IllegalTransition",
    "InvalidNotification",
    "Notification",
    "Outcome",
    "PreconditionUnmet",
    "Status",
    "case_reference",
    "parse_notification",
]
