"""Helpers shared by the tests: import them with ``from support import WAIT, wait_until``.

(Not from ``conftest``: each test folder has a conftest of its own, and they share one name.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from threadpool import PoolState, PoolStats, ThreadPool

WAIT = 10.0
"""Bound for waits on what must happen; a hang fails the test instead of stalling the run."""


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll ``predicate`` until it holds, for states no event announces (a caller blocked
    inside the pool, a worker that timed out). Returns False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


def check_claims(stats: PoolStats, max_queue: int = 0, bound: int = 0) -> None:
    """The invariants of the counts and the lazy-spawn promise, on one snapshot.

    Every accepted task is counted in exactly one place; a worker runs one task at a time;
    ``pending`` (tasks waiting for a busy worker) stays within ``max_queue``; workers not
    retiring stay within ``bound`` (default: the snapshot's ``max_workers``; a test that shrinks
    the pool passes the largest bound it set). While RUNNING, each worker is idle, claimed by a
    queued task, busy, or retiring, and a task waits for a busy worker only when no worker is
    idle and no more may start: no task waits while a worker could start.
    """
    in_flight = stats.pending + stats.assigned + stats.running + stats.in_callers
    ended = stats.completed + stats.failed + stats.cancelled
    assert stats.submitted == ended + in_flight, stats
    assert min(stats.idle, stats.pending, stats.assigned, stats.running, stats.in_callers) >= 0
    assert stats.running <= stats.workers, stats
    assert stats.idle + stats.assigned + stats.running + stats.retiring <= stats.workers, stats
    if max_queue:
        assert stats.pending <= max_queue, stats
    if stats.state is not PoolState.RUNNING:
        return
    # (After shutdown, workers that were retiring count as workers until they have left.)
    assert stats.workers - stats.retiring <= (bound or stats.max_workers), stats
    assert stats.workers == stats.idle + stats.assigned + stats.running + stats.retiring, stats
    if stats.pending:
        assert stats.idle == 0, f"a task waits while a worker is idle: {stats}"
        assert stats.workers - stats.retiring >= stats.max_workers, f"a worker could start: {stats}"


class Monitor:
    """Checks :func:`check_claims` on snapshot after snapshot in a thread of its own, as fast as
    it can (so the pool's lock is often held when a worker finishes a task), until stopped.
    :meth:`stop` re-raises the first failure. As a context manager it stops on exit."""

    def __init__(self, pool: ThreadPool, max_queue: int = 0, bound: int = 0) -> None:
        self._pool = pool
        self._max_queue = max_queue
        self._bound = bound
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.snapshots = 0
        self._thread = threading.Thread(target=self._watch, name="stress-monitor")
        self._thread.start()

    def _watch(self) -> None:
        try:
            while not self._stop.is_set():
                check_claims(self._pool.stats(), self._max_queue, self._bound)
                self.snapshots += 1  # and again at once: the pool's lock is taken all the time
        except BaseException as exc:
            self._error = exc

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(WAIT)
        assert not self._thread.is_alive()
        if self._error is not None:
            raise self._error

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
