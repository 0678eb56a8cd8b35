"""Bulk work with fewer garbage collections: intake, the daily review, a step over many cases.

CPython's cyclic collector runs after every 700 net allocations, and every so often walks every
object the process holds (a running flow holds several hundred thousand: Prefect, SQLAlchemy,
pandas). Bulk work allocates many objects that live until their batch is committed, so it set
off a full collection every few hundred rows: about a sixth of intake's and the sweep's CPU
time. Inside `fewer_collections()` the youngest generation is collected after 20,000
allocations instead; nothing is switched off, so memory held in reference cycles is still
freed. Our records rarely form cycles, and reference counting frees the rest at once.

The threshold is process-wide: blocks may nest or overlap in threads (Prefect runs tasks in
threads), so the first to enter raises it and the last to leave puts back what it found.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

BULK_THRESHOLD = 20_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect the youngest generation every BULK_THRESHOLD allocations while the block runs."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            if _saved[0] and _saved[0] < BULK_THRESHOLD:  # 0: collection is off; leave it
                gc.set_threshold(BULK_THRESHOLD, _saved[1], _saved[2])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
