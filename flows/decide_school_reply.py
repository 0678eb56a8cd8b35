"""decide-school-reply: the school reply decision, answered in the Prefect UI."""

from tasks.decisions import decision_flow

decide_school_reply = decision_flow("school_reply")
