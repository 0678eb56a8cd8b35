"""decide-home-visit: the home visit decision, answered in the Prefect UI."""

from tasks.decisions import decision_flow

decide_home_visit = decision_flow("home_visit")
