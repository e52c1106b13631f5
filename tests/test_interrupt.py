"""A KeyboardInterrupt while a worker starts leaves no thread, task or count behind."""

from __future__ import annotations

import inspect
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import TimeoutError as FuturesTimeoutError
from contextlib import nullcontext
from typing import Any

import pytest
from support import WAIT, wait_until

from threadpool import ThreadPool
from threadpool._core import ENDED
from threadpool._tasks import COMPLETED

_real_start = threading.Thread.start


@pytest.fixture
def interrupt_start(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """``interrupt_start(when)``: the next Thread.start() raises KeyboardInterrupt, "after"
    the thread began (as SIGINT landing in start()'s wait for the thread) or "before"."""
    armed: list[str] = []

    def start(thread: threading.Thread) -> None:
        when = armed.pop() if armed else None
        if when == "before":
            raise KeyboardInterrupt
        _real_start(thread)
        if when == "after":
            raise KeyboardInterrupt

    monkeypatch.setattr(threading.Thread, "start", start)
    yield armed.append


def _pool_threads(pool: ThreadPool) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"{pool.name}-")]


def _shutdown_within(pool: ThreadPool, timeout: float) -> bool:
    """shutdown(wait=True) in a thread of its own, so that a hang fails instead of stalling."""
    stopper = threading.Thread(target=pool.shutdown)
    stopper.start()
    stopper.join(timeout)
    return not stopper.is_alive()


@pytest.mark.parametrize("when", ["after", "before"])
@pytest.mark.parametrize(
    "call",
    [
        lambda pool: pool.submit(pow, 2, 2),
        lambda pool: pool.run(pow, (2, 2)),
        lambda pool: pool.map(abs, range(10)),
    ],
    ids=["submit", "run", "map"],
)
def test_an_interrupt_in_thread_start_leaves_nothing_behind(
    interrupt_start: Callable[[str], None], when: str, call: Callable[[ThreadPool], Any]
) -> None:
    pool = ThreadPool(2)
    pool.submit(pow, 2, 2).result(timeout=WAIT)  # one worker, now idle
    started = threading.Event()
    release = threading.Event()
    busy = pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)  # so the next task needs a new worker
    interrupt_start(when)
    with pytest.raises(KeyboardInterrupt):
        call(pool)
    stats = pool.stats()
    assert (stats.workers, stats.submitted) == (1, 2)  # nothing of the failed call counts
    release.set()
    assert busy.result(timeout=WAIT)[1] is True
    assert pool.submit(pow, 3, 2).result(timeout=WAIT) == 9  # the pool still works
    assert _shutdown_within(pool, WAIT)
    assert wait_until(lambda: not _pool_threads(pool)), _pool_threads(pool)
    stats = pool.stats()
    assert stats.submitted == stats.completed == 3
    assert stats.workers == 0


def test_an_interrupt_from_a_signal_handler_in_thread_start_leaves_nothing_behind() -> None:
    # SIGALRM every 20 microseconds; its handler raises KeyboardInterrupt once, when it runs
    # while Thread.start() blocks waiting for the new thread, as SIGINT does landing there.
    # Elsewhere threading itself is not safe from interrupts (one between a lock's acquire
    # and its ``with`` block leaves the lock held), and nothing a pool does can mend that.
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers run in the main thread")
    start_code = _real_start.__code__
    wait_code = threading.Condition.wait.__code__
    lines, first = inspect.getsourcelines(threading.Condition.wait)
    blocked_line = first + next(i for i, line in enumerate(lines) if "waiter.acquire()" in line)

    def handler(signum: int, frame: Any) -> None:
        if frame.f_code is not wait_code or frame.f_lineno != blocked_line:
            return
        while frame is not None:
            if frame.f_code is start_code:
                signal.setitimer(signal.ITIMER_REAL, 0)
                raise KeyboardInterrupt
            frame = frame.f_back

    previous = signal.signal(signal.SIGALRM, handler)
    interrupted = 0
    try:
        for _ in range(1000):  # until it has happened a few times
            if interrupted == 5:
                break
            pool = ThreadPool(4)
            signal.setitimer(signal.ITIMER_REAL, 20e-6, 20e-6)
            try:
                for i in range(8):
                    pool.submit(pow, i, 2)
            except KeyboardInterrupt:
                interrupted += 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            assert _shutdown_within(pool, WAIT)
            assert wait_until(lambda pool=pool: not _pool_threads(pool)), _pool_threads(pool)
            stats = pool.stats()
            assert stats.workers == 0
            assert stats.submitted == stats.completed
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert interrupted == 5  # the scenario happened


def test_the_process_exits_after_an_interrupt_in_thread_start() -> None:
    # The worker that started while start() was interrupted is non-daemon: if the pool lost
    # count of it, it would wait for a task for ever and keep the process from exiting.
    script = textwrap.dedent(
        """
        import threading
        from threadpool import ThreadPool

        real_start = threading.Thread.start

        def interrupted_start(thread):
            real_start(thread)
            raise KeyboardInterrupt

        pool = ThreadPool(2)
        threading.Thread.start = interrupted_start
        try:
            pool.submit(pow, 2, 2)
        except KeyboardInterrupt:
            pass
        threading.Thread.start = real_start
        print(pool.submit(pow, 2, 5).result())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=3 * WAIT
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "32", "")


class InterruptedOnce:
    """Wraps a lock: the calling thread's next ``acquire()`` takes the lock and then raises
    KeyboardInterrupt, as SIGINT does when it lands just as that call returns (Python runs
    signal handlers when a call returns, among other places; workers never run them). A
    ``with`` block takes the lock through ``__enter__``, after which no handler runs before
    the block is entered, so that path is left alone."""

    def __init__(self, lock: Any) -> None:
        self.lock = lock
        self.thread = threading.current_thread()
        self.fired = False

    def acquire(self, *args: Any) -> bool:
        taken: bool = self.lock.acquire(*args)
        if not self.fired and threading.current_thread() is self.thread:
            self.fired = True
            raise KeyboardInterrupt
        return taken

    def release(self) -> None:
        self.lock.release()

    def __enter__(self) -> bool:
        return self.lock.__enter__()  # type: ignore[no-any-return]

    def __exit__(self, *exc_info: object) -> None:
        self.lock.__exit__(*exc_info)

    def __getattr__(self, name: str) -> Any:  # what Condition uses: _release_save(), ...
        return getattr(self.lock, name)


@pytest.mark.parametrize("call", ["run", "submit", "map"])
def test_an_interrupt_just_after_a_call_takes_the_pool_lock_leaves_it_free(call: str) -> None:
    pool = ThreadPool(2)
    lock = pool._core._lock
    pool._core._lock = InterruptedOnce(lock)  # type: ignore[assignment]
    try:
        if call == "run":
            pool.run(pow, (2, 2))
        elif call == "submit":
            pool.submit(pow, 2, 2)
        else:
            pool.map(abs, [-1, -2])
        accepted = 2 if call == "map" else 1  # no interrupt: the lock was taken by ``with``
    except KeyboardInterrupt:
        accepted = 0
    finally:
        pool._core._lock = lock
    leaked = lock.locked()
    if leaked:  # let the pool go on, so that the test fails instead of hanging
        lock.release()
    assert not leaked
    assert pool.submit(pow, 2, 3).result(WAIT) == 8
    assert _shutdown_within(pool, WAIT)
    stats = pool.stats()
    assert stats.submitted == stats.completed == accepted + 1


@pytest.mark.parametrize("method", ["result", "exception", "cancel"])
def test_an_interrupt_just_after_a_future_takes_its_lock_leaves_it_free(method: str) -> None:
    pool = ThreadPool(1)
    started, release = threading.Event(), threading.Event()
    busy = pool.submit(lambda: (started.set(), release.wait(WAIT)))
    assert started.wait(WAIT)
    queued = pool.submit(pow, 2, 2)
    # cancel() on the running future changes nothing; result(0) and exception(0) on the
    # queued one time out, unless interrupted.
    future, args = (busy, ()) if method == "cancel" else (queued, (0,))
    condition = future._condition
    future._condition = InterruptedOnce(condition)  # type: ignore[assignment]
    try:
        with pytest.raises((KeyboardInterrupt, FuturesTimeoutError)) if args else nullcontext():
            getattr(future, method)(*args)
    except KeyboardInterrupt:
        pass
    finally:
        future._condition = condition
    leaked = condition._is_owned()  # type: ignore[attr-defined]
    if leaked:  # let the pool go on, so that the test fails instead of hanging
        condition.release()
    assert not leaked
    release.set()
    assert queued.result(WAIT) == 4  # the worker could take the locks to end both
    assert busy.result(WAIT)[1] is True
    assert _shutdown_within(pool, WAIT)


class InterruptsOnce:
    """Mixed into a pool's container: ``interrupt()`` raises KeyboardInterrupt the first time,
    as SIGINT landing just as the container's call returns would."""

    fired = False

    def interrupt(self) -> None:
        if not self.fired:
            self.fired = True
            raise KeyboardInterrupt


class InterruptedListing(InterruptsOnce, set[threading.Thread]):
    """A pool's ``_threads``: the first ``add()`` lists the thread, then is interrupted."""

    def add(self, thread: threading.Thread) -> None:
        super().add(thread)
        self.interrupt()


def test_an_interrupt_just_after_a_new_worker_is_listed_leaves_nothing_behind() -> None:
    pool = ThreadPool(2)
    pool._core._threads = InterruptedListing()
    with pytest.raises(KeyboardInterrupt):
        pool.submit(pow, 2, 2)
    stats = pool.stats()
    assert (stats.workers, stats.idle, stats.submitted) == (0, 0, 0)
    assert pool.submit(pow, 2, 3).result(WAIT) == 8
    assert _shutdown_within(pool, WAIT)
    assert pool.join(WAIT)
    assert wait_until(lambda: not _pool_threads(pool)), _pool_threads(pool)


class InterruptedTaking(InterruptsOnce, list[int]):
    """A pool's ``_taken``: its first ``extend()`` keeps the records' sum, then is interrupted."""

    def extend(self, sums: Iterable[int]) -> None:
        super().extend(sums)
        self.interrupt()


def test_an_interrupt_while_stats_applies_the_records_loses_none() -> None:
    pool = ThreadPool(2)
    core = pool._core
    done = threading.Barrier(3)
    for _ in range(2):
        pool.run(done.wait, (WAIT,))
    done.wait(WAIT)
    # Both finishes recorded, not yet applied (starts may have been, by the second run()).
    assert wait_until(lambda: sum(r >= ENDED[COMPLETED] for r in core._log.copy()) == 2)
    core._taken = InterruptedTaking()
    with pytest.raises(KeyboardInterrupt):
        pool.stats()
    assert not core._log  # taken off the log, and kept
    stats = pool.stats()
    assert (stats.completed, stats.running, stats.assigned, stats.idle) == (2, 0, 0, 2)
    assert _shutdown_within(pool, WAIT)
    stats = pool.stats()
    assert stats.submitted == stats.completed == 2
