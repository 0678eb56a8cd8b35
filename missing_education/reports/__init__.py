"""Reports: the weekly management report, the DfE termly return and the case record.

Pure functions over plain facts compute the figures (`figures`, `dfe_return`); `charts`
draws them with matplotlib; `documents` writes CSV, HTML and PDF. Management outputs hold
counts and case references only; the case record is the one document with a child's details.
"""

from missing_education.reports.case_record import CaseRecord, RecordTable, case_record
from missing_education.reports.dfe_return import (
    COLUMNS as DFE_COLUMNS,
)
from missing_education.reports.dfe_return import (
    DFE_REASONS,
    EXCLUSIONS,
    LENGTH_BANDS,
    CensusChild,
    DfeReturn,
    Term,
    TermError,
    dfe_return,
    parse_term,
    term_dates,
)
from missing_education.reports.documents import (
    ReportFiles,
    Typesetter,
    case_record_pdf,
    csv_text,
    write_csv,
    write_report,
    write_table,
)
from missing_education.reports.facts import (
    CaseFacts,
    Period,
    ReportData,
    missing_school_days,
)
from missing_education.reports.figures import (
    RE_ENGAGED,
    STAGES,
    ReportFigures,
    Section,
    Table,
    weekly_figures,
)

__all__ = [
    "DFE_COLUMNS",
    "DFE_REASONS",
    "EXCLUSIONS",
    "LENGTH_BANDS",
    "RE_ENGAGED",
    "STAGES",
    "CaseFacts",
    "CaseRecord",
    "CensusChild",
    "DfeReturn",
    "Period",
    "RecordTable",
    "ReportData",
    "ReportFigures",
    "ReportFiles",
    "Section",
    "Table",
    "Term",
    "TermError",
    "Typesetter",
    "case_record",
    "case_record_pdf",
    "csv_text",
    "dfe_return",
    "missing_school_days",
    "parse_term",
    "term_dates",
    "weekly_figures",
    "write_csv",
    "write_report",
    "write_table",
]
