"""resize() from several threads while tasks arrive, finish, and the pool shuts down.

The promise: no task is stranded or run twice, the counts keep their invariants in every
snapshot, and once the surplus workers have finished their task, no more workers run than the
bound of the moment.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from functools import partial

import pytest
from stresskit import WAIT, Ledger, Monitor, Threads, assert_terminated, rounds, wait_until

from threadpool import PoolClosedError, ThreadPool

MakePool = Callable[..., ThreadPool]
MOST = 4
"""The largest bound the resizing threads set."""


def submit_many(pool: ThreadPool, ledger: Ledger, accepted: list[object], who: int) -> None:
    for i in range(120):
        key = (who, i)
        try:
            pool.run(ledger.count, ("ran",), ledger.callback(key))
        except PoolClosedError:
            return
        accepted.append(key)  # list.append is atomic


def resize_often(pool: ThreadPool, seed: int) -> None:
    chance = random.Random(seed)
    for _ in range(40):
        pool.resize(chance.randint(1, MOST))


@pytest.mark.parametrize("max_queue", [0, 2])
def test_resizing_while_tasks_arrive_and_finish(make_pool: MakePool, max_queue: int) -> None:
    for r in rounds(8):
        pool = make_pool(2, max_queue=max_queue)
        ledger = Ledger()
        accepted: list[object] = []
        with Monitor(pool, max_queue, bound=MOST):
            group = Threads(
                [partial(submit_many, pool, ledger, accepted, who) for who in range(3)]
                + [partial(resize_often, pool, r * 10 + i) for i in range(2)]
            )
            group.go()
            group.join()
            done = partial(lambda p, a: p.stats().completed == len(a), pool, accepted)
            assert wait_until(done), pool.stats()
        ledger.assert_each_once(accepted)
        assert ledger.ran["ran"] == len(accepted)
        pool.close()
        assert_terminated(pool, submitted=len(accepted))


@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_resizing_while_the_pool_shuts_down(make_pool: MakePool, stop: str) -> None:
    for r in rounds(8):
        pool = make_pool(2)
        ledger = Ledger()
        accepted: list[object] = []
        stopper = getattr(pool, stop)
        with Monitor(pool, bound=MOST):
            group = Threads(
                [partial(submit_many, pool, ledger, accepted, who) for who in range(2)]
                + [partial(resize_often, pool, r * 10 + i) for i in range(2)]
                + [stopper]
            )
            group.go()
            group.join()
            assert pool.join(WAIT), pool.stats()
        # Every accepted task ended once: it ran, or terminate() cancelled it.
        ledger.assert_each_once(accepted)
        stats = assert_terminated(pool, submitted=len(accepted))
        assert ledger.ran["ran"] == stats.completed


class Overlap:
    """A task that counts how many of its kind run at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = self.most = 0

    def __call__(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.0002)  # a little work, so that two tasks on two workers would overlap
        with self._lock:
            self.now -= 1


def test_no_more_run_than_the_bound_once_the_surplus_has_left(make_pool: MakePool) -> None:
    for _ in rounds(20):
        pool = make_pool(MOST)
        release = threading.Event()
        for _ in range(MOST):
            pool.run(release.wait, (WAIT,))
        assert wait_until(lambda p=pool: p.stats().running == MOST)
        pool.resize(1)
        later = Overlap()
        for _ in range(20):
            pool.run(later)
        release.set()  # three of the four workers are surplus: they leave after this task
        assert wait_until(lambda p=pool: p.stats().completed == MOST + 20), pool.stats()
        assert pool.stats().workers == 1
        assert later.most == 1, "tasks queued after the shrink ran on more than one worker"
