"""Task groups under forced interleavings: a failure racing its siblings as they queue, start
and finish; the deadline racing completions; tasks adding tasks while the group cancels; the
pool terminating under a group; nested groups cancelled from outside.

In every round the block ends (within WAIT), every future of the group is done when it does,
no task that the group cancelled ever ran, the error raised says what happened, and the
pool's counters add up once it is joined.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FuturesTimeoutError
from typing import Any

import pytest
from stresskit import WAIT, assert_terminated, rounds

from threadpool import PoolClosedError, TaskGroup, ThreadPool

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

MakePool = Callable[..., ThreadPool]


def bounded(body: Callable[[], object]) -> BaseException | None:
    """Run ``body`` in a thread of its own; fail if it does not end within WAIT (a hung group);
    return what it raised."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, name="group-body", daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), f"the group's block did not end within {WAIT} s"
    return raised[0] if raised else None


class Tracker:
    """Records which tasks ran, to check that no cancelled task did."""

    def __init__(self) -> None:
        self.ran: set[int] = set()
        self._lock = threading.Lock()

    def task(self, key: int, fails: bool = False) -> int:
        with self._lock:
            self.ran.add(key)
        if fails:
            raise ValueError(key)
        return key

    def check(self, futures: dict[int, Future[int]]) -> None:
        for key, future in futures.items():
            assert future.done(), f"task {key} outlived its group's block"
            if future.cancelled():
                assert key not in self.ran, f"task {key} ran although it was cancelled"
            else:
                assert key in self.ran


@pytest.mark.parametrize("fail_at", [0, 5, 19])
def test_a_failure_racing_its_siblings(make_pool: MakePool, fail_at: int) -> None:
    pool = make_pool(4)
    submitted = 0
    for _ in rounds(150):
        tracker = Tracker()
        futures: dict[int, Future[int]] = {}

        def body(tracker: Tracker = tracker, futures: dict[int, Future[int]] = futures) -> None:
            with pool.group() as g:
                for key in range(20):
                    futures[key] = g.submit(tracker.task, key, key == fail_at)

        error = bounded(body)
        submitted += len(futures)
        assert isinstance(error, ExceptionGroup), error
        assert [e.args for e in error.exceptions] == [(fail_at,)]
        tracker.check(futures)
    pool.close()
    stats = assert_terminated(pool, submitted=submitted)
    assert stats.failed == len(rounds(150))


def test_the_deadline_racing_completions(make_pool: MakePool) -> None:
    pool = make_pool(2)
    outcomes = {"ok": 0, "timeout": 0}
    for i in rounds(150):
        tracker = Tracker()
        futures: dict[int, Future[int]] = {}

        def body(
            tracker: Tracker = tracker,
            futures: dict[int, Future[int]] = futures,
            timeout: float = 0.0005 * (i % 4),
        ) -> None:
            with pool.group(timeout=timeout) as g:
                for key in range(10):
                    futures[key] = g.submit(tracker.task, key)

        error = bounded(body)
        if error is None:
            outcomes["ok"] += 1
            assert all(f.result(timeout=0) == key for key, f in futures.items())
        else:
            assert isinstance(error, FuturesTimeoutError), error
            assert error.__cause__ is None
            outcomes["timeout"] += 1
        tracker.check(futures)
    assert outcomes["timeout"] > 0
    pool.close()
    assert_terminated(pool)


def test_tasks_adding_tasks_while_the_group_cancels(make_pool: MakePool) -> None:
    pool = make_pool(4)
    for _ in rounds(100):
        futures: list[Future[Any]] = []
        lock = threading.Lock()

        def spawn(
            g: TaskGroup,
            depth: int,
            lock: threading.Lock = lock,
            futures: list[Future[Any]] = futures,
        ) -> None:
            if depth == 3:
                raise ValueError("deep")
            for _ in range(3):
                try:
                    future = g.submit(spawn, g, depth + 1)
                except CancelledError:
                    return  # the group is cancelled: it takes no more tasks
                with lock:
                    futures.append(future)

        def body(futures: list[Future[Any]] = futures) -> None:
            with pool.group() as g:
                futures.append(g.submit(spawn, g, 0))

        error = bounded(body)
        assert isinstance(error, ExceptionGroup), error
        assert {str(e) for e in error.exceptions} == {"deep"}
        with lock:
            assert all(f.done() for f in futures)
    pool.close()
    assert_terminated(pool)


def test_terminate_racing_a_group(make_pool: MakePool) -> None:
    for _ in rounds(100):
        pool = make_pool(2)
        tracker = Tracker()
        futures: dict[int, Future[int]] = {}
        started = threading.Event()

        def body(
            pool: ThreadPool = pool,
            tracker: Tracker = tracker,
            futures: dict[int, Future[int]] = futures,
            started: threading.Event = started,
        ) -> None:
            with pool.group() as g:
                for key in range(50):
                    futures[key] = g.submit(tracker.task, key)
                    started.set()

        def terminate(pool: ThreadPool = pool, started: threading.Event = started) -> None:
            started.wait(WAIT)
            pool.terminate()

        terminator = threading.Thread(target=terminate)
        terminator.start()
        error = bounded(body)
        terminator.join(WAIT)
        if error is not None:  # unless every task ended before the terminate
            assert isinstance(error, ExceptionGroup), error
            assert [type(e) for e in error.exceptions] == [PoolClosedError], error.exceptions
        tracker.check(futures)
        assert_terminated(pool, submitted=len(futures))


def test_an_outer_failure_cancels_inner_groups_in_tasks(make_pool: MakePool) -> None:
    # A worker for every task that can block at once (2 inner blocks, their 10 tasks and the
    # failing one): a task waiting for a group holds its worker, so fewer could deadlock.
    pool = make_pool(13)
    for _ in rounds(60):
        inner_futures: list[Future[Any]] = []
        lock = threading.Lock()

        def inner(
            lock: threading.Lock = lock, inner_futures: list[Future[Any]] = inner_futures
        ) -> None:
            with pool.group() as g:
                for _ in range(5):
                    future = g.submit(g.wait_cancelled, WAIT)
                    with lock:
                        inner_futures.append(future)

        def body() -> None:
            with pool.group() as outer:
                outer.submit(inner)
                outer.submit(inner)
                outer.submit(pow, 2, "x")  # a TypeError, at some point of the inner groups' life

        error = bounded(body)
        assert isinstance(error, ExceptionGroup), error
        assert [type(e) for e in error.exceptions] == [TypeError]
        with lock:
            assert all(f.done() for f in inner_futures)
    pool.close()
    assert_terminated(pool)
