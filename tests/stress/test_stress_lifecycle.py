"""The process around the pool: a pool dropped without shutdown, interpreter exit with work still
queued, and fork() while the workers are busy."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
import traceback
import warnings
import weakref
from collections.abc import Callable
from concurrent.futures import Future

import pytest
from stresskit import WAIT, Threads, assert_terminated, rounds, run_python

from threadpool import PoolClosedError, ThreadPool

MakePool = Callable[..., ThreadPool]


def workers_of(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"{name}-")]


def assert_all_exit(threads: list[threading.Thread]) -> None:
    deadline = time.monotonic() + WAIT
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    assert not [t.name for t in threads if t.is_alive()], "workers of a dropped pool live on"


def drop_round(name: str) -> None:
    pool = ThreadPool(3, name=name)
    futures = [pool.submit(pow, i, 2) for i in range(30)]
    threads = workers_of(name)
    assert 1 <= len(threads) <= 3
    collected = weakref.ref(pool)
    del pool
    gc.collect()
    assert collected() is None, "nothing but the caller should hold the pool"
    # Dropping it closed it: the queued tasks still run, then the workers leave.
    assert [f.result(timeout=WAIT) for f in futures] == [i * i for i in range(30)]
    assert_all_exit(threads)


def test_dropped_pool_lets_its_workers_exit() -> None:
    for i in rounds(20):
        drop_round(f"dropped{i}")


def dropped_by_own_task_round(name: str) -> None:
    """The last reference goes away on a worker, inside a task: the pool closes from there."""
    holder = [ThreadPool(2, name=name)]
    pool_ref = weakref.ref(holder[0])
    release = threading.Event()
    first: Future[bool] = holder[0].submit(release.wait, WAIT)
    later = [holder[0].submit(pow, i, 2) for i in range(10)]
    threads = workers_of(name)
    last = holder[0].submit(holder.clear)  # the pool's only reference, dropped by a worker
    release.set()
    assert last.result(timeout=WAIT) is None and first.result(timeout=WAIT)
    assert [f.result(timeout=WAIT) for f in later] == [i * i for i in range(10)]
    gc.collect()
    assert pool_ref() is None
    assert_all_exit(threads)


def test_pool_dropped_inside_its_own_task() -> None:
    for i in rounds(20):
        dropped_by_own_task_round(f"selfdrop{i}")


EXIT_SCRIPT = """
import atexit, threading, time
from threadpool import PoolClosedError, ThreadPool

done = []
refused = []
pool = ThreadPool({workers}, max_queue={max_queue}, name="exit", idle_timeout={idle})
gate = threading.Event()

def task(i):
    gate.wait(5)
    done.append(i)

def report():  # atexit functions run after the interpreter joined the non-daemon threads
    print(len(done), len(refused), pool.state.value, flush=True)

atexit.register(report)
for i in range({tasks}):
    pool.run(task, (i,))

def blocked_submitter():
    try:
        pool.run(task, (-1,))
    except PoolClosedError:
        refused.append(-1)

for _ in range({blocked}):
    threading.Thread(target=blocked_submitter).start()
if {blocked}:
    while pool.stats().blocked < {blocked}:
        time.sleep(0.001)
gate.set()  # the main thread ends at once, with work still queued...
while {settle} and pool.stats().completed < {tasks}:  # ...unless it waits for idle workers
    time.sleep(0.001)
"""


@pytest.mark.parametrize(
    ("workers", "max_queue", "idle", "tasks", "blocked", "settle"),
    [
        (2, 0, None, 200, 0, False),  # queued work on a busy pool
        (4, 0, None, 8, 0, True),  # only idle workers: nothing may keep the process alive
        (3, 0, 0.05, 50, 0, False),  # workers with an idle time-out
        (1, 5, None, 6, 2, False),  # callers blocked on a full queue at exit
    ],
    ids=["queued", "idle-workers", "idle-timeout", "blocked-submitters"],
)
def test_interpreter_exit_with_queued_work(
    workers: int, max_queue: int, idle: float | None, tasks: int, blocked: int, settle: bool
) -> None:
    """At exit the pool is closed before the interpreter waits for its threads: queued work
    completes, callers blocked on a full queue are refused, and the process ends promptly."""
    script = EXIT_SCRIPT.format(
        workers=workers, max_queue=max_queue, idle=idle, tasks=tasks, blocked=blocked, settle=settle
    )
    for _ in rounds(2):
        started = time.monotonic()
        result = run_python(script)
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [str(tasks), str(blocked), "terminated"], result.stderr
        assert elapsed < WAIT / 2, f"the process took {elapsed:.1f} s to exit"


# ---------------------------------------------------------------------------------------------
# fork()


def child_checks(parent_pool: ThreadPool) -> None:
    """In the child: the parent's pool refuses work clearly (or works), nothing on it hangs,
    and a new pool works."""
    try:
        future = parent_pool.submit(pow, 2, 10)
    except PoolClosedError as exc:
        assert "fork" in str(exc), f"unclear error: {exc}"
    else:
        assert future.result(timeout=WAIT) == 1024
    parent_pool.stats()
    parent_pool.close()
    parent_pool.terminate()
    assert parent_pool.join(WAIT)
    with ThreadPool(3, name="child") as pool:
        assert list(pool.map(pow, range(20), [2] * 20)) == [i * i for i in range(20)]
        assert pool.submit(pow, 3, 3).result(timeout=WAIT) == 27
    assert pool.join(WAIT)


def fork_and_check(parent_pool: ThreadPool) -> None:
    """Fork; in the child run :func:`child_checks` and leave with ``os._exit``; in the parent
    wait for the child against a deadline and kill it if it hangs."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns that forking a multi-threaded process may deadlock the child;
        # checking that it does not is the point of this test.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            os.close(read_end)
            child_checks(parent_pool)
            code = 0
        except BaseException:
            os.write(write_end, traceback.format_exc().encode())
        finally:
            os._exit(code)
    os.close(write_end)
    deadline = time.monotonic() + WAIT
    status = None
    while status is None:
        done, status_ = os.waitpid(pid, os.WNOHANG)
        if done:
            status = status_
        elif time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_end)
            pytest.fail(f"the forked child hung for {WAIT} s")
        else:
            time.sleep(0.005)  # polling a child process: there is no event to wait on
    with os.fdopen(read_end, "rb") as pipe:
        error = pipe.read().decode()
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, error or f"status {status}"


POOLS_AT_EXIT_SCRIPT = """
import sys, threading
from threadpool import ThreadPool
sys.setswitchinterval(1e-6)
made = threading.Barrier(5)

def make_pools():
    made.wait()
    while True:
        pool = ThreadPool(1)
        pools.append(pool)  # kept alive: only the exit hook closes it
        try:
            pool.run(int)
        except RuntimeError:  # PoolClosedError: made as the interpreter exits, closed at once
            return  # (or, on 3.12 and later, no new thread may start any more)

pools = []
for _ in range(4):
    threading.Thread(target=make_pools, daemon=True).start()
made.wait()
print("exiting", flush=True)
"""


def test_interpreter_exit_while_other_threads_make_pools() -> None:
    """The exit hook reads the registry of live pools while daemon threads keep adding to it:
    every pool is closed (else its non-daemon worker would keep the process alive)."""
    for _ in rounds(10):
        result = run_python(POOLS_AT_EXIT_SCRIPT)
        assert result.returncode == 0, result.stderr
        assert result.stdout == "exiting\n"
        assert "_close_all_at_exit" not in result.stderr, result.stderr  # the hook raised


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork()")
def test_fork_while_the_pool_is_busy(make_pool: MakePool) -> None:
    pool = make_pool(3, name="forked")
    stop = threading.Event()
    submitted: list[Future[int]] = []

    def keep_busy() -> None:  # so the pool's lock and queue are in use at each fork
        while not stop.is_set():
            submitted.append(pool.submit(pow, 2, 8))

    feeders = Threads([keep_busy, keep_busy])
    feeders.go()
    try:
        for _ in rounds(10):
            fork_and_check(pool)
    finally:
        stop.set()
        feeders.join()
    assert all(f.result(timeout=WAIT) == 256 for f in submitted)
    pool.close()
    assert_terminated(pool, submitted=len(submitted))
