"""close(), terminate(), join() and shutdown(): what happens to each task in each state."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

import pytest
from support import WAIT

from threadpool import PoolClosedError, PoolState, ThreadPool


def block_workers(pool: ThreadPool, count: int) -> threading.Event:
    """Occupy ``count`` workers until the returned event is set."""
    release = threading.Event()
    started = threading.Barrier(count + 1)
    for _ in range(count):
        pool.run(lambda: (started.wait(WAIT), release.wait(WAIT)))
    started.wait(WAIT)
    return release


def test_close_runs_queued_tasks_then_stops(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    release = block_workers(pool, 2)
    fs = [pool.submit(pow, i, 2) for i in range(20)]
    pool.close()
    assert pool.state is PoolState.CLOSING
    release.set()
    assert pool.join(WAIT)
    assert pool.state is PoolState.TERMINATED
    assert [f.result(timeout=0) for f in fs] == [i * i for i in range(20)]
    stats = pool.stats()
    assert (stats.workers, stats.submitted, stats.completed) == (0, 22, 22)


def test_terminate_discards_queued_tasks_after_running_ones(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(2)
    release = block_workers(pool, 2)
    fs = [pool.submit(pow, i, 2) for i in range(20)]
    pool.terminate()
    assert pool.state is PoolState.TERMINATING
    assert all(f.cancelled() for f in fs)
    assert not pool.join(0.01)  # the running tasks still hold their workers
    release.set()
    assert pool.join(WAIT)
    stats = pool.stats()
    assert (stats.completed, stats.cancelled, stats.pending) == (2, 20, 0)


def test_terminate_after_close_discards_what_is_still_queued(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1)
    release = block_workers(pool, 1)
    fs = [pool.submit(pow, i, 2) for i in range(5)]
    pool.close()
    pool.terminate()
    assert pool.state is PoolState.TERMINATING
    assert all(f.cancelled() for f in fs)
    release.set()
    assert pool.join(WAIT)


def test_close_after_terminate_changes_nothing(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    pool.terminate()
    pool.close()
    assert pool.state is PoolState.TERMINATED


@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_stopping_is_idempotent(make_pool: Callable[..., ThreadPool], stop: str) -> None:
    pool = make_pool(2)
    pool.submit(pow, 2, 2).result(timeout=WAIT)
    for _ in range(3):
        getattr(pool, stop)()
    assert pool.join(WAIT)
    assert pool.join(WAIT)
    assert pool.stats().workers == 0


@pytest.mark.parametrize("stop", ["close", "terminate"])
def test_no_new_work_after_stop(make_pool: Callable[..., ThreadPool], stop: str) -> None:
    pool = make_pool(2, name="shut")
    getattr(pool, stop)()
    with pytest.raises(PoolClosedError, match="'shut'"):
        pool.run(print)
    with pytest.raises(PoolClosedError):
        pool.submit(print)
    with pytest.raises(PoolClosedError):
        pool.map(abs, [1])
    assert isinstance(PoolClosedError(), RuntimeError)
    assert pool.stats().rejected == 3


def test_join_on_a_running_pool_waits_for_shutdown(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    pool.submit(pow, 2, 2).result(timeout=WAIT)
    assert pool.join(0.01) is False
    pool.close()
    assert pool.join(WAIT) is True


def test_join_from_a_worker_raises(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    future = pool.submit(pool.join, 1.0)
    with pytest.raises(RuntimeError, match="wait for itself"):
        future.result(timeout=WAIT)


def test_shutdown_from_a_worker_does_not_wait_on_itself(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(2)
    future = pool.submit(pool.shutdown, wait=True)
    assert future.result(timeout=WAIT) is None
    assert pool.join(WAIT)


def test_shutdown_with_cancel_futures_terminates(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    release = block_workers(pool, 1)
    queued = pool.submit(pow, 2, 2)
    pool.shutdown(wait=False, cancel_futures=True)
    assert queued.cancelled()
    release.set()
    assert pool.join(WAIT)


def test_context_manager_waits_for_queued_work() -> None:
    with ThreadPool(2) as pool:
        fs = [pool.submit(pow, i, 2) for i in range(50)]
    assert pool.state is PoolState.TERMINATED
    assert all(f.done() for f in fs)


def test_close_from_a_callback(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    pool.run(lambda: None, (), lambda ok, value: pool.close())
    assert pool.join(WAIT)
    assert pool.stats().completed == 1


def test_terminate_from_a_future_callback(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    release = threading.Event()
    first: Future[bool] = pool.submit(release.wait, WAIT)
    queued = pool.submit(pow, 2, 2)
    first.add_done_callback(lambda _: pool.terminate())
    release.set()
    assert pool.join(WAIT)
    assert queued.done()  # it either ran before terminate() or was cancelled by it
    stats = pool.stats()
    assert stats.submitted == stats.completed + stats.cancelled == 2


def test_stopping_from_many_threads_at_once(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)
    fs = [pool.submit(pow, i, 2) for i in range(200)]
    barrier = threading.Barrier(6)

    def stop(method: str) -> None:
        barrier.wait(WAIT)
        getattr(pool, method)()

    threads = [
        threading.Thread(target=stop, args=(m,)) for m in ["close", "terminate"] * 3
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert pool.join(WAIT)
    assert all(f.done() for f in fs)
    stats = pool.stats()
    assert stats.submitted == stats.completed + stats.cancelled == 200


def test_pool_with_no_workers_terminates_at_once(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)
    pool.close()
    assert pool.state is PoolState.TERMINATED
    assert pool.join(0)
