"""decide-match-review: the match review decision, answered in the Prefect UI."""

from tasks.decisions import decision_flow

decide_match_review = decision_flow("match_review")
