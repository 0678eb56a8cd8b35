"""`make serve`: every deployment of deployments/prefect.yaml served from this one process.

prefect.yaml is the one home of the deployments and their schedules: this reads it and serves
the same flows with the same names, schedules, tags and limits, without a work pool. A
coordinator opens the Prefect UI (http://127.0.0.1:$PREFECT_PORT) to answer decisions.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from prefect import Flow, serve
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

PREFECT_YAML = Path(__file__).with_name("prefect.yaml")


def load_flow(entrypoint: str) -> Flow[..., Any]:
    """The flow object an entrypoint names (`flows/x.py:name`), imported as a module."""
    path, name = entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, name)
    if not isinstance(flow, Flow):
        raise TypeError(f"{entrypoint} is not a flow")
    return flow


def served_deployments(prefect_yaml: Path = PREFECT_YAML) -> list[RunnerDeployment]:
    """The deployments of prefect.yaml as served deployments (same names and schedules)."""
    spec = yaml.safe_load(prefect_yaml.read_text(encoding="utf-8"))
    made = []
    for d in spec["deployments"]:
        deployment = load_flow(d["entrypoint"]).to_deployment(
            d["name"],
            description=d.get("description"),
            tags=list(d.get("tags") or []),
            concurrency_limit=d.get("concurrency_limit"),
            schedules=[
                Cron(s["cron"], timezone=s.get("timezone", "Europe/London"))
                for s in d.get("schedules") or []
            ],
        )
        assert isinstance(deployment, RunnerDeployment)  # the synchronous call
        made.append(deployment)
    return made


def main() -> None:
    """Serve the deployments; at most CME_SERVE_LIMIT flow runs at once (default 4)."""
    limit = int(os.environ.get("CME_SERVE_LIMIT", "4"))
    serve(*served_deployments(), limit=limit)


if __name__ == "__main__":
    main()
