"""Bad input fails at the call that passed it, naming the argument and the value."""

from __future__ import annotations

import asyncio
import functools
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from support import WAIT

from threadpool import PoolClosedError, ThreadPool, ThreadPoolExecutor


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"max_workers": 0}, ValueError, r"max_workers must be >= 1, got 0"),
        ({"max_workers": -3}, ValueError, r"max_workers must be >= 1, got -3"),
        ({"max_workers": 2.5}, TypeError, r"max_workers must be an int, got 2.5"),
        ({"max_workers": True}, TypeError, r"max_workers must be an int, got True"),
        ({"max_queue": -1}, ValueError, r"max_queue must be >= 0, got -1"),
        ({"max_queue": "10"}, TypeError, r"max_queue must be an int, got '10'"),
        ({"idle_timeout": -0.5}, ValueError, r"idle_timeout must be >= 0 seconds .*-0.5"),
        ({"idle_timeout": float("nan")}, ValueError, r"idle_timeout .*nan"),
        ({"idle_timeout": "1"}, TypeError, r"idle_timeout must be a number .*'1'"),
        ({"on_full": "drop"}, ValueError, r"on_full must be one of .*'drop'"),
        ({"initializer": 42}, TypeError, r"initializer must be callable, got 42"),
        ({"initargs": [1]}, TypeError, r"initargs must be a tuple, got \[1\]"),
        ({"name": 7}, TypeError, r"name must be a str, got 7"),
    ],
)
def test_bad_constructor_arguments(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        ThreadPool(**kwargs)


def test_executor_checks_like_the_standard_library() -> None:
    with pytest.raises(ValueError, match="max_workers"):
        ThreadPoolExecutor(0)
    with pytest.raises(TypeError, match="initializer"):
        ThreadPoolExecutor(2, initializer="nope")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="thread_name_prefix"):
        ThreadPoolExecutor(2, thread_name_prefix=3)  # type: ignore[arg-type]


def test_infinite_idle_timeout_means_none(make_pool: Callable[..., ThreadPool]) -> None:
    make_pool(1, idle_timeout=float("inf")).submit(pow, 2, 2).result(timeout=10)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda p: p.run(42), TypeError, r"func must be callable, got 42"),
        (lambda p: p.run(print, (), "cb"), TypeError, r"callback must be callable, got 'cb'"),
        (lambda p: p.submit(None), TypeError, r"fn must be callable, got None"),
        (lambda p: p.map(3, [1]), TypeError, r"fn must be callable, got 3"),
        (lambda p: p.map(abs, [1], chunksize=0), ValueError, r"chunksize must be >= 1, got 0"),
        (lambda p: p.map(abs, [1], chunksize=1.5), TypeError, r"chunksize must be an int"),
        (
            lambda p: p.map(abs, [1], buffersize=0),
            ValueError,
            r"buffersize must be None or > 0, got 0",
        ),
        (
            lambda p: p.map(abs, [1], buffersize=-1),
            ValueError,
            r"buffersize must be None or > 0, got -1",
        ),
        (
            lambda p: p.map(abs, [1], buffersize="2"),
            TypeError,
            r"buffersize must be an integer or None, got '2'",
        ),
        (
            lambda p: p.map(abs, [1], buffersize=2.0),
            TypeError,
            r"buffersize must be an integer or None, got 2.0",
        ),
        (lambda p: p.map(abs, [1], timeout="soon"), TypeError, r"timeout must be a number"),
        (lambda p: p.join(-1), ValueError, r"timeout must be >= 0 seconds .*-1"),
    ],
)
def test_bad_call_arguments(
    make_pool: Callable[..., ThreadPool],
    call: Callable[[ThreadPool], object],
    error: type[Exception],
    match: str,
) -> None:
    pool = make_pool(1)
    with pytest.raises(error, match=match):
        call(pool)
    stats = pool.stats()
    assert (stats.submitted, stats.workers) == (0, 0)  # nothing reached a worker


async def _coroutine_function(x: int) -> int:
    return x


class _AsyncMethods:
    async def method(self, x: int) -> int:
        return x


@pytest.mark.parametrize(
    "fn",
    [_coroutine_function, _AsyncMethods().method, functools.partial(_coroutine_function, 1)],
    ids=["function", "bound method", "partial"],
)
@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda p, fn: p.submit(fn, 1), "fn"),
        (lambda p, fn: p.run(fn, (1,)), "func"),
        (lambda p, fn: p.map(fn, [1]), "fn"),
        (lambda p, fn: asyncio.run(p.run_async(fn, 1)), "fn"),
    ],
    ids=["submit", "run", "map", "run_async"],
)
def test_a_coroutine_function_is_refused_at_the_call(
    make_pool: Callable[..., ThreadPool],
    fn: Callable[..., Any],
    call: Callable[[ThreadPool, Callable[..., Any]], object],
    name: str,
) -> None:
    pool = make_pool(1)
    with pytest.raises(TypeError, match=rf"^{name} must be a regular function, got coroutine") as e:
        call(pool, fn)
    assert "run_async" in str(e.value)
    assert repr(fn) in str(e.value)
    assert pool.stats().submitted == 0


def test_max_queue_none_means_unbounded(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, None, on_full="reject")
    release = threading.Event()
    futures = [pool.submit(release.wait, WAIT) for _ in range(100)]  # none rejected
    release.set()
    assert all(f.result(timeout=WAIT) for f in futures)


def test_default_names_are_unique(make_pool: Callable[..., ThreadPool]) -> None:
    pools = [make_pool(1), make_pool(1), ThreadPoolExecutor(1), ThreadPoolExecutor(1)]
    try:
        names = [p.submit(lambda: threading.current_thread().name).result(WAIT) for p in pools]
    finally:
        for pool in pools[2:]:
            pool.shutdown()
    assert len({p.name for p in pools}) == 4
    assert len(set(names)) == 4
    assert re.fullmatch(r"ThreadPool-\d+", pools[0].name)
    assert re.fullmatch(r"ThreadPool-\d+-0", names[0])
    assert re.fullmatch(r"ThreadPoolExecutor-\d+_0", names[2])


@pytest.mark.parametrize(
    ("stop", "said"),
    [
        (ThreadPool.close, r"was closed \(by close\(\) or shutdown\(\)\)"),
        (ThreadPool.shutdown, r"was closed \(by close\(\) or shutdown\(\)\)"),
        (ThreadPool.terminate, r"was terminated \(by terminate\(\) or shutdown\(cancel_"),
    ],
)
def test_submit_after_stopping_says_what_stopped_the_pool(
    make_pool: Callable[..., ThreadPool], stop: Callable[[ThreadPool], None], said: str
) -> None:
    pool = make_pool(1, name="idle")
    stop(pool)  # an idle pool is TERMINATED at once, whichever call stopped it
    with pytest.raises(PoolClosedError, match=rf"^pool 'idle' {said}.* accepts no new tasks$"):
        pool.submit(pow, 2, 2)
