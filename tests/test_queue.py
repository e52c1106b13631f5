"""The bounded queue: max_queue limits waiting tasks; on_full says what a full queue does."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from support import WAIT, wait_until

from threadpool import PoolClosedError, QueueFullError, ThreadPool


def fill(pool: ThreadPool, waiting: int) -> threading.Event:
    """Occupy the pool's only worker and queue ``waiting`` tasks behind it."""
    started, release = threading.Event(), threading.Event()
    pool.run(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    for _ in range(waiting):
        pool.run(release.wait, (WAIT,))
    return release


def test_reject_raises_at_the_call(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, 2, on_full="reject", name="tight")
    release = fill(pool, 2)
    with pytest.raises(QueueFullError, match="'tight'"):
        pool.submit(pow, 2, 2)
    stats = pool.stats()
    assert (stats.pending, stats.rejected, stats.submitted) == (2, 1, 3)
    release.set()


def test_caller_runs_runs_in_the_calling_thread(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, 1, on_full="caller_runs")
    release = fill(pool, 1)
    future = pool.submit(lambda: threading.current_thread())
    assert future.result(timeout=0) is threading.current_thread()
    seen: list[object] = []
    pool.run(lambda: threading.current_thread(), (), lambda ok, v: seen.append(v))
    assert seen == [threading.current_thread()]
    release.set()
    pool.close()
    assert pool.join(WAIT)
    stats = pool.stats()
    assert (stats.submitted, stats.completed) == (4, 4)


def test_block_waits_for_room(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, 1)
    release = fill(pool, 1)
    accepted = threading.Event()

    def submitter() -> None:
        pool.submit(pow, 2, 2)
        accepted.set()

    thread = threading.Thread(target=submitter)
    thread.start()
    assert wait_until(lambda: pool.stats().blocked == 1)
    assert not accepted.is_set()
    assert pool.stats().pending == 1
    release.set()
    assert accepted.wait(WAIT)
    thread.join(WAIT)


def test_a_task_leaving_the_queue_makes_room_before_it_finishes(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1, 1)
    first_started, second_started, release = threading.Event(), threading.Event(), threading.Event()
    pool.run(lambda: (first_started.set(), release.wait(WAIT)))
    assert first_started.wait(WAIT)
    pool.run(lambda: (second_started.set(), release.wait(WAIT)))
    accepted = threading.Event()
    thread = threading.Thread(target=lambda: (pool.run(print, ("",)), accepted.set()))
    thread.start()
    # Finish only the first task: the second leaves the queue and starts, so there is room.
    release.set()
    assert second_started.wait(WAIT)
    assert accepted.wait(WAIT)
    thread.join(WAIT)


@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_blocked_submitter_is_refused_when_the_pool_stops(
    make_pool: Callable[..., ThreadPool], stop: str
) -> None:
    pool = make_pool(1, 1)
    release = fill(pool, 1)
    errors: list[BaseException] = []

    def submitter() -> None:
        try:
            pool.submit(pow, 2, 2)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=submitter)
    thread.start()
    assert wait_until(lambda: pool.stats().blocked == 1)
    getattr(pool, stop)()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], PoolClosedError)
    release.set()
    assert pool.join(WAIT)
    stats = pool.stats()
    assert (stats.submitted, stats.rejected, stats.blocked) == (2, 1, 0)  # not half-accepted
    assert stats.submitted == stats.completed + stats.cancelled


def test_unbounded_by_default(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    release = fill(pool, 1000)
    assert pool.stats().pending == 1000
    release.set()


def test_idle_workers_count_as_room(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(3, 1, on_full="reject")
    warm = threading.Barrier(4)
    for _ in range(3):
        pool.run(warm.wait, (WAIT,))
    warm.wait(WAIT)
    assert wait_until(lambda: pool.stats().idle == 3)
    busy, release = threading.Barrier(4), threading.Event()
    for _ in range(3):  # each is claimed by an idle worker at once: none waits, none refused
        pool.run(lambda: (busy.wait(WAIT), release.wait(WAIT)))
    busy.wait(WAIT)
    pool.run(release.wait, (WAIT,))  # all busy: this one waits, and fills the queue
    with pytest.raises(QueueFullError):
        pool.run(release.wait, (WAIT,))
    assert pool.stats().rejected == 1
    release.set()
