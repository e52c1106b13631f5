"""close() and terminate() racing submitters, each other, and callers blocked on a full queue.

In every round, each task that a call accepted ends exactly once (its callback or future is
told once), no refused task is ever told anything, and the pool's counters add up.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from functools import partial
from typing import Any

import pytest
from stresskit import WAIT, Ledger, Threads, assert_terminated, rounds, wait_until

from threadpool import PoolClosedError, ThreadPool

MakePool = Callable[..., ThreadPool]

VIAS = ("run", "submit", "map")
STOPS = ("close", "terminate", "close+terminate")


class Submitter:
    """Submits tasks through one API until the pool refuses, recording what was accepted."""

    def __init__(self, pool: ThreadPool, ledger: Ledger, via: str, me: int, tasks: int) -> None:
        self.pool, self.ledger, self.via, self.me, self.tasks = pool, ledger, via, me, tasks
        self.accepted: list[tuple[int, int]] = []
        self.refused: list[tuple[int, int]] = []
        self.futures: list[Future[Any]] = []
        self.results: list[Any] = []

    def work(self, key: tuple[int, int]) -> tuple[int, int]:
        self.ledger.count("ok")
        return key

    def __call__(self) -> None:
        for i in range(self.tasks):
            key = (self.me, i)
            try:
                if self.via == "run":
                    self.pool.run(self.work, (key,), self.ledger.callback(key))
                elif self.via == "submit":
                    future = self.pool.submit(self.work, key)
                    self.ledger.watch(key, future)
                    self.futures.append(future)
                else:
                    self.results.append(self.pool.map(self.work, [key, key]))
            except PoolClosedError:
                self.refused.append(key)
                return  # once refused, always refused: the state only moves forward
            self.accepted.append(key)


def jittered(call: Callable[[], None]) -> Callable[[], None]:
    """``call`` after a random delay of up to a millisecond, so that the stop lands at a
    different point of the submitters' work in each round (the delay is not relied upon)."""

    def later() -> None:
        time.sleep(random.uniform(0, 0.001))
        call()

    return later


def stop(pool: ThreadPool, how: str) -> list[Callable[[], None]]:
    """The calls that stop the pool ``how``; racing ones run in threads of their own."""
    if how == "close":
        return [jittered(pool.close)]
    if how == "terminate":
        return [jittered(pool.terminate)]
    return [jittered(call) for call in (pool.close, pool.terminate) * 2]


@pytest.mark.parametrize("how", STOPS)
@pytest.mark.parametrize("via", VIAS)
def test_shutdown_races_submitters(make_pool: MakePool, via: str, how: str) -> None:
    for _ in rounds(12):
        bounded = random.random() < 0.5
        pool = make_pool(random.randint(1, 4), max_queue=3 if bounded else 0, name="race")
        ledger = Ledger()
        submitters = [Submitter(pool, ledger, via, me, tasks=25) for me in range(4)]
        group = Threads([*submitters, *stop(pool, how)])
        group.go()
        group.join()
        stats = assert_terminated(pool)
        accepted = [key for s in submitters for key in s.accepted]
        refused = [key for s in submitters for key in s.refused]
        assert stats.rejected == len(refused)
        if via == "map":
            # map() may have submitted part of its items before it was refused; those tasks
            # are accepted too. Each execution is counted by the task itself.
            assert stats.submitted >= 2 * len(accepted)
            for s in submitters:
                for key, results in zip(s.accepted, s.results, strict=False):
                    try:
                        assert list(results) == [key, key]
                    except CancelledError:
                        assert how != "close", "close() must not cancel queued map tasks"
        else:
            assert stats.submitted == len(accepted)
            ledger.assert_each_once(accepted, refused)
            told = ledger.outcomes()
            assert told["ok"] == stats.completed == ledger.ran["ok"]
            assert told["cancelled"] == stats.cancelled
            assert told["failed"] == stats.failed == 0
            assert all(f.done() for s in submitters for f in s.futures)
        assert stats.completed == ledger.ran["ok"]
        if how == "close":
            assert stats.cancelled == 0 and stats.completed == stats.submitted, stats


def repeat(call: Callable[[], None], times: int = 3) -> Callable[[], None]:
    def calls() -> None:
        for _ in range(times):
            call()

    return calls


def test_close_and_terminate_are_idempotent_and_race_each_other(make_pool: MakePool) -> None:
    for _ in rounds(30):
        pool = make_pool(3, name="idem")
        ledger = Ledger()
        submitters = [Submitter(pool, ledger, "submit", me, tasks=10) for me in range(2)]
        closer = repeat(pool.close)
        terminator = repeat(partial(pool.shutdown, wait=False, cancel_futures=True))
        group = Threads([*submitters, closer, closer, terminator, repeat(pool.terminate)])
        group.go()
        group.join()
        stats = assert_terminated(pool)
        accepted = [key for s in submitters for key in s.accepted]
        ledger.assert_each_once(accepted, [key for s in submitters for key in s.refused])
        assert stats.submitted == len(accepted)
        # Once TERMINATED, every shutdown call is a no-op.
        pool.close()
        pool.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        assert pool.join(0)
        assert pool.stats() == stats


class Gate:
    """A task that signals it started and then blocks until released."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> str:
        self.started.set()
        assert self.release.wait(WAIT)
        return "gate"


@pytest.mark.parametrize("how", ["close", "terminate"])
@pytest.mark.parametrize("via", ["run", "submit"])
def test_blocked_submitter_is_refused_at_shutdown(make_pool: MakePool, via: str, how: str) -> None:
    """A caller blocked on a full queue gets PoolClosedError, and its task is not half-accepted:
    not counted, not queued, its callback never called."""
    for round_ in rounds(25):
        pool = make_pool(1, max_queue=1, name="blocked")
        blocked_round(pool, via, how, wait_for_blocked=round_ % 2 == 1)


def blocked_round(pool: ThreadPool, via: str, how: str, *, wait_for_blocked: bool) -> None:
    gate = Gate()
    pool.submit(gate)
    assert gate.started.wait(WAIT)
    ledger = Ledger()
    filler = pool.submit(ledger.count, "filler")  # the queue is now full
    refused: list[int] = []

    def submit(me: int) -> None:
        try:
            if via == "run":
                pool.run(ledger.count, ("late",), ledger.callback(me))
            else:
                ledger.watch(me, pool.submit(ledger.count, "late"))
        except PoolClosedError:
            refused.append(me)

    group = Threads([partial(submit, me) for me in range(3)])
    group.go()
    if wait_for_blocked:  # else the stop races the three callers on their way in
        assert wait_until(lambda: pool.stats().blocked == 3)
        assert group.alive() == 3
    getattr(pool, how)()
    group.join()
    assert sorted(refused) == [0, 1, 2]
    stats = pool.stats()
    assert (stats.submitted, stats.rejected, stats.blocked) == (2, 3, 0), stats
    gate.release.set()
    stats = assert_terminated(pool, submitted=2)
    ledger.assert_each_once([], refused=[0, 1, 2])
    assert ledger.ran["late"] == 0
    if how == "close":
        assert filler.result(timeout=0) is None and ledger.ran["filler"] == 1
    else:
        assert filler.cancelled() and ledger.ran["filler"] == 0


def test_blocked_submitters_race_room_and_close(make_pool: MakePool) -> None:
    """Room appears (the running task ends) just as the pool closes: each blocked caller is
    either accepted, and its task runs, or refused, and its task never exists."""
    for _ in rounds(40):
        room_round(make_pool(1, max_queue=1, name="room"))


def room_round(pool: ThreadPool) -> None:
    gate = Gate()
    pool.submit(gate)
    assert gate.started.wait(WAIT)
    ledger = Ledger()
    pool.submit(ledger.count, "filler")
    outcome: dict[int, Future[Any] | None] = {}

    def submit(me: int) -> None:
        try:
            outcome[me] = pool.submit(ledger.count, "late")
        except PoolClosedError:
            outcome[me] = None

    blocked = Threads([partial(submit, me) for me in range(3)])
    blocked.go()
    assert wait_until(lambda: pool.stats().blocked == 3)
    racers = Threads([gate.release.set, pool.close])
    racers.go()
    racers.join()
    blocked.join()
    accepted = [f for f in outcome.values() if f is not None]
    stats = assert_terminated(pool, submitted=2 + len(accepted))
    assert stats.rejected == 3 - len(accepted)
    assert all(f.result(timeout=0) is None for f in accepted)
    assert ledger.ran["late"] == len(accepted)


def test_terminate_while_submitters_block_and_tasks_finish(make_pool: MakePool) -> None:
    """terminate() racing blocked callers, finishing tasks and new callers on a small queue."""
    for _ in rounds(30):
        pool = make_pool(2, max_queue=2, name="churn")
        ledger = Ledger()
        submitters = [Submitter(pool, ledger, "run", me, tasks=30) for me in range(4)]
        group = Threads([*submitters, pool.terminate])
        group.go()
        group.join()
        stats = assert_terminated(pool)
        accepted = [key for s in submitters for key in s.accepted]
        ledger.assert_each_once(accepted, [key for s in submitters for key in s.refused])
        assert stats.submitted == len(accepted)
        assert ledger.outcomes()["cancelled"] == stats.cancelled
        assert pool.join(0)  # join() on a terminated pool returns at once
