"""Every decision kind has its form, flow, deployment and served flow, made from one vocabulary."""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from prefect import Flow

from deployments.serve import served_deployments
from missing_education.domain import DecisionRefused
from missing_education.domain.decision import VOCABULARY, DecisionKind, answer_of, readme_table
from missing_education.services.decisions import AwaitingDecision
from tasks.decision_runs import run_name
from tasks.decisions import day_from_label, decision_form, prompt, suspend_key, uk_day

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 25)
DEPLOYMENTS = yaml.safe_load((REPO / "deployments" / "prefect.yaml").read_text())["deployments"]


@pytest.mark.parametrize("kind", list(DecisionKind))
def test_every_kind_has_a_module_level_flow_a_deployment_and_a_served_flow(
    kind: DecisionKind,
) -> None:
    module = importlib.import_module(f"flows.decide_{kind.value}")
    flow = getattr(module, f"decide_{kind.value}")
    assert isinstance(flow, Flow)
    assert flow.name == f"decide-{kind.slug}"
    # `serve` and workers re-import the flow by its own name: no factory, no <locals>.
    assert flow.fn.__qualname__ == f"decide_{kind.value}"
    (deployment,) = [d for d in DEPLOYMENTS if d["name"] == kind.slug]
    assert deployment["entrypoint"] == f"flows/decide_{kind.value}.py:decide_{kind.value}"
    assert {"decision", kind.slug} <= set(deployment["tags"])
    served = {(d.flow_name, d.name): d for d in served_deployments()}
    assert set(served[(f"decide-{kind.slug}", kind.slug)].tags) >= {"decision", kind.slug}


def test_serve_offers_exactly_the_deployments_of_prefect_yaml_with_their_schedules() -> None:
    served = {d.name: d for d in served_deployments()}
    assert set(served) == {d["name"] for d in DEPLOYMENTS}
    for declared in DEPLOYMENTS:
        crons = [getattr(s.schedule, "cron", None) for s in served[declared["name"]].schedules]
        assert crons == [s["cron"] for s in declared.get("schedules", [])]
        assert served[declared["name"]].concurrency_limit == declared.get("concurrency_limit")


@pytest.mark.parametrize("kind", list(DecisionKind))
def test_every_form_offers_plain_english_choices_and_no_free_text(kind: DecisionKind) -> None:
    spec = kind.spec
    schema = decision_form(spec, opened_on=date(2026, 11, 2), today_=TODAY).model_json_schema()
    properties = schema["properties"]
    answers = properties["answer"]["enum"]
    assert answers == [a.label for a in spec.offered if a.value not in spec.needs_details]
    assert not any("_" in label for label in answers)  # labels, never codes
    for name, field in properties.items():
        if name == "decided_by":
            # Who decided: one short line (the same rule as `cme decide --by`).
            assert field["maxLength"] == 100 and field["pattern"]
        else:
            assert "enum" in field, f"{kind.value}.{name} would take free text"
    assert ("visited_on" in properties) is spec.asks_visit_date


def test_the_visit_day_defaults_to_today_written_the_uk_way_and_never_the_future() -> None:
    schema = decision_form(
        VOCABULARY[DecisionKind.HOME_VISIT], opened_on=date(2026, 11, 20), today_=TODAY
    ).model_json_schema()
    visited = schema["properties"]["visited_on"]
    assert visited["default"] == "Wed 25 Nov 2026 (today)"
    assert visited["enum"][-1] == "Fri 20 Nov 2026"  # not before the case opened
    assert [day_from_label(v) for v in visited["enum"]] == [
        date(2026, 11, d) for d in range(25, 19, -1)
    ]
    assert uk_day(date(2026, 11, 24), TODAY) == "Tue 24 Nov 2026"


def test_the_prompt_shows_reference_question_due_date_and_safeguarding_only() -> None:
    pending = AwaitingDecision(
        case_id=123,
        reference="CME-000123",
        kind=DecisionKind.HOME_VISIT,
        round=1,
        asked_on=TODAY,
        due_by=date(2026, 12, 9),
        overdue=False,
        safeguarding=True,
        flow_run_id=None,
    )

    text = prompt(pending, refused="the visit date 26 November 2026 is in the future")

    assert text.startswith("### CME-000123: record the outcome of the home visit")
    assert "Due by **09/12/2026** · safeguarding flag: **yes**" in text
    assert "**Not recorded:** the visit date 26 November 2026 is in the future" in text
    assert "cme decide 123 home_visit moved_other_council" in text


def test_the_prompt_links_to_the_case_page_in_the_workspace_by_reference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CME_WEB_URL", "https://cme.example.gov.uk/")
    pending = AwaitingDecision(
        case_id=7,
        reference="CME-000007",
        kind=DecisionKind.SCHOOL_REPLY,
        round=1,
        asked_on=TODAY,
        due_by=None,
        overdue=False,
        safeguarding=False,
        flow_run_id=None,
    )

    text = prompt(pending)

    assert "(https://cme.example.gov.uk/cases/CME-000007)" in text


def test_run_names_and_suspend_keys_carry_the_decision_and_reference_only() -> None:
    assert run_name(DecisionKind.HOME_VISIT, "CME-000123") == "home-visit-cme-000123"
    assert suspend_key("police_notification", "CME-000123") == "police-notification-cme-000123"
    assert suspend_key("s437", "CME-000123", 2) == "s437-cme-000123-2"


def test_the_readme_table_of_decisions_is_the_generated_one() -> None:
    assert readme_table() in (REPO / "README.md").read_text(encoding="utf-8")


def test_a_retired_answer_reads_back_but_no_door_offers_or_accepts_it() -> None:
    spec = DecisionKind.S437.spec
    assert "suitable_education_shown" in {a.value for a in spec.answers}  # stored ones read
    assert "suitable_education_shown" not in {a.value for a in spec.offered}
    assert "suitable_education_shown" not in readme_table()
    with pytest.raises(DecisionRefused, match="home_education_shown"):
        answer_of(DecisionKind.S437, "suitable_education_shown")
