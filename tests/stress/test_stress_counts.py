"""The counts are exact at every instant, for whoever holds the pool's lock, while a thread
reads ``stats()`` in a loop (as production monitoring does) and so holds that lock often.

The scenario of each test: task A runs on the only worker, task B waits in a queue of one. A
ends, the worker takes B, and the queue is empty: from then on a submitter must find room
(``"reject"`` must not refuse, ``"block"`` must not wait for B), and no snapshot may count A
as running beside B, or B as waiting. A :class:`Monitor` checks every snapshot it takes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import pytest
from stresskit import WAIT, Monitor, Threads, assert_terminated, rounds, wait_until

from threadpool import QueueFullError, ThreadPool

MakePool = Callable[..., ThreadPool]


class Gate:
    """A task that says when it has started and runs until it is released."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> None:
        self.started.set()
        assert self.release.wait(WAIT), "a gate was never released"


def start_a_then_queue_b(pool: ThreadPool) -> tuple[Gate, Gate]:
    a, b = Gate(), Gate()
    pool.run(a)
    assert a.started.wait(WAIT)
    pool.run(b)  # the queue is full now: B waits for the busy worker
    a.release.set()
    assert b.started.wait(WAIT)  # the worker took B: the queue is empty again
    return a, b


def submit_then_set(pool: ThreadPool, accepted: threading.Event) -> None:
    pool.run(int)
    accepted.set()


def submit_many(pool: ThreadPool, accepted: list[int], slot: int) -> None:
    """Submit 300 short tasks; count in ``accepted[slot]`` those the pool took."""
    for _ in range(300):
        try:
            pool.run(pow, (3, 5))
        except QueueFullError:
            continue
        accepted[slot] += 1


def test_a_queue_emptied_by_a_worker_has_room_at_once(make_pool: MakePool) -> None:
    pool = make_pool(1, max_queue=1, on_full="reject")
    with Monitor(pool, max_queue=1) as monitor:
        for i in rounds(1000):
            _, b = start_a_then_queue_b(pool)
            stats = pool.stats()
            assert (stats.running, stats.pending, stats.completed) == (1, 0, 3 * i + 1), stats
            pool.run(int)  # must not raise QueueFullError: nothing waits
            b.release.set()
            assert wait_until(lambda i=i: pool.stats().completed == 3 * (i + 1)), pool.stats()
    assert monitor.snapshots > 0
    pool.close()
    assert_terminated(pool, submitted=3 * len(rounds(1000)))


def test_a_blocked_submitter_gets_the_room_a_worker_makes(make_pool: MakePool) -> None:
    pool = make_pool(1, max_queue=1, on_full="block")
    with Monitor(pool, max_queue=1):
        for _ in rounds(200):
            a, b = Gate(), Gate()
            pool.run(a)
            assert a.started.wait(WAIT)
            pool.run(b)
            accepted = threading.Event()
            submitter = Threads([partial(submit_then_set, pool, accepted)])
            submitter.go()
            assert wait_until(lambda: pool.stats().blocked == 1), pool.stats()
            a.release.set()
            # B now runs and holds the worker; the queue has room, so the submitter is in.
            assert accepted.wait(WAIT), f"the submitter waited for B: {pool.stats()}"
            assert not b.release.is_set()
            b.release.set()
            submitter.join()
    pool.close()
    assert_terminated(pool)


@pytest.mark.parametrize("on_full", ["reject", "block", "caller_runs"])
def test_every_snapshot_is_exact_under_load(make_pool: MakePool, on_full: str) -> None:
    """Several submitters fill a bounded pool of several workers with short tasks."""
    max_queue = 3
    for _ in rounds(5):
        pool = make_pool(3, max_queue=max_queue, on_full=on_full)
        accepted = [0] * 4
        with Monitor(pool, max_queue=max_queue):
            submitters = Threads([partial(submit_many, pool, accepted, i) for i in range(4)])
            submitters.go()
            submitters.join()
        pool.close()
        stats = assert_terminated(pool, submitted=sum(accepted))
        assert stats.completed == sum(accepted)
