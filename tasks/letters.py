"""Prefect task around the renderer: queued letters typeset in batches on every core."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from missing_education.clock import today
from missing_education.persistence import SqlUnitOfWork
from missing_education.services.typesetting import typeset_letters
from missing_education.settings import load_settings


@task(retries=2, retry_delay_seconds=[5, 30], cache_policy=NO_CACHE, persist_result=False)
def typeset_queued_letters() -> dict[str, Any]:
    """Typeset every queued letter, keep its PDF in the case database, record its hash."""
    settings = load_settings()
    uow = SqlUnitOfWork(settings.effective_database_url)
    return typeset_letters(uow, settings=settings, today=today()).as_dict()
