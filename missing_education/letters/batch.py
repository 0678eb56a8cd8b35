"""Typesetting many letters on every core: a pool of processes, each with its own warm compiler.

A Typst compiler is used by one thread at a time, so one process typesets one letter at a
time; a pool of processes (one per core) typesets a batch in parallel. Each letter is still
compiled on its own, so its PDF and hash are those `render_letter` makes alone.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
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
# Chunks handed to each worker process ahead of time: enough that it never waits while the
# caller writes a batch to the database, few enough that the caller rarely waits for it.
QUEUED_PER_WORKER = 4


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
    """A batch handed to the pool, in chunks: `results()` gives its letters once typeset.

    Workers take its chunks from the front, the calling process from the back, so each chunk
    is typeset once, by whoever is free.
    """

    def __init__(
        self,
        chunks: list[list[TypesetJob]],
        letterhead: Letterhead,
        pool: TypesettingPool | None = None,
    ) -> None:
        self.chunks = chunks
        self.letterhead = letterhead
        self.pool = pool  # None: the caller typesets every chunk
        self.sent: dict[int, Future[list[TypesetResult]]] = {}  # chunk number: a worker's
        self.here: dict[int, list[TypesetResult]] = {}  # chunk number: the caller's
        self._front = 0  # the next chunk a worker takes
        self._back = len(chunks)  # chunks from here on are taken

    def untaken(self) -> bool:
        """Whether some chunk is neither with a worker nor typeset by the caller."""
        return self._front < self._back

    def take_front(self) -> int:
        """The first untaken chunk's number, now a worker's."""
        self._front += 1
        return self._front - 1

    def typeset_back(self) -> None:
        """Typeset the last untaken chunk in this process."""
        self._back -= 1
        self.here[self._back] = typeset_here(self.chunks[self._back], self.letterhead)

    def waiting(self) -> list[Future[list[TypesetResult]]]:
        """This batch's chunks still with a worker."""
        return [future for future in self.sent.values() if not future.done()]

    def results(self) -> list[TypesetResult]:
        """Every letter's result, in the order given (the caller typesets its share meanwhile)."""
        if self.pool is not None:
            return self.pool.results(self)
        while self.untaken():
            self.typeset_back()
        return self.collected()

    def collected(self) -> list[TypesetResult]:
        """The results of every chunk, all taken (a worker's failure is raised here)."""
        results: list[TypesetResult] = []
        for number in range(len(self.chunks)):
            results.extend(self.here[number] if number in self.here else self.sent[number].result())
        return results


class TypesettingPool:
    """`with TypesettingPool(workers) as pool: pool.typeset(jobs, letterhead)`.

    `workers` processes typeset: the calling process and `workers - 1` worker processes,
    started on the first batch big enough to need them and kept for every later batch, each
    keeping its fonts and compiler warm. They are started fresh (spawn), never forked from a
    process that runs threads (Prefect's, a web server's). `start` hands a batch over and
    returns at once, so the caller can write the previous batch (and read the next) while the
    workers typeset this one; waiting for the results, the caller typesets chunks no worker has
    taken yet, of this batch and then of the next, so that no process sits idle.
    """

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers or usable_cores()
        self._executor: ProcessPoolExecutor | None = None
        self._open: list[Typesetting] = []  # batches the workers share, oldest first

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
        """Hand a batch over; `.results()` on what it returns gives the letters."""
        size = max(1, min(CHUNK, -(-len(jobs) // (self.workers * 4))))
        chunks = [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]
        if self.workers <= 1 or len(jobs) < POOL_FROM:
            return Typesetting(chunks, letterhead)  # the caller typesets it all
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers - 1, mp_context=multiprocessing.get_context("spawn")
            )
        batch = Typesetting(chunks, letterhead, self)
        self._open.append(batch)
        self._feed()
        return batch

    def typeset(self, jobs: Sequence[TypesetJob], letterhead: Letterhead) -> list[TypesetResult]:
        """Typeset a batch, in the order given, on every worker."""
        return self.start(jobs, letterhead).results()

    def _feed(self) -> None:
        """Give the workers chunks from the front of the oldest batches, a few each at a time.

        Only a few chunks wait at a worker (none is ever cancelled, so a worker that dies fails
        the batch cleanly); the rest stay here for whoever is free first.
        """
        assert self._executor is not None
        room = QUEUED_PER_WORKER * (self.workers - 1)
        room -= sum(len(batch.waiting()) for batch in self._open)
        for batch in self._open:
            while room > 0 and batch.untaken():
                number = batch.take_front()
                batch.sent[number] = self._executor.submit(
                    typeset_here, batch.chunks[number], batch.letterhead
                )
                room -= 1

    def results(self, batch: Typesetting) -> list[TypesetResult]:
        """A batch's results: this process typesets what no worker has taken until none is left."""
        while True:
            self._feed()
            if batch.untaken():
                batch.typeset_back()
                continue
            waiting = batch.waiting()
            if not waiting:
                break
            # Only workers' chunks are left of this batch: take on the next batch's meanwhile.
            ahead = next((b for b in reversed(self._open) if b.untaken()), None)
            if ahead is not None:
                ahead.typeset_back()
            else:
                wait(waiting, return_when=FIRST_COMPLETED)
        self._open.remove(batch)
        return batch.collected()
