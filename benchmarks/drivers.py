"""Uniform adapters around every pool implementation the suite compares.

A driver owns one pool.  It is created, warmed up, measured and shut down for every
single measurement, so no implementation ever inherits another one's threads.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import importlib
import multiprocessing.pool as mpp
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

Task = Callable[[], object]

WAIT = 600.0
"""Seconds a batch may wait for its tasks: a hung pool fails the run instead of stalling it."""


def load_threadpool() -> Any | None:
    """Import :mod:`threadpool`: installed copy first, then ``src/`` of this checkout."""
    try:
        return importlib.import_module("threadpool")
    except ImportError:
        pass
    src = Path(__file__).resolve().parent.parent / "src"
    if (src / "threadpool" / "__init__.py").exists():
        sys.path.insert(0, str(src))
        try:
            return importlib.import_module("threadpool")
        except ImportError as exc:  # the core is still being written
            print(f"benchmarks: cannot import threadpool from {src}: {exc!r}", file=sys.stderr)
    return None


TP: Any | None = load_threadpool()


class Driver:
    """One implementation of "run these tasks on a pool of *workers* threads"."""

    key: ClassVar[str]
    label: ClassVar[str]
    needs_threadpool: ClassVar[bool] = False
    pool: Any  # the implementation's pool object, where it has one

    def __init__(self, workers: int, **options: Any) -> None:
        self.workers = workers
        self.closed = False

    def batch(self, fn: Task, n: int) -> float:
        """Run *n* calls of *fn* and return once every one has finished, with the
        ``time.perf_counter()`` reading taken when the caller had submitted the last one."""
        raise NotImplementedError

    def fire(self, fn: Task) -> None:
        """Start one call of *fn* without waiting for it."""
        raise NotImplementedError

    def map(self, fn: Callable[[Any], object], items: Iterable[Any], chunksize: int) -> list[Any]:
        raise NotImplementedError

    def close(self) -> None:
        """Shut the pool down and wait for its threads (once)."""
        if not self.closed:
            self.closed = True
            self._close()

    def discard(self, release: threading.Event) -> None:
        """Throw queued (gated) work away quickly, open *release*, shut down (once)."""
        if not self.closed:
            self.closed = True
            self._discard(release)

    def _close(self) -> None:
        pass

    def _discard(self, release: threading.Event) -> None:
        release.set()
        self._close()


class Serial(Driver):
    key = "serial"
    label = "serial loop (floor)"

    def batch(self, fn: Task, n: int) -> float:
        for _ in range(n):
            fn()
        return time.perf_counter()

    def fire(self, fn: Task) -> None:
        fn()

    def map(self, fn: Callable[[Any], object], items: Iterable[Any], chunksize: int) -> list[Any]:
        return list(map(fn, items))


class Handoff(Driver):
    """The floor of a thread pool: threads blocked in ``SimpleQueue.get()``, a task handed
    over with one ``put()`` of ``(fn, callback)``, no bookkeeping, no shutdown protocol beyond
    one ``None`` per thread. What a pool costs above this row is its own."""

    key = "handoff"
    label = "bare SimpleQueue hand-off (floor)"

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.threads = [threading.Thread(target=self._work) for _ in range(workers)]
        for thread in self.threads:
            thread.start()

    def _work(self) -> None:
        get = self.queue.get
        while True:
            item = get()
            if item is None:
                return
            fn, callback = item
            result = fn()
            if callback is not None:
                callback(True, result)

    def batch(self, fn: Task, n: int) -> float:
        done = threading.Event()
        finished: collections.deque[None] = collections.deque()  # append() is atomic

        def callback(success: bool, value: object) -> None:
            finished.append(None)
            if len(finished) >= n:
                done.set()

        put = self.queue.put
        for _ in range(n):
            put((fn, callback))
        submitted = time.perf_counter()
        if not done.wait(timeout=WAIT):
            raise RuntimeError("handoff: tasks never all finished")
        return submitted

    def fire(self, fn: Task) -> None:
        self.queue.put((fn, None))

    def _close(self) -> None:
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()


class _ExecutorDriver(Driver):
    """Anything with ``submit() -> Future`` and ``map()``."""

    def batch(self, fn: Task, n: int) -> float:
        submit = self.pool.submit
        futures = [submit(fn) for _ in range(n)]
        submitted = time.perf_counter()
        for future in futures:
            future.result(timeout=WAIT)
        return submitted

    def fire(self, fn: Task) -> None:
        self.pool.submit(fn)

    def map(self, fn: Callable[[Any], object], items: Iterable[Any], chunksize: int) -> list[Any]:
        return list(self.pool.map(fn, items, chunksize=chunksize))

    def _close(self) -> None:
        self.pool.shutdown(wait=True)

    def _discard(self, release: threading.Event) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        release.set()
        self.pool.shutdown(wait=True)


class StdExecutor(_ExecutorDriver):
    key = "std"
    label = "concurrent.futures.ThreadPoolExecutor"

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.pool = cf.ThreadPoolExecutor(max_workers=workers)


class MPThreadPool(Driver):
    key = "mp"
    label = "multiprocessing.pool.ThreadPool"

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        self.pool = mpp.ThreadPool(processes=workers)

    def batch(self, fn: Task, n: int) -> float:
        apply_async = self.pool.apply_async
        results = [apply_async(fn) for _ in range(n)]
        submitted = time.perf_counter()
        for result in results:
            result.get(timeout=WAIT)
        return submitted

    def fire(self, fn: Task) -> None:
        self.pool.apply_async(fn)

    def map(self, fn: Callable[[Any], object], items: Iterable[Any], chunksize: int) -> list[Any]:
        results: list[Any] = self.pool.map(fn, items, chunksize=chunksize)
        return results

    def _close(self) -> None:
        self.pool.close()
        self.pool.join()

    def _discard(self, release: threading.Event) -> None:
        release.set()
        self.pool.terminate()
        self.pool.join()


class TPExecutor(_ExecutorDriver):
    key = "tp.executor"
    label = "threadpool.ThreadPoolExecutor"
    needs_threadpool = True

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        assert TP is not None
        self.pool = TP.ThreadPoolExecutor(max_workers=workers)


class TPSubmit(_ExecutorDriver):
    key = "tp.submit"
    label = "threadpool.ThreadPool.submit"
    needs_threadpool = True

    def __init__(self, workers: int, **options: Any) -> None:
        super().__init__(workers)
        assert TP is not None
        self.pool = TP.ThreadPool(max_workers=workers, **options)

    def _discard(self, release: threading.Event) -> None:
        release.set()
        self.pool.terminate()
        self.pool.join()


class TPRun(TPSubmit):
    """Fire-and-forget ``run()``; completion is observed through the callback."""

    key = "tp.run"
    label = "threadpool.ThreadPool.run + callback"

    def batch(self, fn: Task, n: int) -> float:
        done = threading.Event()
        failures: list[object] = []
        finished: collections.deque[None] = collections.deque()  # append() is atomic

        def callback(success: bool, value: object) -> None:
            if not success:
                failures.append(value)
            finished.append(None)
            if len(finished) >= n:  # the last to append sees n, and maybe one just before it
                done.set()

        run = self.pool.run
        for _ in range(n):
            run(fn, (), callback)
        submitted = time.perf_counter()
        if not done.wait(timeout=WAIT):
            raise RuntimeError("tp.run: callbacks never all arrived")
        if failures:
            raise RuntimeError(f"tp.run: {len(failures)} task(s) failed: {failures[0]!r}")
        return submitted

    def fire(self, fn: Task) -> None:
        self.pool.run(fn, (), _ignore)


class TPMap(TPSubmit):
    key = "tp.map"
    label = "threadpool.ThreadPool.map"


DRIVERS: dict[str, type[Driver]] = {
    cls.key: cls
    for cls in (TPRun, TPSubmit, TPMap, TPExecutor, StdExecutor, MPThreadPool, Serial, Handoff)
}


def available(keys: Iterable[str]) -> list[str]:
    """The subset of *keys* that can run here (``threadpool`` may not import yet)."""
    return [k for k in keys if TP is not None or not DRIVERS[k].needs_threadpool]


def _ignore(success: bool, value: object) -> None:
    return None


def noop() -> None:
    return None


def identity(x: object) -> object:
    return x


def warm_up(driver: Driver, n: int) -> None:
    """Start every worker (tasks that sleep briefly), then push *n* no-op tasks through."""
    if driver.key != "serial":
        driver.batch(lambda: time.sleep(0.002), driver.workers)
    driver.batch(noop, n)


def wait_for_threads(baseline: int, timeout: float = 2.0) -> int:
    """Wait until the thread count is back to *baseline*; return how many are left over."""
    deadline = time.monotonic() + timeout
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.005)
    return threading.active_count() - baseline
