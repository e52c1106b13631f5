"""Static checks of the public API's types, for ``mypy --strict tests/typing`` (and pyright).

Nothing here runs: pytest does not collect this file (its name does not start with
``test_``). ``assert_type`` fails the type check when an inferred type differs. Each
``# type: ignore[code]`` marks a call that must be an error: mypy's ``warn_unused_ignores``
(part of ``--strict``) fails the check if the error ever goes away, and pyright does the same
with ``reportUnnecessaryTypeIgnoreComment``, switched on below.
"""

# pyright: strict, reportUnnecessaryTypeIgnoreComment=true

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from typing import Any

from threadpool import (
    BrokenThreadPool,
    OnFull,
    PoolClosedError,
    PoolState,
    PoolStats,
    QueueFullError,
    TaskGroup,
    ThreadPool,
    ThreadPoolExecutor,
)

if sys.version_info >= (3, 11):
    from typing import assert_type
else:
    from typing_extensions import assert_type


def add(a: int, b: int) -> int:
    return a + b


def greet(name: str, *, punctuation: str = "!") -> str:
    return name + punctuation


def nothing() -> None:
    pass


def on_done(success: bool, value: Any) -> None:
    pass


def check_construction() -> None:
    assert_type(ThreadPool(), ThreadPool)
    assert_type(ThreadPool(4, 100, name="io", idle_timeout=5.0, on_full="reject"), ThreadPool)
    assert_type(ThreadPoolExecutor(4, "prefix", max_queue=10), ThreadPoolExecutor)
    assert_type(ThreadPool(name=None, max_queue=None), ThreadPool)  # default name, no bound
    assert_type(ThreadPoolExecutor(2, None, print, [1]), ThreadPoolExecutor)  # as the stdlib's
    executor: Executor = ThreadPoolExecutor()  # a drop-in for the standard library's
    pool: ThreadPool = ThreadPoolExecutor()
    on_full: OnFull = "caller_runs"
    del executor, pool, on_full

    ThreadPool("4")  # type: ignore[arg-type]
    ThreadPool(on_full="drop")  # type: ignore[arg-type]
    ThreadPool(idle_timeout="5s")  # type: ignore[arg-type]
    ThreadPool(4, name=7)  # type: ignore[arg-type]
    ThreadPool(4, 10, "io")  # type: ignore[call-arg]
    ThreadPoolExecutor(thread_name_prefix=3)  # type: ignore[arg-type]


def check_submit(pool: ThreadPool) -> None:
    assert_type(pool.submit(add, 1, 2), Future[int])
    assert_type(pool.submit(add, 1, b=2), Future[int])
    assert_type(pool.submit(greet, "x", punctuation="?"), Future[str])
    assert_type(pool.submit(nothing), Future[None])
    assert_type(pool.submit(add, 1, 2).result(), int)

    pool.submit(add, 1, "2")  # type: ignore[arg-type]
    pool.submit(add, 1)  # type: ignore[call-arg]
    pool.submit(add, 1, 2, 3)  # type: ignore[call-arg]
    pool.submit(greet, "x", punct="?")  # type: ignore[call-arg]
    pool.submit(greet, "x", "?")  # type: ignore[call-arg]
    text: Future[str] = pool.submit(add, 1, 2)  # type: ignore[arg-type]
    del text


def check_executor_submit(executor: ThreadPoolExecutor) -> None:
    assert_type(executor.submit(add, 1, 2), Future[int])
    executor.submit(add, "1", 2)  # type: ignore[arg-type]


def check_map(pool: ThreadPool) -> None:
    assert_type(pool.map(add, [1, 2], [3, 4]), Iterator[int])
    assert_type(pool.map(str, range(3), timeout=1.0, chunksize=8, buffersize=4), Iterator[str])
    pool.map(add, [1], timeout="1")  # type: ignore[arg-type]


def check_run(pool: ThreadPool) -> None:
    assert_type(pool.run(add, (1, 2)), None)
    assert_type(pool.run(nothing, callback=on_done), None)
    pool.run(add, (1, 2), callback=lambda success, value: None)
    pool.run(add, (1, 2), callback=nothing)  # type: ignore[arg-type]


async def check_run_async(pool: ThreadPool) -> None:
    assert_type(await pool.run_async(add, 1, 2), int)
    assert_type(await pool.run_async(greet, "x", punctuation="?"), str)
    await pool.run_async(add, 1, "2")  # type: ignore[arg-type]
    await pool.run_async(add, 1)  # type: ignore[call-arg]

    loop = asyncio.get_running_loop()
    assert_type(await loop.run_in_executor(pool, add, 1, 2), int)
    assert_type(await asyncio.wrap_future(pool.submit(add, 1, 2)), int)


def check_lifecycle(pool: ThreadPool) -> None:
    assert_type(pool.close(), None)
    assert_type(pool.terminate(), None)
    assert_type(pool.join(), bool)
    assert_type(pool.join(timeout=1.5), bool)
    assert_type(pool.shutdown(wait=False, cancel_futures=True), None)
    pool.join("soon")  # type: ignore[arg-type]
    with ThreadPool() as entered:
        assert_type(entered, ThreadPool)
    with ThreadPoolExecutor() as executor:
        assert_type(executor, ThreadPoolExecutor)


def check_observing(pool: ThreadPool) -> None:
    assert_type(pool.name, str)
    assert_type(pool.max_workers, int)
    assert_type(pool.state, PoolState)
    stats = pool.stats()
    assert_type(stats, PoolStats)
    assert_type(stats.state, PoolState)
    assert_type(stats.submitted, int)
    stats.submitted = 0  # type: ignore[misc]  # frozen


def check_errors() -> None:
    closed: RuntimeError = PoolClosedError()
    full: RuntimeError = QueueFullError()
    broken: RuntimeError = BrokenThreadPool()
    del closed, full, broken


def check_group(pool: ThreadPool, executor: Executor) -> None:
    with pool.group() as g:
        assert_type(g, TaskGroup)
        assert_type(g.submit(add, 1, 2), Future[int])
        assert_type(g.submit(greet, "x", punctuation="?"), Future[str])
        assert_type(g.run(add, (1, 2), callback=on_done), None)
        assert_type(g.map(add, [1, 2], [3, 4]), Iterator[int])
        assert_type(g.cancelled, bool)
        assert_type(g.wait_cancelled(0.5), bool)
        g.submit(add, 1, "2")  # type: ignore[arg-type]
        g.submit(add, 1)  # type: ignore[call-arg]
        g.run(add, (1, 2), callback=nothing)  # type: ignore[arg-type]
    assert_type(pool.group(timeout=5.0), TaskGroup)
    assert_type(ThreadPoolExecutor().group(), TaskGroup)
    assert_type(TaskGroup(executor, timeout=1), TaskGroup)
    pool.group(timeout="5")  # type: ignore[arg-type]
    TaskGroup(executor, 1.0)  # type: ignore[call-arg]


async def check_group_async(pool: ThreadPool) -> None:
    async with pool.group() as g:
        assert_type(g, TaskGroup)
        assert_type(await asyncio.wrap_future(g.submit(add, 1, 2)), int)
