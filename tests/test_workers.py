"""Workers: spawned lazily up to max_workers, named, initialized, retired when idle, and gone
when the pool is dropped, the interpreter exits or the process forks."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import warnings
import weakref
from collections.abc import Callable

import pytest
from support import WAIT, wait_until

from threadpool import BrokenThreadPool, PoolState, ThreadPool


def pool_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(f"{name}-")]


def test_no_worker_before_the_first_task(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4, name="lazy")
    assert pool.stats().workers == 0
    assert pool_threads("lazy") == []


def test_an_idle_worker_is_reused_not_doubled(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)
    for i in range(20):
        assert pool.submit(pow, i, 2).result(timeout=WAIT) == i * i
    assert pool.stats().workers == 1


def test_a_busy_pool_starts_a_worker_per_task_up_to_the_limit(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(3, name="grow")
    release = threading.Event()
    all_started = threading.Barrier(4)
    for _ in range(3):
        pool.run(lambda: (all_started.wait(WAIT), release.wait(WAIT)))
    all_started.wait(WAIT)  # three tasks run at once: none waited for a worker
    for _ in range(5):
        pool.run(release.wait, (WAIT,))
    assert pool.stats().workers == 3
    assert len(pool_threads("grow")) == 3
    release.set()


def test_threads_are_named_after_the_pool(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2, name="named")
    release = threading.Event()
    started = threading.Barrier(3)
    for _ in range(2):
        pool.run(lambda: (started.wait(WAIT), release.wait(WAIT)))
    started.wait(WAIT)
    assert sorted(t.name for t in pool_threads("named")) == ["named-0", "named-1"]
    release.set()


def test_idle_workers_exit_after_idle_timeout(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2, idle_timeout=0.01, name="idle")
    assert pool.submit(pow, 2, 2).result(timeout=WAIT) == 4
    assert wait_until(lambda: pool.stats().workers == 0)
    assert wait_until(lambda: not pool_threads("idle"))
    # and the pool still works: a new worker starts for the next task
    assert pool.submit(pow, 3, 2).result(timeout=WAIT) == 9
    assert pool.state is PoolState.RUNNING


def test_tasks_arriving_as_workers_time_out_all_run(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2, idle_timeout=0.0)  # workers give up at once: every task races that
    for round_ in range(200):
        fs = [pool.submit(pow, round_, i) for i in range(3)]
        assert [f.result(timeout=WAIT) for f in fs] == [round_**i for i in range(3)]
    pool.close()
    assert pool.join(WAIT)
    assert pool.stats().completed == 600


@pytest.mark.parametrize("idle_timeout", [None, 0.01])
def test_a_worker_does_not_wait_for_the_pool_lock_between_tasks(
    make_pool: Callable[..., ThreadPool], idle_timeout: float | None
) -> None:
    # A worker must not queue behind the pool lock after a task (that set off a lock convoy):
    # it records what it did and goes on with the next task; the next holder of the lock
    # applies the records, so the counts and the idle time-out still come out right.
    pool = make_pool(1, idle_timeout=idle_timeout)
    pool.submit(pow, 2, 2).result(timeout=WAIT)  # a new worker takes the lock once, to begin
    release = threading.Event()
    second_ran = threading.Event()
    pool.run(release.wait, (WAIT,))
    pool.run(second_ran.set)
    with pool._core._lock:  # held, as by a submitter the scheduler interrupted
        release.set()
        assert second_ran.wait(WAIT), "the worker waited for the lock instead of working"
    assert wait_until(lambda: pool.stats().completed == 3)
    if idle_timeout is None:
        assert wait_until(lambda: pool.stats().idle == 1)
        stats = pool.stats()
        assert (stats.workers, stats.pending, stats.running) == (1, 0, 0)
    else:
        assert wait_until(lambda: pool.stats().workers == 0)


def test_initializer_runs_once_per_worker(make_pool: Callable[..., ThreadPool]) -> None:
    initialized: list[tuple[str, str]] = []

    def init(tag: str) -> None:
        initialized.append((tag, threading.current_thread().name))

    pool = make_pool(2, initializer=init, initargs=("init",))
    fs = [pool.submit(lambda: threading.current_thread().name) for _ in range(50)]
    ran_on = {f.result(timeout=WAIT) for f in fs}
    pool.close()
    assert pool.join(WAIT)
    names = [name for tag, name in initialized]
    assert {tag for tag, name in initialized} == {"init"}
    assert len(names) == len(set(names)) <= 2  # once per worker
    assert ran_on <= set(names)  # no task ran on a worker before its initializer


def test_failing_initializer_breaks_the_pool(
    make_pool: Callable[..., ThreadPool], caplog: pytest.LogCaptureFixture
) -> None:
    def bad_init() -> None:
        raise OSError("no database")

    told: list[tuple[bool, object]] = []
    pool = make_pool(1, initializer=bad_init, name="broken")
    future = pool.submit(pow, 2, 2)
    with pytest.raises(BrokenThreadPool) as info:
        future.result(timeout=WAIT)
    assert isinstance(info.value.__cause__, OSError)
    assert pool.join(WAIT)
    with pytest.raises(BrokenThreadPool, match="'broken'"):
        pool.run(print, (), lambda ok, v: told.append((ok, v)))
    assert told == []
    stats = pool.stats()
    assert (stats.submitted, stats.failed, stats.rejected) == (1, 1, 1)
    assert any("initializer" in r.getMessage() for r in caplog.records)


def test_a_dropped_pool_lets_its_workers_finish_and_exit() -> None:
    done = threading.Event()
    pool = ThreadPool(2, name="dropped")
    pool.run(done.wait, (WAIT,))
    pool.run(done.set)
    ref = weakref.ref(pool)
    del pool
    gc.collect()
    assert ref() is None
    assert done.wait(WAIT)
    assert wait_until(lambda: not pool_threads("dropped"))


def test_workers_drop_finished_tasks(make_pool: Callable[..., ThreadPool]) -> None:
    class Payload:
        pass

    pool = make_pool(1)
    payload = Payload()
    ref = weakref.ref(payload)
    future = pool.submit(lambda p: p, payload)
    assert future.result(timeout=WAIT) is payload
    pool.submit(pow, 2, 2).result(timeout=WAIT)  # the worker has moved on
    del payload, future
    gc.collect()
    assert ref() is None


# A worker runs run() tasks inline, so their function, arguments, callback and result are its
# own locals until it lets go of them.
@pytest.mark.parametrize("role", ["func", "args", "callback", "result"])
def test_workers_drop_finished_run_tasks(make_pool: Callable[..., ThreadPool], role: str) -> None:
    class Payload:
        def __call__(self, *args: object) -> None:
            if role == "callback":
                told.set()

    told = threading.Event()
    refs: list[weakref.ref[Payload]] = []

    def tell(success: bool, value: object) -> None:
        if isinstance(value, Payload):
            refs.append(weakref.ref(value))
        told.set()

    pool = make_pool(1)
    payload = Payload()
    if role == "func":
        pool.run(payload, (), tell)
    elif role == "args":
        pool.run(lambda p: None, (payload,), tell)
    elif role == "callback":
        pool.run(lambda: None, (), payload)
    else:
        pool.run(Payload, (), tell)  # the result is made on the worker
    refs.append(weakref.ref(payload))
    assert told.wait(WAIT)
    pool.submit(pow, 2, 2).result(timeout=WAIT)  # the worker has moved on
    del payload
    gc.collect()
    assert [ref() for ref in refs] == [None] * len(refs)


def run_script(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_interpreter_exit_completes_queued_work() -> None:
    result = run_script(
        """
        import sys, time
        from threadpool import ThreadPool
        pool = ThreadPool(2)
        for i in range(20):
            pool.run(time.sleep, (0.001,), lambda ok, v, i=i: sys.stdout.write(f"{i}\\n"))
        """
    )
    assert result.returncode == 0, result.stderr
    assert sorted(int(line) for line in result.stdout.split()) == list(range(20))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_while_busy_gives_the_child_a_clear_error_and_a_working_new_pool(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(2)
    release = threading.Event()
    for _ in range(4):
        pool.run(release.wait, (WAIT,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
        pid = os.fork()
    if pid == 0:  # the child: report through the exit code only
        code = 1
        try:
            try:
                pool.submit(pow, 2, 2)
            except RuntimeError as exc:
                if "fork" in str(exc) and pool.join(1):
                    with ThreadPool(2) as fresh:
                        code = 0 if fresh.submit(pow, 2, 3).result(timeout=5) == 8 else 2
        finally:
            os._exit(code)
    release.set()
    assert wait_for_child(pid, 30) == 0


def wait_for_child(pid: int, timeout: float) -> int:
    """The child's exit code; a child still running after ``timeout`` is killed and fails."""
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the child process hung")
        time.sleep(0.01)
