"""decide-closure: the closure decision, answered in the Prefect UI."""

from tasks.decisions import decision_flow

decide_closure = decision_flow("closure")
