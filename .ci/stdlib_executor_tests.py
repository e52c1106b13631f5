"""Run CPython's own ThreadPoolExecutor tests against threadpool.ThreadPoolExecutor.

    python .ci/stdlib_executor_tests.py

Runs with any CPython 3.10-3.15 that has its ``test`` package (pyenv's interpreters have it;
on Debian it is ``libpython3.X-testsuite``) and can import ``threadpool``. It imports that
Python's ``test.test_concurrent_futures`` (a package from 3.12 on, one module before), takes
every test class built on its ``ThreadPoolMixin``, points the mixin, and
``concurrent.futures.ThreadPoolExecutor`` (which some tests name directly, also in the child
processes they start), at ``threadpool.ThreadPoolExecutor``, and runs them.

It prints each test that fails, then a summary. Exit status:

- 0: every test passed, or failed only where ``DELIBERATE`` lists a difference we chose (each
  with its reason; docs/migration.md lists them too);
- 1: a test not in ``DELIBERATE`` failed, or the tests could not be loaded;
- 2: this Python has no ``test.test_concurrent_futures``: nothing was run.

A test in ``DELIBERATE`` that passes is reported, so the list can shrink, and never fails the run.
Each test, and each stretch between tests, has ``PER_TEST_SECONDS``; past that, faulthandler
dumps every thread's stack and ends the process (status 1), so a hang fails instead of
stalling CI.
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.util
import os
import sys
import types
import unittest
from collections.abc import Callable
from typing import Any

PER_TEST_SECONDS = 300

DELIBERATE = {
    # Messages and private names that code would only see by reading them, not by using the
    # executor; each is listed in docs/migration.md.
    "ThreadPoolShutdownTest.test_submit_after_interpreter_shutdown": (
        "checks the text 'RuntimeError: cannot schedule new futures' on stderr; ours raises "
        "PoolClosedError (a RuntimeError subclass) saying which pool refused the task and why"
    ),
    # A race the standard library's own test loses at times: from 3.13 it accepts either outcome
    # (gh-116682), 3.10-3.12 still insist on one.
    "ThreadPoolShutdownTest.test_cancel_futures_wait_false": (
        "submit() then shutdown(wait=False, cancel_futures=True) at once; 3.10-3.12 expect the "
        "task to have run. Neither executor promises it (CPython's test accepts both from 3.13): "
        "the standard library's new worker nearly always takes the task first, ours (started "
        "before the task is queued, so that a failed start queues nothing) nearly never does"
    ),
    # Logging: failures are logged on the "threadpool" logger, with the pool's name.
    "ThreadPoolFailingInitializerTest.test_initializer": (
        "expects a CRITICAL record on the 'concurrent.futures' "
        "logger; ours logs the initializer's exception on the 'threadpool' logger, at ERROR"
    ),
}
"""``Class.test_method`` -> why ours differs on purpose. Any other failing test fails the run."""


def _thread_pool_modules() -> list[str]:
    """The names of the modules that hold thread-pool executor tests in this Python."""
    package = importlib.util.find_spec("test.test_concurrent_futures")
    if package is None:
        return []
    if package.submodule_search_locations is None:  # 3.10, 3.11: one module
        return ["test.test_concurrent_futures"]
    names = ["test_thread_pool", "test_shutdown", "test_wait", "test_as_completed", "test_init"]
    found = [f"test.test_concurrent_futures.{name}" for name in names]
    return [name for name in found if importlib.util.find_spec(name) is not None]


def _child_prelude() -> str:
    """Code put before each ``python -c`` script a test runs: the child uses our executor too."""
    import threadpool

    root = os.path.dirname(os.path.dirname(os.path.abspath(threadpool.__file__)))
    return (
        f"import sys; sys.path.insert(0, {root!r}); "
        "import concurrent.futures, threadpool; "
        "concurrent.futures.ThreadPoolExecutor = threadpool.ThreadPoolExecutor\n"
    )


def _with_prelude(run_python: Callable[..., Any], prelude: str) -> Callable[..., Any]:
    def run(*args: str, **env: str) -> Any:
        if len(args) >= 2 and args[0] == "-c":
            args = ("-c", prelude + args[1], *args[2:])
        return run_python(*args, **env)

    return run


def _point_at_threadpool(modules: list[types.ModuleType]) -> None:
    import concurrent.futures

    from test.support import script_helper  # type: ignore[import-not-found]

    import threadpool

    concurrent.futures.ThreadPoolExecutor = threadpool.ThreadPoolExecutor  # type: ignore[misc,assignment]
    prelude = _child_prelude()
    for module in modules:
        for name in ("assert_python_ok", "assert_python_failure"):
            if hasattr(module, name):
                setattr(module, name, _with_prelude(getattr(script_helper, name), prelude))
        mixin = getattr(module, "ThreadPoolMixin", None)
        if mixin is not None:
            mixin.executor_type = threadpool.ThreadPoolExecutor


def _thread_pool_tests(modules: list[types.ModuleType]) -> unittest.TestSuite:
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for module in modules:
        for value in sorted(vars(module).values(), key=lambda v: getattr(v, "__name__", "")):
            if (
                isinstance(value, type)
                and issubclass(value, unittest.TestCase)
                and value.__module__ == module.__name__
                and any(base.__name__ == "ThreadPoolMixin" for base in value.__mro__)
            ):
                suite.addTests(loader.loadTestsFromTestCase(value))
    return suite


class _Result(unittest.TextTestResult):
    """Gives each test, and what runs between tests (class and module fixtures),
    PER_TEST_SECONDS before faulthandler ends the run."""

    def startTest(self, test: unittest.TestCase) -> None:
        faulthandler.dump_traceback_later(PER_TEST_SECONDS, exit=True)
        super().startTest(test)

    def stopTest(self, test: unittest.TestCase) -> None:
        super().stopTest(test)
        faulthandler.dump_traceback_later(PER_TEST_SECONDS, exit=True)


def main() -> int:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    names = _thread_pool_modules()
    if not names:
        print(f"Python {version} has no test.test_concurrent_futures: nothing to run")
        return 2
    modules = [importlib.import_module(name) for name in names]
    _point_at_threadpool(modules)
    suite = _thread_pool_tests(modules)
    ran = {_name(test_id) for test_id in _ids(suite)}  # the runner empties the suite
    print(f"Python {sys.version.split()[0]}: {suite.countTestCases()} tests from", *names)
    print("against threadpool.ThreadPoolExecutor", flush=True)
    runner = unittest.TextTestRunner(resultclass=_Result, verbosity=1)  # type: ignore[arg-type]
    faulthandler.dump_traceback_later(PER_TEST_SECONDS, exit=True)
    result = runner.run(suite)
    faulthandler.cancel_dump_traceback_later()

    failed = {test.id(): trace for test, trace in (*result.failures, *result.errors)}
    expected = {test_id for test_id in failed if _name(test_id) in DELIBERATE}
    unexpected = sorted(set(failed) - expected)
    now_passing = sorted(set(DELIBERATE) & ran - {_name(test_id) for test_id in expected})

    print(f"\n=== stdlib ThreadPoolExecutor tests on Python {version}: summary ===")
    print(f"ran {result.testsRun}, skipped {len(result.skipped)}, failed {len(failed)}")
    for test_id in sorted(expected):
        print(f"differs on purpose: {test_id}\n    {DELIBERATE[_name(test_id)]}")
    for name in now_passing:
        print(f"listed as a deliberate difference but passes: {name}")
    for test_id in unexpected:
        print(f"FAILED: {test_id}")
    print("OK: no unexpected difference" if not unexpected else "UNEXPECTED DIFFERENCES")
    return 1 if unexpected else 0


def _name(test_id: str) -> str:
    """``Class.test_method`` of a test's id (its module differs between Python versions)."""
    return ".".join(test_id.split(".")[-2:])


def _ids(suite: unittest.TestSuite) -> list[str]:
    ids: list[str] = []
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            ids.extend(_ids(test))
        else:
            ids.append(test.id())
    return ids


if __name__ == "__main__":
    sys.exit(main())
