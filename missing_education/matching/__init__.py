"""Record linkage: find a child on a register (a school roll, EHE, social care) and say how sure."""

from missing_education.domain.register import REGISTER_COLUMNS
from missing_education.matching.accuracy import AccuracyReport, evaluate
from missing_education.matching.batch import MatchSummary, match_files
from missing_education.matching.engine import (
    MATCH_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Candidate,
    Decision,
    FieldAgreement,
    Matcher,
    Thresholds,
)
from missing_education.matching.learning import Learnt
from missing_education.matching.register_file import (
    MatchingInputError,
    RegisterFile,
    Rejection,
    read_register,
)

__all__ = [
    "MATCH_THRESHOLD",
    "POSSIBLE_THRESHOLD",
    "REGISTER_COLUMNS",
    "AccuracyReport",
    "Candidate",
    "Decision",
    "FieldAgreement",
    "Learnt",
    "MatchSummary",
    "Matcher",
    "MatchingInputError",
    "RegisterFile",
    "Rejection",
    "Thresholds",
    "evaluate",
    "match_files",
    "read_register",
]
