"""submit() and map(): real concurrent.futures Futures, ordered and chunked map."""

from __future__ import annotations

import gc
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future
from typing import Any, ParamSpec, TypeVar

import pytest
from support import WAIT

import threadpool._map
from threadpool import ThreadPool

P = ParamSpec("P")
T = TypeVar("T")


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


class _List(list[int]):
    pass


# Chunks of a list, tuple or range are slices; of anything else, items taken one by one.
@pytest.mark.parametrize("chunksize", [1, 2, 7, 100])
@pytest.mark.parametrize(
    "kind",
    [lambda r: r, list, tuple, _List, iter],
    ids=["range", "list", "tuple", "subclass", "iter"],
)
def test_map_chunks_give_the_same_results(
    make_pool: Callable[..., ThreadPool], chunksize: int, kind: Callable[[range], Any]
) -> None:
    pool = make_pool(3)
    items = kind(range(-20, 20))
    assert list(pool.map(abs, items, chunksize=chunksize)) == [abs(i) for i in range(-20, 20)]


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


@pytest.mark.parametrize("chunksize", [1, 2])
@pytest.mark.parametrize("drop", ["close", "del"])
def test_map_submits_everything_even_if_never_iterated(
    make_pool: Callable[..., ThreadPool], chunksize: int, drop: str
) -> None:
    # As the standard library (its test_map_submits_without_iteration): map() is called for
    # its side effects, and an iterator closed or dropped before its first next() cancels
    # nothing.
    pool = make_pool(2)
    ran: list[int] = []
    lock = threading.Lock()

    def record(i: int) -> None:
        with lock:
            ran.append(i)

    results = pool.map(record, range(10), chunksize=chunksize)
    if drop == "close":
        results.close()  # type: ignore[attr-defined]
    del results
    pool.close()
    assert pool.join(WAIT)
    assert sorted(ran) == list(range(10))
    assert pool.stats().cancelled == 0


@pytest.mark.parametrize("drop", ["close", "del"])
def test_map_closed_or_dropped_once_started_cancels_what_is_left(
    make_pool: Callable[..., ThreadPool], drop: str
) -> None:
    pool = make_pool(1)
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def work(i: int) -> int:
        if i == 1:
            started.set()
            release.wait(WAIT)
        ran.append(i)
        return i

    results = pool.map(work, range(10))
    assert next(results) == 0
    assert started.wait(WAIT)
    if drop == "close":
        results.close()  # type: ignore[attr-defined]  # as when a for loop breaks out
    else:
        del results
    release.set()
    pool.close()
    assert pool.join(WAIT)
    assert ran == [0, 1]
    assert pool.stats().cancelled == 8


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


class _Result:
    """A result that can be weakly referenced."""


@pytest.mark.parametrize("chunksize", [1, 3])
def test_map_keeps_no_reference_to_a_result_it_returned(
    make_pool: Callable[..., ThreadPool], chunksize: int
) -> None:
    # The standard library's test_free_reference: a large result must not stay in memory.
    pool = make_pool(2)
    for result in pool.map(lambda _: _Result(), range(9), chunksize=chunksize):
        ref = weakref.ref(result)
        del result
        gc.collect()
        assert ref() is None


class _CountingPool(ThreadPool):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.submitted: list[Any] = []

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        self.submitted.append(args)
        return super().submit(fn, *args, **kwargs)


def test_map_goes_through_an_overridden_submit() -> None:
    with _CountingPool(2) as pool:
        assert list(pool.map(abs, range(-5, 5))) == [abs(i) for i in range(-5, 5)]
        assert pool.submitted == [(i,) for i in range(-5, 5)]
        # a chunk is one call, as the standard library's process executor does it
        assert list(pool.map(abs, range(-5, 5), chunksize=4)) == [abs(i) for i in range(-5, 5)]
        assert len(pool.submitted) == 13


def test_map_goes_through_a_submit_replaced_on_the_instance(
    make_pool: Callable[..., ThreadPool],
) -> None:
    # What tqdm's thread_map does to advance its progress bar.
    pool = make_pool(2)
    seen: list[int] = []
    original = pool.submit

    def counting_submit(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        seen.append(args[0])
        return original(fn, *args, **kwargs)

    pool.submit = counting_submit  # type: ignore[method-assign]
    assert list(pool.map(abs, range(-3, 3), buffersize=2)) == [3, 2, 1, 0, 1, 2]
    assert seen == list(range(-3, 3))


@pytest.mark.parametrize("chunksize", [1, 2])
def test_map_through_submit_behaves_as_the_fast_path(chunksize: int) -> None:
    with _CountingPool(1) as pool:
        results = pool.map(lambda x: 10 // x, [5, 2, 0, 1], chunksize=chunksize)
        assert next(results) == 2
        assert next(results) == 5
        with pytest.raises(ZeroDivisionError):
            next(results)
        assert list(results) == []
        for result in pool.map(lambda _: _Result(), range(4), chunksize=chunksize):
            ref = weakref.ref(result)
            del result
            gc.collect()
            assert ref() is None
        release = threading.Event()
        slow = pool.map(lambda _: release.wait(WAIT), range(4), timeout=0.01, chunksize=chunksize)
        with pytest.raises(futures.TimeoutError, match=r"map\(timeout=0.01\): result 0 was"):
            next(slow)
        release.set()


@pytest.mark.parametrize("chunksize", [1, 2])
def test_map_timeout_says_what_timed_out(
    make_pool: Callable[..., ThreadPool], chunksize: int
) -> None:
    pool = make_pool(1)
    release = threading.Event()
    results = pool.map(lambda _: release.wait(WAIT), range(4), timeout=-1, chunksize=chunksize)
    with pytest.raises(futures.TimeoutError) as raised:
        next(results)
    assert str(raised.value) == (
        "map(timeout=0.0): result 0 was not ready 0.0 seconds after the call"
    )
    release.set()


def test_map_hand_off_under_forced_interleavings(make_pool: Callable[..., ThreadPool]) -> None:
    # The task's store and the iterator's take race for every item; none may be lost (a lost
    # wake-up would hang the iterator until the time-out).
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        pool = make_pool(4)
        for _ in range(50):
            assert list(pool.map(abs, range(-200, 200), timeout=WAIT)) == [
                abs(i) for i in range(-200, 200)
            ]
            assert list(pool.map(abs, range(-200, 200), timeout=WAIT, chunksize=7)) == [
                abs(i) for i in range(-200, 200)
            ]
    finally:
        sys.setswitchinterval(interval)


def _outcomes(results: Any, count: int) -> list[Any]:
    """``count`` calls of next(results): each value, or the name of what it raised."""
    seen: list[Any] = []
    for _ in range(count):
        try:
            seen.append(next(results))
        except Exception as exc:  # StopIteration, ZeroDivisionError, ...
            seen.append(type(exc).__name__)
    return seen


@pytest.mark.parametrize("through_submit", [False, True], ids=["own submit", "overridden"])
@pytest.mark.parametrize("chunksize", [1, 3])
def test_map_after_a_raise_ends_or_goes_on_as_this_pythons_standard_library(
    chunksize: int, through_submit: bool
) -> None:
    # The iterator ends after an item raised, as the running Python's own does.
    args = ([5, 5, 5, 5, 5], [2, 0, 3, 0, 5])
    with futures.ThreadPoolExecutor(2) as std:
        expected = _outcomes(std.map(divmod, *args), 7)
    with _CountingPool(2) if through_submit else ThreadPool(2) as pool:
        assert _outcomes(pool.map(divmod, *args, chunksize=chunksize), 7) == expected


@pytest.mark.parametrize("through_submit", [False, True], ids=["own submit", "overridden"])
@pytest.mark.parametrize("chunksize", [1, 2, 3])
@pytest.mark.parametrize("continues", [False, True], ids=["ends", "goes on"])
def test_map_after_a_raise(
    monkeypatch: pytest.MonkeyPatch, continues: bool, chunksize: int, through_submit: bool
) -> None:
    monkeypatch.setattr(threadpool._map, "CONTINUES_AFTER_RAISE", continues)
    args = ([5, 5, 5, 5, 5], [2, 0, 3, 0, 5])
    expected: list[Any] = [(2, 1), "ZeroDivisionError"]
    if continues:
        expected += [(1, 2), "ZeroDivisionError", (1, 0)]
    expected += ["StopIteration"] * (7 - len(expected))
    with _CountingPool(2) if through_submit else ThreadPool(2) as pool:
        assert _outcomes(pool.map(divmod, *args, chunksize=chunksize), 7) == expected
        for result in pool.map(lambda _: _Result(), range(7), chunksize=chunksize):
            ref = weakref.ref(result)
            del result
            gc.collect()
            assert ref() is None
        results = pool.map(divmod, *args, chunksize=chunksize)
        assert next(results) == (2, 1)
        results.close()  # type: ignore[attr-defined]
        assert _outcomes(results, 2) == ["StopIteration"] * 2
