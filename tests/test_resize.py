"""resize(): the bound on workers moves while the pool runs. Growing starts workers at once for
tasks that wait; shrinking never interrupts a task."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable

import pytest
from support import WAIT, wait_until

from threadpool import PoolState, ThreadPool, ThreadPoolExecutor
from threadpool._core import ENDED
from threadpool._tasks import COMPLETED

MakePool = Callable[..., ThreadPool]


class Gates:
    """Tasks that say they started and run until released; counts how many run at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.release = threading.Event()
        self.started = 0
        self.now = 0
        self.most = 0

    def __call__(self) -> None:
        with self._lock:
            self.started += 1
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            assert self.release.wait(WAIT), "a gate was never released"
        finally:
            with self._lock:
                self.now -= 1


def test_growing_starts_workers_for_the_tasks_that_wait(make_pool: MakePool) -> None:
    pool = make_pool(1)
    gates = Gates()
    for _ in range(4):
        pool.run(gates)
    assert wait_until(lambda: gates.started == 1)
    assert pool.stats().pending == 3
    pool.resize(3)
    assert wait_until(lambda: gates.started == 3), pool.stats()
    stats = pool.stats()
    assert (stats.max_workers, stats.workers, stats.running, stats.pending) == (3, 3, 3, 1)
    pool.max_workers = 4  # the setter is resize()
    assert wait_until(lambda: gates.started == 4), pool.stats()
    gates.release.set()
    assert wait_until(lambda: pool.stats().completed == 4)


def test_growing_makes_room_for_a_blocked_submitter(make_pool: MakePool) -> None:
    pool = make_pool(1, max_queue=1)
    gates = Gates()
    pool.run(gates)
    pool.run(gates)  # the queue is full now
    submitted = threading.Event()
    submitter = threading.Thread(target=lambda: (pool.run(gates), submitted.set()))
    submitter.start()
    assert wait_until(lambda: pool.stats().blocked == 1)
    pool.resize(2)  # the waiting task gets a worker, so the queue has room
    assert submitted.wait(WAIT), pool.stats()
    submitter.join(WAIT)
    gates.release.set()
    assert wait_until(lambda: pool.stats().completed == 3)


def test_shrinking_lets_idle_workers_go_at_once(make_pool: MakePool) -> None:
    pool = make_pool(4)
    gates = Gates()
    for _ in range(4):
        pool.run(gates)
    gates.release.set()
    assert wait_until(lambda: pool.stats().idle == 4)
    pool.resize(1)
    assert wait_until(lambda: pool.stats().workers == 1), pool.stats()
    stats = pool.stats()
    assert (stats.idle, stats.retiring, stats.max_workers) == (1, 0, 1)
    assert len([t for t in threading.enumerate() if t.name.startswith(f"{pool.name}-")]) == 1


def test_shrinking_never_interrupts_a_task(make_pool: MakePool) -> None:
    pool = make_pool(3)
    first, later = Gates(), Gates()
    for _ in range(3):
        pool.run(first)
    assert wait_until(lambda: first.started == 3)
    for _ in range(6):
        pool.run(later)
    pool.resize(1)
    stats = pool.stats()
    assert (stats.workers, stats.running, stats.max_workers) == (3, 3, 1), stats
    first.release.set()  # the surplus finish their task and leave; one worker runs the rest
    assert wait_until(lambda: pool.stats().workers == 1), pool.stats()
    later.release.set()
    assert wait_until(lambda: pool.stats().completed == 9), pool.stats()
    assert later.most == 1, "more tasks ran at once than the new bound"
    assert pool.stats().workers == 1


def test_after_shrinking_new_work_respects_the_new_bound(make_pool: MakePool) -> None:
    pool = make_pool(4)
    warm = Gates()
    for _ in range(4):
        pool.run(warm)
    warm.release.set()
    pool.resize(2)
    gates = Gates()
    for _ in range(8):
        pool.run(gates)
    assert wait_until(lambda: gates.started == 2)
    assert wait_until(lambda: pool.stats().workers == 2), pool.stats()
    gates.release.set()
    assert wait_until(lambda: pool.stats().completed == 12)
    assert gates.most == 2


def test_resize_composes_with_idle_timeout(make_pool: MakePool) -> None:
    pool = make_pool(2, idle_timeout=0.01)
    pool.resize(3)
    gates = Gates()
    for _ in range(3):
        pool.run(gates)
    assert wait_until(lambda: gates.started == 3)
    pool.resize(1)
    gates.release.set()
    assert wait_until(lambda: pool.stats().workers == 0), pool.stats()
    assert pool.submit(pow, 2, 5).result(WAIT) == 32


@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_resize_after_shutdown_only_records_the_bound(make_pool: MakePool, stop: str) -> None:
    pool = make_pool(2)
    pool.submit(int).result(WAIT)
    getattr(pool, stop)()
    pool.resize(5)
    assert pool.join(WAIT)
    stats = pool.stats()
    assert (stats.state, stats.max_workers, stats.workers) == (PoolState.TERMINATED, 5, 0)


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (0, ValueError, r"max_workers must be >= 1, got 0"),
        (-3, ValueError, r"max_workers must be >= 1, got -3"),
        (2.0, TypeError, r"max_workers must be an int, got 2.0"),
        (True, TypeError, r"max_workers must be an int, got True"),
        (None, TypeError, r"max_workers must be an int, got None"),
    ],
)
def test_bad_bounds_are_refused_at_the_call(
    make_pool: MakePool, value: object, error: type[Exception], match: str
) -> None:
    pool = make_pool(2)
    with pytest.raises(error, match=match):
        pool.resize(value)  # type: ignore[arg-type]
    with pytest.raises(error, match=match):
        pool.max_workers = value  # type: ignore[assignment]
    assert pool.max_workers == 2


def test_the_executor_reports_the_bound_of_the_moment() -> None:
    with ThreadPoolExecutor(2) as executor:
        executor.resize(6)
        assert executor._max_workers == 6


class GatedLog(collections.deque[int]):
    """A pool's ``_log`` that holds one worker just before it records a finished task."""

    def __init__(self) -> None:
        super().__init__()
        self.held_thread: threading.Thread | None = None
        self.reached = threading.Event()
        self.go_on = threading.Event()

    def append(self, record: int) -> None:
        if record == ENDED[COMPLETED] and threading.current_thread() is self.held_thread:
            self.held_thread = None
            self.reached.set()
            assert self.go_on.wait(WAIT), "the held worker was never let go"
        super().append(record)


def test_a_worker_that_finished_as_the_pool_shrank_retires_when_its_finish_is_applied(
    make_pool: MakePool,
) -> None:
    """The worker checked for surplus before resize() asked for one, and recorded its finish
    after: applying that finish must retire it, not count it idle, so that the busy worker
    stays and the pool is at its bound at once."""
    pool = make_pool(2)
    log = GatedLog()
    pool._core._log = log  # before the workers start: each binds its append
    threads: dict[str, threading.Thread] = {}
    release = {"a": threading.Event(), "b": threading.Event()}

    def task(key: str) -> None:
        threads[key] = threading.current_thread()
        assert release[key].wait(WAIT)

    pool.run(task, ("a",))
    pool.run(task, ("b",))
    assert wait_until(lambda: len(threads) == 2)
    log.held_thread = threads["a"]
    release["a"].set()
    assert log.reached.wait(WAIT)  # a finished, found no surplus, and has not recorded it
    pool.resize(1)  # both count as running: b or a must go after its task
    log.go_on.set()

    def a_has_left() -> bool:
        pool.stats()  # applies the workers' records, as every holder of the pool lock does
        return not threads["a"].is_alive()

    assert wait_until(a_has_left), pool.stats()
    stats = pool.stats()
    assert (stats.workers, stats.running, stats.idle, stats.retiring) == (1, 1, 0, 0)
    release["b"].set()
    assert wait_until(lambda: pool.stats().completed == 2)
    assert threads["b"].is_alive()  # the worker that was busy stays
    assert pool.stats().workers == 1
