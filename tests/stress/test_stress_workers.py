"""Lazy spawning and idle time-outs racing the tasks that arrive and finish.

The promise: never more than ``max_workers`` workers; no task waits while a worker could start;
a worker that times out never strands a task that arrived as it left. A :class:`Monitor` checks
the first two on every snapshot of ``stats()`` it can take while the round runs.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from functools import partial

import pytest
from stresskit import WAIT, Monitor, Threads, assert_terminated, check_claims, rounds, wait_until

from threadpool import ThreadPool

MakePool = Callable[..., ThreadPool]


def submit_with_jitter(
    pool: ThreadPool, futures: list[Future[int]], count: int, pause: float
) -> None:
    """Submit ``count`` trivial tasks, pausing a random time (up to ``pause``) between them, so
    that some land on idle workers, some on workers timing out, some on none."""
    for i in range(count):
        futures.append(pool.submit(int, i))
        time.sleep(random.uniform(0, pause))


def idle_round(pool: ThreadPool) -> None:
    with Monitor(pool):
        futures: list[list[Future[int]]] = [[] for _ in range(3)]
        group = Threads([partial(submit_with_jitter, pool, fs, 25, 0.004) for fs in futures])
        group.go()
        group.join()
        assert [f.result(timeout=WAIT) for fs in futures for f in fs] == list(range(25)) * 3
    # With nothing more to do, every worker times out and leaves.
    assert wait_until(lambda: pool.stats().workers == 0), pool.stats()
    pool.close()
    stats = assert_terminated(pool, submitted=75)
    assert stats.completed == 75


@pytest.mark.parametrize("max_workers", [1, 3])
def test_idle_workers_time_out_as_tasks_arrive(make_pool: MakePool, max_workers: int) -> None:
    for _ in rounds(6):
        idle_round(make_pool(max_workers, idle_timeout=0.002, name="idle"))


def test_task_arriving_at_the_idle_deadline_runs(make_pool: MakePool) -> None:
    """A task put on the queue just as the only worker's ``get()`` times out must still run:
    either that worker takes it, or it is not allowed to leave."""
    timeout = 0.003
    pool = make_pool(1, idle_timeout=timeout, name="deadline")
    count = len(rounds(150))
    with Monitor(pool):
        for i in range(count):
            assert pool.submit(int, i).result(timeout=WAIT) == i
            time.sleep(random.uniform(0.5 * timeout, 1.5 * timeout))  # aim at the deadline
    pool.close()
    assert_terminated(pool, submitted=count)


def all_at_once(barrier: threading.Barrier) -> str:
    """A task that returns only when ``barrier.parties`` tasks run at the same time."""
    barrier.wait(WAIT)
    return "met"


def quick(i: int) -> int:
    if i % 3 == 0:
        time.sleep(0)  # give up the interpreter: another worker may finish first
    return i


def spawn_round(pool: ThreadPool) -> None:
    n = pool.max_workers
    barrier = threading.Barrier(n)
    meetings: list[Future[str]] = []
    quick_futures: list[Future[int]] = []

    def meet() -> None:
        meetings.append(pool.submit(all_at_once, barrier))

    def churn() -> None:
        quick_futures.extend(pool.submit(quick, i) for i in range(20))

    with Monitor(pool):
        group = Threads([*[meet] * n, churn, churn])
        group.go()
        group.join()
        # The meeting needs max_workers workers at once: it passes only if none of its tasks
        # waited behind the quick ones while a worker could have started.
        assert [f.result(timeout=WAIT) for f in meetings] == ["met"] * n
        assert sorted(f.result(timeout=WAIT) for f in quick_futures) == sorted(list(range(20)) * 2)
    stats = pool.stats()
    check_claims(stats)
    pool.close()
    assert_terminated(pool, submitted=n + 40)


@pytest.mark.parametrize("idle_timeout", [None, 0.001])
def test_lazy_spawn_races_task_completion(
    make_pool: MakePool, idle_timeout: float | None
) -> None:
    for _ in rounds(25):
        spawn_round(make_pool(random.randint(2, 4), idle_timeout=idle_timeout, name="spawn"))
