"""``map()``: chunked, optionally bounded read-ahead, results in input order.

Chunks are real: with ``chunksize=n`` one task calls ``fn`` on ``n`` items, so the per-task cost
is paid once per chunk. If ``fn`` raises inside a chunk, the items before it are still yielded
and then the exception is raised, as if the items had been tasks of their own.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ("MapIterator", "map_ordered")

T = TypeVar("T")


class _ChunkFailed(Exception):
    """Carries the results a chunk made before ``fn`` raised, and what it raised."""

    def __init__(self, results: list[Any], error: BaseException) -> None:
        super().__init__(results, error)
        self.results = results
        self.error = error


def _run_chunk(fn: Callable[..., T], chunk: list[tuple[Any, ...]]) -> list[T]:
    results: list[T] = []
    try:
        for args in chunk:
            results.append(fn(*args))
    except BaseException as exc:
        raise _ChunkFailed(results, exc) from None
    return results


def map_ordered(
    submit: Callable[..., Future[Any]],
    fn: Callable[..., Any],
    iterables: tuple[Iterable[Any], ...],
    timeout: float | None,
    chunksize: int,
    buffersize: int | None,
) -> Iterator[Any]:
    """Submit the first tasks now (all of them without ``buffersize``) and return an iterator
    over the results, in order. The iterator submits the rest as results are taken, keeping at
    most ``buffersize`` tasks ahead, and cancels what is left if it is closed early."""
    deadline = None if timeout is None else time.monotonic() + timeout
    args = zip(*iterables)
    work: Iterator[Any]
    if chunksize == 1:
        work = args

        def start(item: Any) -> Future[Any]:
            return submit(fn, *item)

    else:
        work = iter(lambda: list(itertools.islice(args, chunksize)), [])

        def start(item: Any) -> Future[Any]:
            return submit(_run_chunk, fn, item)

    futures = deque(start(item) for item in itertools.islice(work, buffersize))
    return MapIterator(futures, _results(futures, work, start, deadline, chunked=chunksize > 1))


class MapIterator(Iterator[T]):
    """The results of ``map()``. Closing it, or dropping it, cancels the tasks not yet started,
    even before the first result was taken (a bare generator would skip its cleanup then)."""

    def __init__(self, futures: deque[Future[Any]], results: Iterator[T]) -> None:
        self._futures = futures
        self._results = results

    def __next__(self) -> T:
        return next(self._results)

    def close(self) -> None:
        """Stop: cancel every task whose result was not taken and has not started."""
        for future in self._futures:
            future.cancel()

    def __del__(self) -> None:
        self.close()


def _results(
    futures: deque[Future[Any]],
    work: Iterator[Any],
    start: Callable[[Any], Future[Any]],
    deadline: float | None,
    *,
    chunked: bool,
) -> Iterator[Any]:
    try:
        while futures:
            item = next(work, _DONE)  # keep the read-ahead full (no-op without buffersize)
            if item is not _DONE:
                futures.append(start(item))
            del item
            future = futures.popleft()
            error = None
            try:
                if deadline is None:
                    result = future.result()
                else:
                    result = future.result(deadline - time.monotonic())
            except _ChunkFailed as failed:
                result, error = failed.results, failed.error
            del future
            if chunked:
                yield from result
            else:
                yield result
            del result
            if error is not None:
                raise error
    finally:  # for a loop that breaks out: the iterator is dropped, the generator closed
        for future in futures:
            future.cancel()


_DONE = object()
