"""``map()``: ordered results without a Future per task, real chunks, bounded read-ahead.

Each map call shares one ``MapRun`` between its tasks and its result iterator. A task stores
its outcome under its index; the iterator takes the outcomes in index order and sleeps only
when the next one is not there yet. The hand-off needs no lock: the iterator writes
``waiting_for`` and then looks for its result; a task writes its result and then reads
``waiting_for``. Whichever goes second sees the other's write, so either the iterator finds the
result or the task wakes it (a stale wake-up only costs the iterator one more look).

With ``chunksize=n`` one task calls ``fn`` on ``n`` items, so the per-task cost is paid once per
chunk, and the caller takes the items of a chunk's results through a C chain (``_Items``),
not one generator step each. If ``fn`` raises inside a chunk, the items before it are still
yielded, then the exception is raised, as if each item had been a task of its own.
"""

from __future__ import annotations

import collections
import itertools
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FuturesTimeoutError
from queue import Empty, SimpleQueue

from ._tasks import CANCELLED, COMPLETED, FAILED, Task, TaskKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from typing import Any, Final

__all__ = ("MAP", "MapRun", "map_ordered")


class MapRun:
    """What one ``map()`` call's tasks and its iterator share."""

    __slots__ = ("cancelled", "outcomes", "waiting_for", "wake")

    def __init__(self) -> None:
        self.outcomes: dict[int, tuple[Any, BaseException | None]] = {}
        """index -> (result, or list of results for a chunk; the error, if any)"""
        self.waiting_for = -1
        """The index the iterator sleeps on, or -1."""
        self.wake: SimpleQueue[None] = SimpleQueue()
        self.cancelled = False
        """Set when the iterator is closed or dropped: tasks not yet started are skipped."""

    def store(self, index: int, outcome: tuple[Any, BaseException | None]) -> None:
        self.outcomes[index] = outcome
        if self.waiting_for == index:
            self.wake.put(None)


class _Map(TaskKind):
    """``(MAP, run, index, fn, args, spread)``: one item, called as ``fn(*args)``, when
    ``spread`` is None; else a chunk, whose results are ``spread(fn, args)`` (``map`` for a
    list of items, ``itertools.starmap`` for a list of argument tuples)."""

    __slots__ = ()

    @staticmethod
    def run(task: Task, pool: str) -> int:
        _, run, index, fn, args, spread = task
        if run.cancelled:
            return CANCELLED
        if spread is not None:
            results: list[Any] = []
            try:
                results.extend(spread(fn, args))  # keeps the results from before a raise
            except BaseException as exc:
                run.store(index, (results, exc))
                return FAILED
            run.store(index, (results, None))
            return COMPLETED
        try:
            result = fn(*args)
        except BaseException as exc:
            run.store(index, (None, exc))
            return FAILED
        run.store(index, (result, None))
        return COMPLETED

    @staticmethod
    def discard(task: Task, error: BaseException, pool: str) -> int:
        _, run, index, _, _, spread = task
        run.store(index, ([] if spread is not None else None, error))
        return CANCELLED if isinstance(error, CancelledError) else FAILED


MAP: Final[TaskKind] = _Map()


def map_ordered(
    accept: Callable[[list[Task]], None],
    fn: Callable[..., Any],
    iterables: tuple[Iterable[Any], ...],
    timeout: float | None,
    chunksize: int,
    buffersize: int | None,
) -> Iterator[Any]:
    """Submit the first tasks now (all of them without ``buffersize``) through ``accept`` and
    return an iterator over the results, in order. The iterator submits the rest as results are
    taken, keeping at most ``buffersize`` tasks ahead."""
    deadline = None if timeout is None else time.monotonic() + timeout
    chunked = chunksize > 1
    args: Iterator[Any]
    spread: Callable[..., Iterator[Any]] | None = None  # how a chunk's task calls fn
    if not chunked:
        args = zip(*iterables, strict=False)
    elif len(iterables) == 1:  # chunks of items, called as fn(item): no argument tuples
        rows = iter(iterables[0])
        args, spread = iter(lambda: list(itertools.islice(rows, chunksize)), []), map
    else:
        rows = zip(*iterables, strict=False)
        args = iter(lambda: list(itertools.islice(rows, chunksize)), [])
        spread = itertools.starmap
    run = MapRun()
    tasks = ((MAP, run, index, fn, item, spread) for index, item in enumerate(args))
    first = itertools.islice(tasks, buffersize)  # None: all of them
    submitted = 0
    while batch := list(itertools.islice(first, _BATCH)):
        accept(batch)
        submitted += len(batch)
    results = _results(run, submitted, tasks, accept, deadline, chunked)
    next(results)  # into the try block, so closing or dropping it before any result cancels
    if chunked:
        return _Items.over(results)
    return results


_BATCH = 256
"""Tasks accepted under one lock acquisition: amortizes the lock without starving workers."""


def _results(
    run: MapRun,
    submitted: int,
    more: Iterator[Task],
    accept: Callable[[list[Task]], None],
    deadline: float | None,
    chunked: bool,
) -> Generator[Any, None, None]:
    outcomes = run.outcomes
    try:
        yield None  # where map_ordered() leaves it
        for index in itertools.count():
            if index == submitted:
                return
            task = next(more, None)  # keep the read-ahead full (without buffersize: none left)
            if task is not None:
                accept([task])
                submitted += 1
            del task
            outcome = outcomes.pop(index, None)
            if outcome is None:
                outcome = _wait_for(run, index, deadline)
            result, error = outcome
            del outcome
            if chunked or error is None:
                yield result  # for a chunk, the list of its results (up to a failing item)
            del result
            if error is not None:
                raise error
    finally:  # closed, dropped, failed or timed out: what has not started will not run
        run.cancelled = True


class _Items(itertools.chain["Any"]):
    """What a chunked ``map()`` returns: the items of each chunk's list of results, in order.

    A chain over the lists that the ``_results`` generator yields, so an item costs a C call,
    not a generator resumption (which took a fifth of a 200,000-item map's time). Like the
    generator it can be closed, which cancels what has not started, and it stops there.
    """

    __slots__ = ("_chunks",)
    _chunks: Generator[Any, None, None]

    @classmethod
    def over(cls, chunks: Generator[Any, None, None]) -> _Items:
        items = cls.from_iterable(chunks)
        assert isinstance(items, _Items)  # typeshed types from_iterable as returning a chain
        items._chunks = chunks
        return items

    def close(self) -> None:
        self._chunks.close()
        collections.deque(self, maxlen=0)  # drop the rest of the chunk being taken


def _wait_for(run: MapRun, index: int, deadline: float | None) -> tuple[Any, Any]:
    run.waiting_for = index
    try:
        while (outcome := run.outcomes.pop(index, None)) is None:
            try:
                if deadline is None:
                    run.wake.get()
                else:
                    run.wake.get(timeout=max(0.0, deadline - time.monotonic()))
            except Empty:
                raise FuturesTimeoutError from None
        return outcome
    finally:
        run.waiting_for = -1
