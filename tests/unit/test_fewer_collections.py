"""Bulk work raises the collector's threshold for its duration and puts back what it found."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from missing_education.services.collecting import BULK_THRESHOLD, fewer_collections


@pytest.fixture(autouse=True)
def default_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_the_youngest_generation_is_collected_less_often_inside_the_block() -> None:
    with fewer_collections():
        assert gc.get_threshold() == (BULK_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_blocks_restore_the_threshold_only_when_the_outermost_ends() -> None:
    with fewer_collections():
        with fewer_collections():
            pass
        assert gc.get_threshold()[0] == BULK_THRESHOLD
    assert gc.get_threshold() == (700, 10, 10)


def test_the_threshold_is_restored_when_the_work_fails() -> None:
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("a batch failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_collection_switched_off_by_the_process_stays_off() -> None:
    gc.set_threshold(0, 10, 10)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold() == (0, 10, 10)


def test_overlapping_blocks_in_two_threads_leave_the_original_threshold() -> None:
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with fewer_collections():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with fewer_collections():
        thread.start()
        inside.wait(10)
    # The first block has ended, but the other thread's still runs: still raised.
    assert gc.get_threshold()[0] == BULK_THRESHOLD
    release.set()
    thread.join(10)
    assert gc.get_threshold() == (700, 10, 10)
