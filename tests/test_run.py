"""run(): the article's call shape, with every task's outcome told exactly once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError
from typing import Any

import pytest
from support import WAIT

from threadpool import ThreadPool


class Recorder:
    """A callback that records every call and can be waited on."""

    def __init__(self, expected: int) -> None:
        self.calls: list[tuple[bool, Any]] = []
        self._lock = threading.Lock()
        self._expected = expected
        self.done = threading.Event()

    def __call__(self, success: bool, value: Any) -> None:
        with self._lock:
            self.calls.append((success, value))
            if len(self.calls) >= self._expected:
                self.done.set()


def test_callback_gets_each_result(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)
    recorder = Recorder(100)
    for i in range(100):
        pool.run(lambda x: x * 2, (i,), recorder)
    assert recorder.done.wait(WAIT)
    assert sorted(recorder.calls) == [(True, i * 2) for i in range(100)]


def test_callback_gets_the_exception_itself(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    recorder = Recorder(1)
    error = ValueError("boom")

    def fail() -> None:
        raise error

    pool.run(fail, (), recorder)
    assert recorder.done.wait(WAIT)
    assert recorder.calls == [(False, error)]
    pool.close()
    assert pool.join(WAIT)
    assert pool.stats().failed == 1


@pytest.mark.parametrize("exc_type", [SystemExit, KeyboardInterrupt])
def test_base_exceptions_are_reported_and_the_worker_survives(
    make_pool: Callable[..., ThreadPool], exc_type: type[BaseException]
) -> None:
    pool = make_pool(1)
    recorder = Recorder(2)

    def fail() -> None:
        raise exc_type

    pool.run(fail, (), recorder)
    pool.run(lambda: "after", (), recorder)
    assert recorder.done.wait(WAIT)
    assert isinstance(recorder.calls[0][1], exc_type)
    assert recorder.calls[1] == (True, "after")
    assert pool.stats().workers == 1


def test_failure_without_callback_is_logged_with_traceback(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_pool(1, name="logged")

    def fail() -> None:
        raise RuntimeError("lost no more")

    with caplog.at_level(logging.ERROR, logger="threadpool"):
        pool.run(fail)
        pool.close()
        assert pool.join(WAIT)
    [record] = caplog.records
    assert "logged" in record.getMessage()
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


def test_raising_callback_is_logged_and_worker_keeps_going(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_pool(1)
    recorder = Recorder(1)

    def bad_callback(success: bool, value: Any) -> None:
        raise ValueError("callback bug")

    with caplog.at_level(logging.ERROR, logger="threadpool"):
        pool.run(lambda: 1, (), bad_callback)
        pool.run(lambda: 2, (), recorder)
        assert recorder.done.wait(WAIT)
    assert recorder.calls == [(True, 2)]
    assert any("callback" in r.getMessage() for r in caplog.records)
    pool.close()
    assert pool.join(WAIT)
    assert pool.stats().completed == 2


def test_args_may_be_any_iterable_but_not_a_string(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    recorder = Recorder(1)
    pool.run(lambda a, b: a + b, [1, 2], recorder)
    assert recorder.done.wait(WAIT)
    assert recorder.calls == [(True, 3)]
    with pytest.raises(TypeError, match="args must be a tuple"):
        pool.run(print, "ab")
    with pytest.raises(TypeError, match="args must be a tuple"):
        pool.run(print, 5)  # type: ignore[arg-type]


def test_callbacks_run_on_the_worker(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, name="where")
    recorder = Recorder(1)
    pool.run(lambda: None, (), lambda ok, v: recorder(ok, threading.current_thread().name))
    assert recorder.done.wait(WAIT)
    assert recorder.calls == [(True, "where-0")]


# A task without arguments travels in a shorter tuple than one with them: both must be told.
@pytest.mark.parametrize("with_args", [True, False], ids=["args", "no-args"])
def test_terminate_tells_callbacks_of_discarded_tasks(
    make_pool: Callable[..., ThreadPool], with_args: bool
) -> None:
    pool = make_pool(1)
    started, release = threading.Event(), threading.Event()
    pool.run(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    recorder = Recorder(5)
    for i in range(5):
        if with_args:
            pool.run(lambda x: x, (i,), recorder)
        else:
            pool.run(lambda: None, (), recorder)
    pool.terminate()
    # terminate() tells them before it returns
    assert len(recorder.calls) == 5
    assert all(not ok and isinstance(v, CancelledError) for ok, v in recorder.calls)
    release.set()
    assert pool.join(WAIT)
    stats = pool.stats()
    assert (stats.submitted, stats.completed, stats.cancelled) == (6, 1, 5)
