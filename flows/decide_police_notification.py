"""decide-police-notification: the police notification decision, answered in the Prefect UI."""

from tasks.decisions import decision_flow

decide_police_notification = decision_flow("police_notification")
