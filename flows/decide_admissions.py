"""decide-admissions: the admissions decision, answered in the Prefect UI."""

from tasks.decisions import decision_flow

decide_admissions = decision_flow("admissions")
