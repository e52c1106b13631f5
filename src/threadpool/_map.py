"""``map()``: ordered results without a Future per task, real chunks, bounded read-ahead.

When it starts
==============
As with the standard library, ``map()`` submits its tasks when it is called (all of them, or the
first ``buffersize``), so they run even if nobody iterates: ``pool.map(fn, items)`` called for
its side effects does its work. The iterator is a generator that has not started yet: closing or
dropping it before the first ``next()`` cancels nothing. Once started, closing or dropping it, a
result that raises, or a time-out cancels the tasks that have not started, as the standard
library's generator does in its ``finally``.

The hand-off: one dict, no shared flags
=======================================
Each map call shares one ``MapRun`` between its tasks and its iterator. A task stores its outcome
under its index with one ``outcomes.setdefault(index, outcome)``. The iterator takes the outcome
of the index it is at with ``outcomes.pop(index, None)``; when it is not there yet, it marks the
index as waited for with ``outcomes.setdefault(index, WAITING)``. Each is one dict method call,
atomic under the dict's own lock on free-threaded builds, so of the two ``setdefault`` calls on
an index exactly one finds the other's value: the task's finds ``WAITING`` and hands its outcome
over through the ``wake`` queue (a ``SimpleQueue``, safe between threads), or the iterator's finds
the outcome and takes it. Nothing else is shared but ``cancelled``, a flag that only ever goes
from False to True (a task that reads it just before it is set runs, as a task already started
would).

One consumer at a time: like any generator, a map iterator must not be advanced by two threads
at once.

No result is kept
=================
After ``next()`` returns a result, nothing here refers to it: the generator yields it straight
from the call that takes it, and a chunk's results are handed out by ``list.pop`` (through
``_Items``, a C chain: an item costs a C call, not a generator step).

With ``chunksize=n`` one task calls ``fn`` on ``n`` items, so the per-task cost is paid once per
chunk. If ``fn`` raises inside a chunk, the items before it are still yielded, then the exception
is raised, as if each item had been a task of its own.

After a raise
=============
The standard library's ``map()`` iterator ends when an item's call raised (its generator
raised, and cancelled the rest), up to and including CPython 3.15.2, as its own tests in CI
show. gh-108518 proposed that it go on, as the built-in ``map`` does; ``CONTINUES_AFTER_RAISE``
is the switch for that mode, off while no released Python does it. A generator cannot raise
and go on, so in that mode the generator yields each outcome to ``_Continuing``, a C ``map``
that calls ``pop()`` on it: ``[result].pop()`` hands the result out, ``_Raises(error).pop()``
raises the error, and the ``map`` stays usable after it. A chunk task then goes on past an
item that raised, noting its error by position.

A ``submit`` that is not ThreadPool's own (overridden in a subclass, or replaced on the instance,
as progress bars do) sees every task: ``map_through_submit`` then does what the standard
library's ``Executor.map`` does, with a chunk as one submitted call.
"""

from __future__ import annotations

import collections
import functools
import itertools
import operator
import time
from _queue import Empty, SimpleQueue  # not `queue`, which also loads heapq (see __init__.py)
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FuturesTimeoutError
from concurrent.futures import wait as wait_for_futures

from ._tasks import CANCELLED, COMPLETED, FAILED, Task, TaskKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from typing import Any, Final, NoReturn, TypeAlias

    # What a task stores: ``[result]`` for an item that returned (a list, so that the
    # iterator can hand the result out with ``pop()`` and keep nothing); ``(None, error)`` for
    # an item that raised; ``(results, error or None)`` for a chunk, ``results`` the list of
    # those before an error, or, when the map goes on after a raise,
    # ``(results, {position: error})`` with None at those positions.
    Outcome: TypeAlias = Any

__all__ = ("CONTINUES_AFTER_RAISE", "MAP", "MapRun", "map_ordered", "map_through_submit")

CONTINUES_AFTER_RAISE = False
"""Whether a map() iterator goes on after an item raised (see "After a raise"): no released
Python's does, 3.15.2 included. Read at each map() call."""


_ONE: Final[Any] = object()
"""A task's ``spread`` for one item of a map over one iterable: called as ``fn(item)``."""

_WAITING: Final[Any] = object()
"""In ``MapRun.outcomes``: the iterator waits for this index (see "The hand-off")."""


class MapRun:
    """What one ``map()`` call's tasks and its iterator share."""

    __slots__ = ("cancelled", "chunksize", "continues", "outcomes", "timeout", "wake")

    def __init__(self, timeout: float | None, chunksize: int, continues: bool) -> None:
        self.outcomes: dict[int, Outcome] = {}
        """index -> outcome, or ``_WAITING``; written only with setdefault, taken with pop."""
        self.wake: SimpleQueue[Outcome] = SimpleQueue()
        """The outcome of the index the iterator waits for."""
        self.cancelled = False
        """Set when the iterator ends early: tasks not yet started are skipped."""
        self.timeout: Final = timeout  # for the time-out's message
        self.chunksize: Final = chunksize
        self.continues: Final = continues  # see "After a raise"

    def store(self, index: int, outcome: Outcome) -> None:
        """A task's side of the hand-off."""
        if self.outcomes.setdefault(index, outcome) is _WAITING:
            self.wake.put(outcome)

    def take(self, index: int, deadline: float | None) -> Outcome:
        """The iterator's side: the outcome of ``index``, waiting for it until ``deadline``."""
        outcomes = self.outcomes
        outcome = outcomes.pop(index, None)
        if outcome is not None:
            return outcome
        outcome = outcomes.setdefault(index, _WAITING)
        if outcome is _WAITING:
            try:
                if deadline is None:
                    outcome = self.wake.get()
                else:
                    outcome = self.wake.get(timeout=max(0.0, deadline - time.monotonic()))
            except Empty:
                raise self._timed_out(index) from None
        del outcomes[index]  # our mark, or the outcome that arrived just before it
        return outcome

    def _timed_out(self, index: int) -> FuturesTimeoutError:
        return FuturesTimeoutError(
            f"map(timeout={self.timeout}): result {index * self.chunksize} was not ready "
            f"{self.timeout} seconds after the call"
        )


class _Map(TaskKind):
    """``(MAP, run, index, fn, args, spread)``: one item, called as ``fn(args)`` when
    ``spread`` is ``_ONE`` (a map over one iterable: ``args`` is the item, with no tuple made
    for it) or as ``fn(*args)`` when it is None; else a chunk, whose results are
    ``spread(fn, args)`` (``map`` for a list of items, ``itertools.starmap`` for a list of
    argument tuples)."""

    __slots__ = ()

    @staticmethod
    def run(task: Task, pool: str) -> int:
        _, run, index, fn, args, spread = task
        if run.cancelled:
            return CANCELLED
        if spread is not _ONE and spread is not None:
            results, error = _call_chunk(spread, fn, args, run.continues)
            run.store(index, (results, error))
            return COMPLETED if error is None else FAILED
        try:
            result = fn(args) if spread is _ONE else fn(*args)
        except BaseException as exc:
            run.store(index, (None, exc))
            return FAILED
        outcome = [result]
        if run.outcomes.setdefault(index, outcome) is _WAITING:  # run.store() inline
            run.wake.put(outcome)
        return COMPLETED

    @staticmethod
    def discard(task: Task, error: BaseException, pool: str) -> int:
        _, run, index, _, _, spread = task
        run.store(index, (None if spread is _ONE or spread is None else [], error))
        return CANCELLED if isinstance(error, CancelledError) else FAILED


MAP: Final[TaskKind] = _Map()


def _call_chunk(
    spread: Callable[..., Iterator[Any]],
    fn: Callable[..., Any],
    args: Sequence[Any],
    continues: bool,
) -> Outcome:
    """A chunk's results, up to the item that raised, and what it raised; or, if the map
    ``continues`` after a raise, all of them, with the errors by position."""
    results: list[Any] = []
    errors: dict[int, BaseException] = {}
    while True:
        try:  # extend() keeps the results from before a raise
            results.extend(spread(fn, args[len(results) :] if results else args))
        except BaseException as exc:
            if not continues:
                return results, exc
            errors[len(results)] = exc
            results.append(None)
            continue
        return results, errors or None


class _Raises:
    """An item that raised, in a map that goes on after a raise: ``pop()`` raises its error."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def pop(self) -> NoReturn:
        raise self.error


_pop: Final = operator.methodcaller("pop")


class _Continuing(map):  # type: ignore[type-arg]
    """A map() iterator that goes on after a raise: ``pop()`` of each outcome its generator
    yields (see "After a raise"). Closing it closes the generator."""

    __slots__ = ("_outcomes",)
    _outcomes: Generator[Any, None, None]

    @classmethod
    def over(cls, outcomes: Generator[Any, None, None]) -> _Continuing:
        results = cls(_pop, outcomes)
        results._outcomes = outcomes
        return results

    def close(self) -> None:
        self._outcomes.close()


def _handed_out_with_errors(results: list[Any], errors: dict[int, BaseException]) -> Iterator[Any]:
    """``_handed_out`` for a chunk some of whose items raised: each raises as it is reached."""
    holders = [_Raises(errors[i]) if i in errors else [result] for i, result in enumerate(results)]
    results.clear()
    return map(_pop, _handed_out(holders))


def _arguments(
    iterables: tuple[Iterable[Any], ...], chunksize: int, now: bool
) -> tuple[Iterator[Any], Callable[..., Iterator[Any]] | None]:
    """The tasks' arguments: tuples, or sequences of ``chunksize`` items; and how a chunk's
    task calls ``fn`` (None for single items). ``now``: every argument is read during the
    call (no ``buffersize``)."""
    if chunksize == 1:
        return zip(*iterables, strict=False), None
    if len(iterables) == 1:  # chunks of items, called as fn(item): no argument tuples
        items = iterables[0]
        if now and type(items) in _SLICED:  # a slice per chunk, not a step per item
            sequence: Any = items
            starts = range(0, len(sequence), chunksize)
            return (sequence[start : start + chunksize] for start in starts), map
        rows = iter(items)
        return iter(lambda: list(itertools.islice(rows, chunksize)), []), map
    rows = zip(*iterables, strict=False)
    return iter(lambda: list(itertools.islice(rows, chunksize)), []), itertools.starmap


_SLICED: Final = (list, tuple, range)
"""Sequences whose chunks are slices (only these types: a subclass may iterate otherwise)."""


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else time.monotonic() + timeout


def _handed_out(results: list[Any]) -> Iterator[Any]:
    """The items of a chunk's ``results``, each removed from the list as it is handed out."""
    results.reverse()
    return itertools.starmap(results.pop, itertools.repeat((), len(results)))


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
    deadline = _deadline(timeout)
    if chunksize == 1 and len(iterables) == 1:
        args, spread = iter(iterables[0]), _ONE  # the items themselves: a tuple fewer per item
    else:
        args, spread = _arguments(iterables, chunksize, buffersize is None)
    continues = CONTINUES_AFTER_RAISE
    run = MapRun(timeout, chunksize, continues)
    repeat = itertools.repeat  # the tasks, made in C: (MAP, run, index, fn, item, spread)
    tasks = zip(repeat(MAP), repeat(run), itertools.count(), repeat(fn), args, repeat(spread))
    first = itertools.islice(tasks, buffersize)  # None: all of them
    submitted = 0
    while batch := list(itertools.islice(first, _BATCH)):
        accept(batch)
        submitted += len(batch)
    more = None if buffersize is None else tasks
    if spread is _ONE or spread is None:
        results = _results(run, submitted, more, accept, deadline, continues)
        return _Continuing.over(results) if continues else results
    return _Items.over(_chunk_results(run, submitted, more, accept, deadline))


_BATCH = 256
"""Tasks accepted under one lock acquisition: amortizes the lock without starving workers."""


def _keep_ahead(
    more: Iterator[Task], accept: Callable[[list[Task]], None], submitted: int
) -> tuple[Iterator[Task] | None, int]:
    """Submit the next task of ``more``, if there is one, to keep the read-ahead full
    (``buffersize``). Returns ``more``, or None once it has run out, and the tasks submitted."""
    task = next(more, None)
    if task is None:
        return None, submitted
    accept([task])
    return more, submitted + 1


def _results(
    run: MapRun,
    submitted: int,
    more: Iterator[Task] | None,
    accept: Callable[[list[Task]], None],
    deadline: float | None,
    continues: bool,
) -> Generator[Any, None, None]:
    """The results, in order; if the map ``continues`` after a raise, the outcomes, for
    ``_Continuing`` to pop."""
    outcomes = run.outcomes
    try:
        for index in itertools.count():
            if index == submitted:
                return
            if more is not None:
                more, submitted = _keep_ahead(more, accept, submitted)
            outcome = outcomes.pop(index, None)
            if outcome is None:
                outcome = run.take(index, deadline)
            if type(outcome) is tuple:  # (None, what the item raised)
                if not continues:
                    raise outcome[1]
                outcome = _Raises(outcome[1])
            # The result leaves its list: no local holds it while suspended.
            yield outcome if continues else outcome.pop()
    finally:  # closed, dropped, failed or timed out: what has not started will not run
        run.cancelled = True


def _chunk_results(
    run: MapRun,
    submitted: int,
    more: Iterator[Task] | None,
    accept: Callable[[list[Task]], None],
    deadline: float | None,
) -> Generator[Iterator[Any], None, None]:
    """Like ``_results``, for chunks: each chunk's results, up to an error, then the error."""
    try:
        for index in itertools.count():
            if index == submitted:
                return
            if more is not None:
                more, submitted = _keep_ahead(more, accept, submitted)
            yield from _chunk_items(*run.take(index, deadline))
    finally:
        run.cancelled = True


def _chunk_items(results: list[Any], error: Any) -> Generator[Iterator[Any], None, None]:
    """What a chunk generator yields for one chunk's outcome: an iterator over its results,
    then, if the map ends after a raise, the error of the item that raised."""
    if type(error) is dict:  # the map goes on after a raise: errors by position
        yield _handed_out_with_errors(results, error)
        return
    yield _handed_out(results)
    if error is not None:
        raise error


class _Items(itertools.chain["Any"]):
    """What a chunked ``map()`` returns: the items of each chunk's results, in order.

    A chain over the iterators that a chunk generator yields, so an item costs a C call, not a
    generator resumption (which took a fifth of a 200,000-item map's time). Like the generator
    it can be closed, which (once started) cancels what has not started, and it stops there.
    """

    __slots__ = ("_chunks",)
    _chunks: Generator[Iterator[Any], None, None]

    @classmethod
    def over(cls, chunks: Generator[Iterator[Any], None, None]) -> _Items:
        items = cls.from_iterable(chunks)
        assert isinstance(items, _Items)  # typeshed types from_iterable as returning a chain
        items._chunks = chunks
        return items

    def close(self) -> None:
        self._chunks.close()
        while True:  # drop the rest of the chunk being taken
            try:
                collections.deque(self, maxlen=0)
            except BaseException:  # an item that raised, in a map that goes on after a raise
                continue
            return


# ---------------------------------------------------------------- through a foreign submit()


def map_through_submit(
    submit: Callable[..., Future[Any]],
    fn: Callable[..., Any],
    iterables: tuple[Iterable[Any], ...],
    timeout: float | None,
    chunksize: int,
    buffersize: int | None,
) -> Iterator[Any]:
    """``map()`` as the standard library's ``Executor.map`` does it, one ``submit`` call per
    task (a chunk is one call), for a ``submit`` that is not ThreadPool's own."""
    deadline = _deadline(timeout)
    args, spread = _arguments(iterables, chunksize, buffersize is None)
    continues = CONTINUES_AFTER_RAISE
    if spread is None:
        first = itertools.islice(args, buffersize)  # None: all of them
        futures = collections.deque(submit(fn, *item) for item in first)
        results = _future_results(futures, args, submit, fn, deadline, timeout, continues)
        return _Continuing.over(results) if continues else results
    call = functools.partial(_call_chunk, spread, fn, continues=continues)
    futures = collections.deque(submit(call, chunk) for chunk in itertools.islice(args, buffersize))
    chunks = _future_chunks(futures, args, submit, call, deadline, timeout, chunksize)
    return _Items.over(chunks)


def _future_results(
    futures: collections.deque[Future[Any]],
    more: Iterator[Any],
    submit: Callable[..., Future[Any]],
    fn: Callable[..., Any],
    deadline: float | None,
    timeout: float | None,
    continues: bool,
) -> Generator[Any, None, None]:
    try:
        for index in itertools.count():
            if not futures:
                return
            if (item := next(more, None)) is not None:
                futures.append(submit(fn, *item))
            del item
            yield _result_or_cancel(futures.popleft(), deadline, timeout, index, continues)
    finally:
        for future in futures:
            future.cancel()


def _future_chunks(
    futures: collections.deque[Future[Any]],
    more: Iterator[Any],
    submit: Callable[..., Future[Any]],
    call: Callable[[list[Any]], Outcome],
    deadline: float | None,
    timeout: float | None,
    chunksize: int,
) -> Generator[Iterator[Any], None, None]:
    try:
        for index in itertools.count():
            if not futures:
                return
            if (chunk := next(more, None)) is not None:
                futures.append(submit(call, chunk))
            del chunk
            outcome = _result_or_cancel(futures.popleft(), deadline, timeout, index * chunksize)
            yield from _chunk_items(*outcome)
    finally:
        for future in futures:
            future.cancel()


def _result_or_cancel(
    future: Future[Any],
    deadline: float | None,
    timeout: float | None,
    index: int,
    as_outcome: bool = False,
) -> Any:
    """The future's result (or its exception, raised; or, ``as_outcome``, ``[result]`` or
    ``_Raises(exception)``); the future is cancelled if that fails, and no reference to it or
    its result stays here."""
    try:
        if deadline is not None:
            remaining = max(0.0, deadline - time.monotonic())
            if not wait_for_futures((future,), remaining).done:
                raise FuturesTimeoutError(
                    f"map(timeout={timeout}): result {index} was not ready "
                    f"{timeout} seconds after the call"
                )
        if as_outcome:
            error = future.exception()
            return [future.result()] if error is None else _Raises(error)
        return future.result()
    finally:
        future.cancel()
        del future
