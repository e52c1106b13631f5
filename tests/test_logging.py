"""Logging: the library reports through ``logging.getLogger("threadpool")`` only, and adds no
handler to it; failures nobody else is told about (a fire-and-forget task, a raising callback or
done-callback, an initializer) are logged at ERROR with their traceback and the pool's name,
never printed. So they reach the application's handlers once it configures logging, and
stderr (through logging's last-resort handler) while it has not.
"""

from __future__ import annotations

import ast
import itertools
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
    """Failures go to the logger; with a handler configured (pytest's capturing one), they are
    not also written to the process's stdout or stderr (file descriptors 1 and 2)."""

    def bad_callback(ok: bool, value: object) -> None:
        raise RuntimeError("callback failed")

    pool = make_pool(2)
    pool.run(fail)
    pool.run(fail, (), bad_callback)
    pool.submit(fail)
    finish(pool)
    assert capfd.readouterr() == ("", "")


# ---------------------------------------------------------------- the logger itself


def test_the_package_logger_has_no_handler_of_its_own() -> None:
    """No handler (a ``NullHandler`` would keep the last-resort handler from printing a
    failure in a program that has not configured logging), and records propagate."""
    logger = logging.getLogger("threadpool")
    assert logger.handlers == []
    assert logger.propagate


FAILURES_PROGRAM = """
from threadpool import ThreadPool

def failing_task():
    raise ValueError("the task failed")

def failing_callback(ok, value):
    raise KeyError("the callback failed")

def failing_done_callback(future):
    raise OSError("the done-callback failed")

def failing_initializer():
    raise LookupError("the initializer failed")

pool = ThreadPool(1, name="jobs-pool")
pool.run(failing_task)
pool.run(int, (), failing_callback)
pool.submit(int).add_done_callback(failing_done_callback)
pool.shutdown()

broken = ThreadPool(1, name="broken-pool", initializer=failing_initializer)
broken.submit(int).exception()
broken.shutdown()
print("done")
"""
"""One failure of each kind nobody handles, in pools with names to look for."""

EXPECTED_FAILURES = [
    # (what the record's message names, the exception line of its traceback)
    (("failing_task", "'jobs-pool'"), "ValueError: the task failed"),
    (("failing_callback", "<class 'int'>", "'jobs-pool'"), "KeyError: 'the callback failed'"),
    (("failing_done_callback", "'jobs-pool'"), "OSError: the done-callback failed"),
    (("'broken-pool'",), "LookupError: the initializer failed"),
]


def run_program(setup: str) -> subprocess.CompletedProcess[str]:
    """Run ``setup`` then ``FAILURES_PROGRAM`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(setup) + FAILURES_PROGRAM],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_unconfigured_program_prints_each_failure_with_its_traceback() -> None:
    """With no logging configured, each failure reaches stderr once, with its traceback and the
    names of its pool and task (through logging's last-resort handler), as an exception that
    escapes a thread would."""
    result = run_program("")
    assert (result.returncode, result.stdout) == (0, "done\n")
    stderr = result.stderr
    assert stderr.count("Traceback (most recent call last):") == len(EXPECTED_FAILURES)
    for names, exception_line in EXPECTED_FAILURES:
        assert stderr.count(exception_line) == 1, (exception_line, stderr)
        # The record's message, on the line before its traceback, names the pool and task.
        (message,) = [
            line
            for line, following in itertools.pairwise(stderr.splitlines())
            if following.startswith("Traceback") and all(name in line for name in names)
        ]
        assert " raised" in message, message


@pytest.mark.parametrize(
    "setup",
    [
        """
        import logging, sys
        logging.basicConfig(stream=sys.stdout, format="APP %(name)s %(levelname)s %(message)s")
        """,
        """
        import logging, sys
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("APP %(name)s %(levelname)s %(message)s"))
        logging.getLogger("threadpool").addHandler(handler)
        """,
    ],
    ids=["root-configured", "threadpool-logger-configured"],
)
def test_configured_program_gets_each_failure_once_through_its_handler(setup: str) -> None:
    """Once the application configures logging, each failure goes through its handler (here,
    to stdout in its own format) exactly once, and nothing is printed to stderr besides."""
    result = run_program(setup)
    assert (result.returncode, result.stderr) == (0, "")
    stdout = result.stdout
    app_lines = [line for line in stdout.splitlines() if line.startswith("APP ")]
    assert len(app_lines) == len(EXPECTED_FAILURES), stdout
    assert all(line.startswith("APP threadpool ERROR ") for line in app_lines), app_lines
    for names, exception_line in EXPECTED_FAILURES:
        assert stdout.count(exception_line) == 1, (exception_line, stdout)
        assert sum(all(name in line for name in names) for line in app_lines) == 1, names
    assert stdout.endswith("done\n")


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
