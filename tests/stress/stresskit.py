"""Helpers shared by the stress tests: bounded waits, thread groups, and the accounting checks.

Every stress test repeats a scenario ``rounds(n)`` times. The environment variable
``THREADPOOL_STRESS_ROUNDS`` multiplies every test's round count (default 1); the soak runner
(``python tests/stress/soak.py``) raises it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import CancelledError, Future
from typing import Any, Callable

# re-exported: the stress tests import their helpers from here
from support import WAIT as WAIT
from support import Monitor as Monitor
from support import check_claims as check_claims
from support import wait_until as wait_until

from threadpool import PoolState, PoolStats, ThreadPool

SHORT = 0.02
"""Bound for waits on what must *not* happen (a blocked call returning, a pool terminating)."""

SCALE = max(1, int(os.environ.get("THREADPOOL_STRESS_ROUNDS", "1")))
"""Multiplies the number of rounds of every stress test."""


def rounds(base: int) -> range:
    """The rounds a scenario is repeated: ``base`` times ``THREADPOOL_STRESS_ROUNDS``."""
    return range(base * SCALE)


class Threads:
    """A group of threads started together behind a Barrier, so they run into each other.

    ``Threads(targets)`` starts one thread per target; each waits on a barrier shared with the
    caller, which releases them all with :meth:`go`. :meth:`join` asserts every thread ended
    within the bound and re-raises the first exception a target raised.
    """

    def __init__(self, targets: Iterable[Callable[[], object]], *, name: str = "stress") -> None:
        self._targets = list(targets)
        self._barrier = threading.Barrier(len(self._targets) + 1)
        self._errors: list[BaseException] = []
        self._threads = [
            # Daemon threads: if the pool under test hangs them, the test fails and the
            # process can still exit.
            threading.Thread(target=self._run, args=(target,), name=f"{name}-{i}", daemon=True)
            for i, target in enumerate(self._targets)
        ]
        for thread in self._threads:
            thread.start()

    def _run(self, target: Callable[[], object]) -> None:
        try:
            self._barrier.wait(WAIT)
            target()
        except BaseException as exc:
            self._errors.append(exc)

    def go(self) -> None:
        """Release every thread at once."""
        self._barrier.wait(WAIT)

    def join(self) -> None:
        deadline = time.monotonic() + WAIT
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        hung = [t.name for t in self._threads if t.is_alive()]
        assert not hung, f"threads did not finish within {WAIT} s: {hung}"
        if self._errors:
            raise self._errors[0]

    def alive(self) -> int:
        return sum(t.is_alive() for t in self._threads)


class Ledger:
    """Records what each task was told, to check that every callback is called exactly once.

    ``ledger.callback(key)`` makes a ``run()`` callback; ``ledger.watch(key, future)`` adds a
    done-callback to a future. Both record ``(success, value)`` under ``key``.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: dict[object, list[tuple[bool, Any]]] = {}
        self.ran = Counter[str]()

    def record(self, key: object, success: bool, value: Any) -> None:
        with self._lock:
            self.calls.setdefault(key, []).append((success, value))

    def callback(self, key: object) -> Callable[[bool, Any], None]:
        def told(success: bool, value: Any) -> None:
            self.record(key, success, value)

        return told

    def watch(self, key: object, future: Future[Any]) -> None:
        def done(f: Future[Any]) -> None:
            if f.cancelled():
                self.record(key, False, CancelledError())
            elif f.exception() is not None:
                self.record(key, False, f.exception())
            else:
                self.record(key, True, f.result())

        future.add_done_callback(done)

    def count(self, what: str) -> None:
        """Count one execution of a task body, by kind (``"ok"``, ``"error"``, ...)."""
        with self._lock:
            self.ran[what] += 1

    def assert_each_once(self, accepted: Iterable[object], refused: Iterable[object] = ()) -> None:
        """Every accepted key was told exactly once; no refused key was told at all."""
        accepted = list(accepted)
        with self._lock:
            twice = {k: v for k, v in self.calls.items() if len(v) != 1}
            missing = [k for k in accepted if k not in self.calls]
            told_refused = [k for k in refused if k in self.calls]
        assert not twice, f"callbacks called more than once: {twice}"
        assert not missing, f"callbacks never called for accepted tasks: {missing[:10]}"
        assert not told_refused, f"callbacks called for refused tasks: {told_refused[:10]}"

    def outcomes(self) -> Counter[str]:
        """How the tasks ended, as told: ``"ok"``, ``"cancelled"`` or ``"failed"``."""
        result = Counter[str]()
        with self._lock:
            for told in self.calls.values():
                success, value = told[0]
                if success:
                    result["ok"] += 1
                elif isinstance(value, CancelledError):
                    result["cancelled"] += 1
                else:
                    result["failed"] += 1
        return result


def assert_terminated(pool: ThreadPool, *, submitted: int | None = None) -> PoolStats:
    """Join the pool (bounded) and check the accounting once it is TERMINATED:
    ``submitted == completed + failed + cancelled`` and nothing is left anywhere."""
    assert pool.join(WAIT), f"{pool!r} did not terminate within {WAIT} s: {pool.stats()}"
    stats = pool.stats()
    assert stats.state is PoolState.TERMINATED
    assert stats.submitted == stats.completed + stats.failed + stats.cancelled, stats
    assert (stats.workers, stats.idle, stats.pending, stats.running) == (0, 0, 0, 0), stats
    assert stats.blocked == 0, stats
    if submitted is not None:
        assert stats.submitted == submitted, stats
    return stats


def run_python(code: str, timeout: float = WAIT) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (``sys.executable``); a hang fails after ``timeout``
    seconds instead of stalling the suite."""
    try:
        return subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"the child process hung for {timeout} s; its output:\n{exc.stdout!r}\n{exc.stderr!r}"
        ) from None
