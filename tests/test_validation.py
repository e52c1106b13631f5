"""Bad input fails at the call that passed it, naming the argument and the value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from threadpool import ThreadPool, ThreadPoolExecutor


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
        (lambda p: p.map(abs, [1], buffersize=0), ValueError, r"buffersize must be >= 1, got 0"),
        (lambda p: p.map(abs, [1], buffersize="2"), TypeError, r"buffersize must be an int"),
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
