"""submit() and map(): real concurrent.futures Futures, ordered and chunked map."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent import futures

import pytest
from support import WAIT

from threadpool import ThreadPool


def test_submit_returns_a_real_future(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    future = pool.submit(pow, 2, 8)
    assert isinstance(future, futures.Future)
    assert future.result(timeout=WAIT) == 256


def test_submit_passes_keyword_arguments(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    assert pool.submit(int, "ff", base=16).result(timeout=WAIT) == 255


def test_submit_reports_exceptions_through_the_future(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(2)
    future = pool.submit(int, "not a number")
    with pytest.raises(ValueError):
        future.result(timeout=WAIT)


def test_futures_work_with_wait_and_as_completed(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)
    fs = [pool.submit(pow, i, 2) for i in range(20)]
    _, not_done = futures.wait(fs, timeout=WAIT)
    assert not not_done
    assert sorted(f.result() for f in futures.as_completed(fs, timeout=WAIT)) == [
        i * i for i in range(20)
    ]


def test_future_cancelled_while_queued_never_runs(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    started, release = threading.Event(), threading.Event()
    pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    ran = threading.Event()
    queued = pool.submit(ran.set)
    assert queued.cancel()
    release.set()
    pool.close()
    assert pool.join(WAIT)
    assert not ran.is_set()
    assert pool.stats().cancelled == 1


def test_terminate_cancels_queued_futures_and_wakes_waiters(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1)
    started, release = threading.Event(), threading.Event()
    running = pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    queued = [pool.submit(pow, i, 2) for i in range(10)]
    waiter = threading.Thread(target=futures.wait, args=(queued,))
    waiter.start()
    pool.terminate()
    assert all(f.cancelled() for f in queued)
    waiter.join(WAIT)  # as_completed/wait are told too, not only result()
    assert not waiter.is_alive()
    assert list(futures.as_completed(queued, timeout=WAIT))
    release.set()
    assert running.result(timeout=WAIT)[1] is True
    assert pool.join(WAIT)


def test_map_keeps_order(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)
    assert list(pool.map(pow, range(50), range(50))) == [i**i for i in range(50)]


@pytest.mark.parametrize("chunksize", [1, 2, 7, 100])
def test_map_chunks_give_the_same_results(
    make_pool: Callable[..., ThreadPool], chunksize: int
) -> None:
    pool = make_pool(3)
    assert list(pool.map(abs, range(-20, 20), chunksize=chunksize)) == [
        abs(i) for i in range(-20, 20)
    ]


def test_map_chunks_are_real_tasks(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    list(pool.map(abs, range(100), chunksize=25))
    pool.close()
    assert pool.join(WAIT)
    assert pool.stats().submitted == 4


def test_map_yields_a_chunk_up_to_the_failing_item(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    results = pool.map(lambda x: 10 // x, [5, 2, 0, 1], chunksize=4)
    assert next(results) == 2
    assert next(results) == 5
    with pytest.raises(ZeroDivisionError):
        next(results)
    assert list(results) == []  # and it stays ended, as a generator does


@pytest.mark.parametrize("chunksize", [1, 2])
def test_map_timeout_counts_from_the_call(
    make_pool: Callable[..., ThreadPool], chunksize: int
) -> None:
    pool = make_pool(1)
    release = threading.Event()
    results = pool.map(lambda _: release.wait(WAIT), range(4), timeout=0.05, chunksize=chunksize)
    with pytest.raises(futures.TimeoutError):
        next(results)
    release.set()


def test_map_buffersize_bounds_read_ahead(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    taken = 0

    def source() -> object:
        nonlocal taken
        for i in range(1000):
            taken += 1
            yield i

    results = pool.map(abs, source(), buffersize=4)
    assert taken == 4  # submitted at the call, no further
    assert next(results) == 0
    assert taken == 5
    assert sum(results) == sum(range(1, 1000))


def test_map_closed_early_cancels_what_is_left(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def work(i: int) -> int:
        if i == 0:
            started.set()
            release.wait(WAIT)
        ran.append(i)
        return i

    results = pool.map(work, range(10))
    assert started.wait(WAIT)
    results.close()  # as when a for loop breaks out and drops the iterator
    release.set()
    pool.close()
    assert pool.join(WAIT)
    assert ran == [0]
    assert pool.stats().cancelled == 9


@pytest.mark.parametrize("drop", ["close", "del"])
def test_chunked_map_closed_or_dropped_mid_chunk_stops_and_cancels_what_is_left(
    make_pool: Callable[..., ThreadPool], drop: str
) -> None:
    pool = make_pool(1)
    second_chunk_started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def work(i: int) -> int:
        if i == 4:
            second_chunk_started.set()
            release.wait(WAIT)
        ran.append(i)
        return i

    results = pool.map(work, range(40), chunksize=4, timeout=WAIT)
    assert next(results) == 0  # inside the first chunk's results
    assert second_chunk_started.wait(WAIT)
    if drop == "close":
        results.close()
        assert list(results) == []  # the rest of the first chunk too, as a closed generator
    else:
        del results
    release.set()
    pool.close()
    assert pool.join(WAIT)
    assert ran == list(range(8))  # the first two chunks; the eight others never started
    assert pool.stats().cancelled == 8


def test_map_reads_iterables_like_builtin_map(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    assert list(pool.map(lambda a, b: a + b, [1, 2, 3], [10, 20])) == [11, 22]
    assert list(pool.map(abs, [])) == []


def test_many_submitters_at_once(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)
    barrier = threading.Barrier(8)
    results: list[futures.Future[int]] = []
    lock = threading.Lock()

    def submitter(n: int) -> None:
        barrier.wait(WAIT)
        mine = [pool.submit(pow, n, i) for i in range(200)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=submitter, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT)
    assert len(results) == 1600
    _, not_done = futures.wait(results, timeout=WAIT)
    assert not not_done
    assert pool.stats().workers <= 4


def test_result_waits_for_slow_tasks(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    future = pool.submit(time.sleep, 0.01)
    assert future.result(timeout=WAIT) is None


def test_a_done_callback_raising_base_exception_does_not_kill_the_worker(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1)
    release = threading.Event()
    first = pool.submit(release.wait, WAIT)

    def bad(_: object) -> None:
        raise KeyboardInterrupt

    first.add_done_callback(bad)
    second = pool.submit(pow, 2, 2)
    release.set()
    assert second.result(timeout=WAIT) == 4
    assert pool.stats().workers == 1
