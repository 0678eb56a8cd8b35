"""What every task of ours shares, in one place: nothing cached, nothing persisted, and how
it reaches its settings and the case database.

A task's inputs and results are case ids and counts; results are never written to Prefect's
storage (PREFECT_HOME/storage) and never reused from a cache, so a rerun after a crash asks the
case database again, which is what makes every step idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from prefect import Task, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from missing_education.persistence import SqlUnitOfWork
from missing_education.settings import Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")


def case_task(
    *, retries: int = 0, retry_delay_seconds: list[float] | None = None
) -> Callable[[Callable[P, R]], Task[P, R]]:
    """`@task` with our shared settings; the retry policy stays in each decorator."""

    def decorate(fn: Callable[P, R]) -> Task[P, R]:
        shared = task(
            retries=retries,
            retry_delay_seconds=retry_delay_seconds or 0,
            cache_policy=NO_CACHE,
            persist_result=False,
        )
        return shared(fn)

    return decorate


def as_is(value: R) -> R:
    """A task argument Prefect hands over untouched, not searched item by item for futures.

    For the lists of thousands of case ids one task passes the next: Prefect unwraps the
    `quote` before the task's function sees it, so the function gets `value` itself.
    """
    return cast(R, quote(value))


def configured() -> tuple[Settings, SqlUnitOfWork]:
    """The settings, and a unit of work on the case database they name: how a task starts."""
    settings = load_settings()
    return settings, SqlUnitOfWork(settings.effective_database_url)
