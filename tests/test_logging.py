"""Logging: the library reports through ``logging.getLogger("threadpool")`` only, which has a
``NullHandler``; failures nobody else is told about (a fire-and-forget task, a raising callback,
an initializer) are logged at ERROR with their traceback and the pool's name, and never printed.
"""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from queue import SimpleQueue
from typing import Any

import pytest
from support import WAIT

import threadpool
from threadpool import BrokenThreadPool, ThreadPool

PACKAGE_DIR = Path(threadpool.__file__).parent


class TaskError(Exception):
    pass


def fail() -> None:
    raise TaskError("task failed")


def records_of(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("threadpool")]


def finish(pool: ThreadPool) -> None:
    """Wait for every task (and so every log call) of ``pool``."""
    pool.close()
    assert pool.join(WAIT)


# ---------------------------------------------------------------- what is logged


def test_failing_fire_and_forget_task_is_logged(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    pool = make_pool(1, name="jobs")
    pool.run(fail)
    finish(pool)
    (record,) = records_of(caplog)
    assert record.name == "threadpool"
    assert record.levelno == logging.ERROR
    assert "'jobs'" in record.getMessage()
    assert "fail" in record.getMessage()  # names the task
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], TaskError)
    assert "Traceback (most recent call last)" in caplog.text
    assert "TaskError: task failed" in caplog.text
    assert pool.stats().failed == 1


def test_task_with_a_callback_is_not_logged(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    """A callback is told of the failure, so the pool does not log it as well."""
    told: SimpleQueue[tuple[bool, Any]] = SimpleQueue()
    pool = make_pool(1)
    pool.run(fail, (), lambda ok, value: told.put((ok, value)))
    ok, value = told.get(timeout=WAIT)
    finish(pool)
    assert not ok
    assert isinstance(value, TaskError)
    assert records_of(caplog) == []


def test_failing_submitted_task_is_not_logged(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    """A future holds its exception for whoever asks, as in the standard library."""
    pool = make_pool(1)
    future = pool.submit(fail)
    assert isinstance(future.exception(WAIT), TaskError)
    finish(pool)
    assert records_of(caplog) == []


@pytest.mark.parametrize("task_fails", [False, True], ids=["on-success", "on-failure"])
def test_raising_callback_is_logged_and_the_worker_goes_on(
    make_pool: Callable[..., ThreadPool],
    caplog: pytest.LogCaptureFixture,
    task_fails: bool,
) -> None:
    def bad_callback(ok: bool, value: object) -> None:
        raise RuntimeError("callback failed")

    pool = make_pool(1, name="callbacks")
    pool.run(fail if task_fails else int, (), bad_callback)
    # The same (only) worker still runs tasks.
    assert pool.submit(int, "7").result(WAIT) == 7
    finish(pool)
    assert pool.stats().workers == 0
    (record,) = records_of(caplog)
    assert record.levelno == logging.ERROR
    assert "'callbacks'" in record.getMessage()
    assert "bad_callback" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)
    assert "RuntimeError: callback failed" in caplog.text


def test_callback_of_a_discarded_task_that_raises_is_logged(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    """terminate() tells each discarded task's callback; if that raises, it is logged and
    terminate() still finishes."""
    started, release = threading.Event(), threading.Event()

    def blocker() -> None:
        started.set()
        release.wait(WAIT)

    def bad_callback(ok: bool, value: object) -> None:
        raise RuntimeError("told of the discard")

    pool = make_pool(1, name="dropping")
    pool.run(blocker)
    assert started.wait(WAIT)
    pool.run(int, (), bad_callback)
    pool.terminate()
    release.set()
    assert pool.join(WAIT)
    (record,) = records_of(caplog)
    assert "'dropping'" in record.getMessage()
    assert "RuntimeError: told of the discard" in caplog.text
    assert pool.stats().cancelled == 1


def test_failing_initializer_is_logged(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    def initializer() -> None:
        raise TaskError("no setup")

    pool = make_pool(1, name="broken", initializer=initializer)
    future = pool.submit(int)
    assert isinstance(future.exception(WAIT), BrokenThreadPool)
    assert pool.join(WAIT)
    (record,) = records_of(caplog)
    assert record.levelno == logging.ERROR
    assert "'broken'" in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], TaskError)


def test_nothing_is_printed(
    make_pool: Callable[..., ThreadPool], capfd: pytest.CaptureFixture[str]
) -> None:
    """Failures go to the logger; with pytest's capturing handler there, nothing reaches the
    process's stdout or stderr (file descriptors 1 and 2, from any thread)."""

    def bad_callback(ok: bool, value: object) -> None:
        raise RuntimeError("callback failed")

    pool = make_pool(2)
    pool.run(fail)
    pool.run(fail, (), bad_callback)
    pool.submit(fail)
    finish(pool)
    assert capfd.readouterr() == ("", "")


# ---------------------------------------------------------------- the logger itself


def test_the_package_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("threadpool").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)


def test_unconfigured_logging_prints_nothing() -> None:
    """In a fresh interpreter with no logging set up, the NullHandler keeps logging's
    last-resort handler from printing a failure to stderr: the application decides."""
    code = textwrap.dedent(
        """
        from threadpool import ThreadPool

        def fail():
            raise ValueError("unseen")

        def bad_callback(ok, value):
            raise ValueError("unseen either")

        pool = ThreadPool(1)
        pool.run(fail)
        pool.run(int, (), bad_callback)
        pool.shutdown()
        print("done")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "done\n", "")


def test_logs_reach_a_configured_handler(make_pool: Callable[..., ThreadPool]) -> None:
    """An application's handler on the "threadpool" logger receives the records."""
    logger = logging.getLogger("threadpool")
    received: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = received.append  # type: ignore[method-assign]
    logger.addHandler(handler)
    try:
        pool = make_pool(1, name="app")
        pool.run(fail)
        finish(pool)
    finally:
        logger.removeHandler(handler)
    assert [r.name for r in received] == ["threadpool"]


# ---------------------------------------------------------------- the source, read statically


def library_modules() -> list[Path]:
    """The package's modules, except ``__main__`` (the demo, which prints on purpose)."""
    modules = sorted(p for p in PACKAGE_DIR.glob("*.py") if p.name != "__main__.py")
    assert len(modules) > 3, f"no modules found in {PACKAGE_DIR}"
    return modules


def calls(path: Path) -> list[ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    return "?"


PRINTING = {
    "print",
    "sys.stderr.write",
    "sys.stdout.write",
    "traceback.print_exc",
    "traceback.print_exception",
    "traceback.print_stack",
}
"""Calls that write to the console instead of logging."""

ROOT_LOGGING = {
    f"logging.{function}"
    for function in ("debug", "info", "warning", "error", "exception", "critical", "log")
}
"""Module-level logging functions, which log on the root logger instead of ours."""


@pytest.mark.parametrize("path", library_modules(), ids=lambda p: p.name)
def test_no_prints_or_root_logging(path: Path) -> None:
    offending = [
        f"{path.name}:{call.lineno}: {dotted(call.func)}(...)"
        for call in calls(path)
        if dotted(call.func) in PRINTING | ROOT_LOGGING
    ]
    assert offending == []


@pytest.mark.parametrize("path", library_modules(), ids=lambda p: p.name)
def test_every_logger_is_the_package_logger(path: Path) -> None:
    names = [
        ast.literal_eval(call.args[0]) if call.args else None
        for call in calls(path)
        if dotted(call.func) == "logging.getLogger"
    ]
    assert all(name == "threadpool" for name in names), names
