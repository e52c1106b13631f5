"""ThreadPoolExecutor behaves as the standard library documents its own."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import threading

import pytest
from support import WAIT

from threadpool import BrokenThreadPool, PoolClosedError, ThreadPool, ThreadPoolExecutor


def test_is_an_executor_and_a_thread_pool() -> None:
    with ThreadPoolExecutor(2) as executor:
        assert isinstance(executor, cf.Executor)
        assert isinstance(executor, ThreadPool)
        assert executor._max_workers == 2


def test_threads_are_named_with_the_prefix() -> None:
    with ThreadPoolExecutor(1, thread_name_prefix="io") as executor:
        name = executor.submit(lambda: threading.current_thread().name).result(timeout=WAIT)
        assert name == "io_0"
    with ThreadPoolExecutor(1) as executor:
        name = executor.submit(lambda: threading.current_thread().name).result(timeout=WAIT)
    assert name.startswith("ThreadPoolExecutor-") and name.endswith("_0")


def test_runtime_error_after_shutdown() -> None:
    executor = ThreadPoolExecutor(2)
    executor.shutdown()
    with pytest.raises(RuntimeError):
        executor.submit(pow, 2, 2)
    with pytest.raises(PoolClosedError):
        executor.submit(pow, 2, 2)


def test_initializer_failure_is_the_standard_broken_thread_pool() -> None:
    def bad_init() -> None:
        raise ValueError("nope")

    executor = ThreadPoolExecutor(1, initializer=bad_init)
    future = executor.submit(pow, 2, 2)
    with pytest.raises(cf.thread.BrokenThreadPool):
        future.result(timeout=WAIT)
    with pytest.raises(BrokenThreadPool):
        executor.submit(pow, 2, 2)
    executor.shutdown(wait=True)


def test_same_code_same_results_as_the_standard_library() -> None:
    def workload(executor: cf.Executor) -> tuple[list[int], list[int], set[int]]:
        fs = [executor.submit(pow, i, 3) for i in range(30)]
        done, _ = cf.wait(fs, timeout=WAIT)
        return (
            [f.result(timeout=WAIT) for f in fs],
            list(executor.map(abs, range(-10, 10))),
            {f.result() for f in cf.as_completed(done)},
        )

    with cf.ThreadPoolExecutor(4) as std, ThreadPoolExecutor(4) as ours:
        assert workload(ours) == workload(std)


def test_extras_are_keyword_only_and_work() -> None:
    with ThreadPoolExecutor(1, "x", None, (), max_queue=1, on_full="reject") as executor:
        assert executor.stats().max_workers == 1


def test_run_in_executor() -> None:
    async def main(executor: cf.Executor) -> int:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, pow, 2, 5)

    with ThreadPoolExecutor(2) as executor:
        assert asyncio.run(main(executor)) == 32


class _Integral:
    """Like numpy.int64: an integral number that is not an int."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def test_accepts_every_argument_the_standard_library_accepts() -> None:
    seen: list[tuple[int, str]] = []
    with ThreadPoolExecutor(
        _Integral(2),  # type: ignore[arg-type]
        thread_name_prefix=None,
        initializer=lambda *args: seen.append(args),
        initargs=[1, "a"],  # type: ignore[arg-type]
    ) as executor:
        assert executor.max_workers == 2
        name = executor.submit(lambda: threading.current_thread().name).result(timeout=WAIT)
    assert name.startswith("ThreadPoolExecutor-")
    assert seen == [(1, "a")]


@pytest.mark.parametrize("number", [0, -1])
def test_max_workers_error_in_the_standard_library_words(number: int) -> None:
    with pytest.raises(ValueError, match=f"max_workers must be greater than 0, got {number}"):
        ThreadPoolExecutor(max_workers=number)
    with pytest.raises(TypeError, match=r"max_workers must be an int or None, got 2.5"):
        ThreadPoolExecutor(max_workers=2.5)  # type: ignore[arg-type]


def test_private_attributes_the_standard_library_has() -> None:
    executor = ThreadPoolExecutor(3)
    assert (executor._max_workers, executor._shutdown, executor._broken) == (3, False, False)
    assert executor._threads == set()
    release = threading.Event()
    futures = [executor.submit(release.wait, WAIT) for _ in range(3)]
    threads = executor._threads
    assert type(threads) is set and len(threads) == 3
    assert all(isinstance(t, threading.Thread) and t.is_alive() for t in threads)
    release.set()
    cf.wait(futures, timeout=WAIT)
    executor.shutdown()
    assert executor._shutdown is True
    assert all(not t.is_alive() for t in executor._threads)
    for name in ("_max_workers", "_threads", "_shutdown", "_broken"):
        with pytest.raises(AttributeError):
            setattr(executor, name, None)


def test_broken_is_the_standard_library_message() -> None:
    def bad_init() -> None:
        raise ValueError("nope")

    with (
        cf.ThreadPoolExecutor(1, initializer=bad_init) as std,
        pytest.raises(cf.thread.BrokenThreadPool),
    ):
        std.submit(pow, 2, 2).result(timeout=WAIT)
    executor = ThreadPoolExecutor(1, initializer=bad_init)
    with pytest.raises(BrokenThreadPool):
        executor.submit(pow, 2, 2).result(timeout=WAIT)
    executor.shutdown()
    assert executor._broken == std._broken
    assert isinstance(executor._broken, str)
