"""The thread pools users would pick instead of ``threadpool``, as benchmark drivers.

Each peer is imported in a guard: one that is not installed, or fails to import, is left
out of the run and listed in the report's ``peers_left_out``. Install them all with
``pip install -e '.[bench-peers]'`` (see docs/performance.md for fastthreadpool, which
compiles with Cython).

Two peers on the package index are never imported here: ``flexible-thread-pool`` and
``threadpool-executor-shrink-able`` both import ``nb_log``, which at import time replaces
``print`` and ``sys.stdout``/``sys.stderr``, adds handlers to loggers, writes an
``nb_log_config.py`` into the first directory on ``sys.path`` and log files under
``/pythonlogs``, and raises ``OSError`` when ``PYTHONPATH`` is unset. Undoing all of that
in the measuring process is not reliable, so they stay out.

Pools whose queue is bounded by default (ThreadPoolExecutorPlus: ``64 * max_workers``
on Python 3.7+, as its check for ``queue.SimpleQueue`` misspells the name) block the
submitting thread when full; the memory workload feeds those from a producer thread, as
it does ``threadpool``'s bounded case, instead of queueing every task up front.
"""

from __future__ import annotations

import collections
import importlib
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from .drivers import WAIT, Driver, Task, _ExecutorDriver

PEERS_LEFT_OUT: dict[str, str] = {}
"""Peer key -> why it is not measured in this run."""


def _import(key: str, module: str) -> Any:  # the module, or None
    try:
        return importlib.import_module(module)
    except Exception as exc:  # a peer may fail in any way at import: leave it out
        PEERS_LEFT_OUT[key] = f"import {module} failed: {exc!r}"[:200]
        return None


PEBBLE = _import("pebble", "pebble")
FUTURIST = _import("futurist", "futurist")
FASTTHREADPOOL = _import("fastthreadpool", "fastthreadpool")
TPEPLUS = _import("tpeplus", "ThreadPoolExecutorPlus")
CLASSIC = _import("classic", "classic.executor")
PEERS_LEFT_OUT["flexible"] = "never imported: nb_log patches print, sys.std* and logging"
PEERS_LEFT_OUT["shrinkable"] = "never imported: nb_log patches print, sys.std* and logging"


class _Countdown:
    """Sets ``done`` when *n* tasks have reported; for pools without futures."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.finished: collections.deque[None] = collections.deque()  # append() is atomic
        self.done = threading.Event()

    def tick(self, *_: object) -> None:
        self.finished.append(None)
        if len(self.finished) >= self.n:
            self.done.set()

    def wait(self, key: str) -> None:
        if not self.done.wait(timeout=WAIT):
            raise RuntimeError(f"{key}: tasks never all finished")


class Pebble(Driver):
    key = "pebble"
    label = "pebble.ThreadPool"

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.pool = PEBBLE.ThreadPool(max_workers=workers)

    def batch(self, fn: Task, n: int) -> float:
        schedule = self.pool.schedule
        futures = [schedule(fn) for _ in range(n)]
        submitted = time.perf_counter()
        for future in futures:
            future.result(timeout=WAIT)
        return submitted

    def fire(self, fn: Task) -> None:
        self.pool.schedule(fn)

    def map(self, fn: Callable[[Any], object], items: Iterable[Any], chunksize: int) -> list[Any]:
        return list(self.pool.map(fn, items, chunksize=chunksize).result())

    def _close(self) -> None:
        self.pool.close()
        self.pool.join()

    def _discard(self, release: threading.Event) -> None:
        release.set()
        self.pool.stop()
        self.pool.join()


class Futurist(_ExecutorDriver):
    key = "futurist"
    label = "futurist.ThreadPoolExecutor"

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.pool = FUTURIST.ThreadPoolExecutor(max_workers=workers)

    def map(self, fn: Callable[[Any], object], items: Iterable[Any], chunksize: int) -> list[Any]:
        return list(self.pool.map(fn, items))  # Executor.map: no chunksize

    def _discard(self, release: threading.Event) -> None:
        release.set()  # futurist's shutdown() has no cancel_futures
        self.pool.shutdown(wait=True)


class TPEPlus(_ExecutorDriver):
    key = "tpeplus"
    label = "ThreadPoolExecutorPlus"
    bounded = True  # queue.Queue(64 * max_workers): see the module docstring

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.pool = TPEPLUS.ThreadPoolExecutor(max_workers=workers)

    def _discard(self, release: threading.Event) -> None:
        release.set()  # no cancel_futures either
        self.pool.shutdown(wait=True)


class FastThreadPool(Driver):
    """fastthreadpool (Cython): no futures; completion is seen through ``submit_done``'s
    callback, which runs in the worker, as with ``threadpool``'s ``run()``."""

    key = "fastthreadpool"
    label = "fastthreadpool.Pool (submit_done)"

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.pool = FASTTHREADPOOL.Pool(max_children=workers)

    def batch(self, fn: Task, n: int) -> float:
        countdown = _Countdown(n)
        submit_done, tick = self.pool.submit_done, countdown.tick
        for _ in range(n):
            submit_done(fn, tick)
        submitted = time.perf_counter()
        countdown.wait(self.key)
        if self.pool.failed:
            raise RuntimeError(f"{self.key}: task(s) failed: {self.pool.failed[0]!r}")
        return submitted

    def fire(self, fn: Task) -> None:
        self.pool.submit_done(fn, False)  # False: keep no result

    def _close(self) -> None:
        self.pool.shutdown()

    def _discard(self, release: threading.Event) -> None:
        release.set()
        self.pool.shutdown(soon=True)


class Classic(Driver):
    """classic-thread-pool-executor: ``submit(fn)`` returns nothing and logs failures, so
    each task is wrapped to report its end (a Python frame per task no other pool pays)."""

    key = "classic"
    label = "classic.executor.Executor"

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.pool = CLASSIC.Executor(workers_num=workers)

    def batch(self, fn: Task, n: int) -> float:
        countdown = _Countdown(n)
        tick = countdown.tick

        def job() -> None:
            try:
                fn()
            finally:
                tick()

        submit = self.pool.submit
        for _ in range(n):
            submit(job)
        submitted = time.perf_counter()
        countdown.wait(self.key)
        return submitted

    def fire(self, fn: Task) -> None:
        self.pool.submit(fn)

    def _close(self) -> None:
        self.pool.stop(block=True)  # drops what is queued: every workload waits first

    def _discard(self, release: threading.Event) -> None:
        release.set()
        self.pool.stop(block=True)


ALL: dict[str, type[Driver]] = {
    cls.key: cls
    for cls, module in (
        (Pebble, PEBBLE),
        (Futurist, FUTURIST),
        (FastThreadPool, FASTTHREADPOOL),
        (TPEPlus, TPEPLUS),
        (Classic, CLASSIC),
    )
    if module is not None
}
"""The peers importable here, by key."""

MAPS: set[str] = {"pebble", "futurist", "tpeplus"}
"""Peers whose ``map`` returns results in order (fastthreadpool's does not)."""
