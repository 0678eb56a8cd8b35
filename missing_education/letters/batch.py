"""Typesetting many letters on every core: a pool of processes, each with its own warm compiler.

A Typst compiler is used by one thread at a time, so one process typesets one letter at a
time; a pool of processes (one per core) typesets a batch in parallel. Each letter is still
compiled on its own, so its PDF and hash are those `render_letter` makes alone.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from missing_education.letters.context_json import loads_context
from missing_education.letters.errors import LetterError
from missing_education.letters.letterhead import Letterhead
from missing_education.letters.rendering import RenderedLetter, render_letter

# Fewer letters than this are typeset in the calling process: starting workers costs more.
POOL_FROM = 16
# Letters per chunk sent to a worker at most: small enough that the work shares out evenly and
# the caller can take chunks back, big enough that sending them costs little.
CHUNK = 2


@dataclass(frozen=True)
class TypesetJob:
    """One queued letter to typeset: its id, type and context (JSON)."""

    letter_id: int
    letter_type: str
    context: str


@dataclass(frozen=True)
class TypesetResult:
    """A letter typeset, or why not (a reason that names keys and types, never values)."""

    letter_id: int
    letter: RenderedLetter | None
    error: str = ""


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def typeset_here(jobs: Sequence[TypesetJob], letterhead: Letterhead) -> list[TypesetResult]:
    """Typeset jobs one after another in this process; one bad letter fails only itself."""
    results = []
    for job in jobs:
        try:
            letter = render_letter(job.letter_type, loads_context(job.context), letterhead)
        except LetterError as error:
            lines = str(error).strip().splitlines()
            results.append(TypesetResult(job.letter_id, None, lines[0] if lines else "failed"))
        except Exception as error:  # a message might quote the record: its type alone
            results.append(TypesetResult(job.letter_id, None, type(error).__name__))
        else:
            results.append(TypesetResult(job.letter_id, letter))
    return results


class Typesetting:
    """A batch handed to the pool: its chunks are being typeset; `results()` waits for them."""

    def __init__(
        self,
        chunks: list[list[TypesetJob]],
        futures: list[Future[list[TypesetResult]]],
        letterhead: Letterhead,
    ) -> None:
        self._chunks = chunks
        self._futures = futures
        self._letterhead = letterhead

    def results(self) -> list[TypesetResult]:
        """Every letter's result, in the order given.

        While it waits, the calling process typesets its share: one at a time, it takes back the
        last chunk no worker has started (a cancelled future) and typesets it itself, so no core
        waits while work is left and the caller is not idle either.
        """
        done: dict[int, list[TypesetResult]] = {}
        while True:
            pending = [n for n in range(len(self._futures)) if n not in done]
            taken = next((n for n in reversed(pending) if self._futures[n].cancel()), None)
            if taken is None:
                break
            done[taken] = typeset_here(self._chunks[taken], self._letterhead)
        results: list[TypesetResult] = []
        for number, future in enumerate(self._futures):
            results.extend(done[number] if number in done else future.result())
        return results


class TypesettingPool:
    """`with TypesettingPool(workers) as pool: pool.typeset(jobs, letterhead)`.

    Worker processes start on the first batch big enough to need them and serve every later
    batch, each keeping its fonts and compiler warm. They are started fresh (spawn), never
    forked from a process that runs threads (Prefect's, a web server's). `start` hands a batch
    over and returns at once, so the caller can write the previous batch's results (and read
    the next batch) while the workers typeset this one; the caller typesets its share as it
    waits for the results.
    """

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or usable_cores()
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def start(self, jobs: Sequence[TypesetJob], letterhead: Letterhead) -> Typesetting:
        """Hand a batch to the workers; `.results()` on what it returns gives the letters."""
        size = max(1, min(CHUNK, -(-len(jobs) // (self.workers * 4))))
        chunks = [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]
        if self.workers <= 1 or len(jobs) < POOL_FROM:
            return Typesetting(chunks, [_waiting() for _ in chunks], letterhead)
        if self._executor is None:
            # This process typesets its share too (see Typesetting.results): one fewer worker.
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers - 1, mp_context=multiprocessing.get_context("spawn")
            )
        futures = [self._executor.submit(typeset_here, chunk, letterhead) for chunk in chunks]
        return Typesetting(chunks, futures, letterhead)

    def typeset(self, jobs: Sequence[TypesetJob], letterhead: Letterhead) -> list[TypesetResult]:
        """Typeset a batch, in the order given, on every worker."""
        return self.start(jobs, letterhead).results()


def _waiting() -> Future[list[TypesetResult]]:
    """A future nobody will run: the caller cancels it and typesets its chunk itself."""
    return Future()
