"""User code that turns back on the pool: tasks and callbacks that join, shut down, submit more
work, raise, or raise what is not an Exception. None of it may lose a task, tell a waiter
twice, kill a worker, or hang.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import Any

import pytest
from stresskit import (
    WAIT,
    Ledger,
    Threads,
    assert_terminated,
    rounds,
    run_python,
)

from threadpool import PoolClosedError, PoolState, ThreadPool

MakePool = Callable[..., ThreadPool]


class Feeder:
    """Submits ``count`` futures from its own thread, until the pool refuses."""

    def __init__(self, pool: ThreadPool, count: int) -> None:
        self.pool, self.count = pool, count
        self.futures: list[Future[int]] = []
        self.refused = 0

    def __call__(self) -> None:
        for i in range(self.count):
            try:
                self.futures.append(self.pool.submit(int, i))
            except PoolClosedError:
                self.refused += 1
                return


@pytest.mark.parametrize("call", ["join", "shutdown", "shutdown-cancel"])
def test_join_and_shutdown_from_inside_a_task(make_pool: MakePool, call: str) -> None:
    """From a worker, join() raises RuntimeError (it would wait for itself) and shutdown()
    does not wait; either way the pool ends, and the tasks racing in are accounted for."""
    for _ in rounds(20):
        inside_round(make_pool(random.randint(1, 3), name="inside"), call)


def inside_round(pool: ThreadPool, call: str) -> None:

    def inside() -> object:
        if call == "join":
            with pytest.raises(RuntimeError, match="worker"):
                pool.join(0)
            with pytest.raises(RuntimeError, match="worker"):
                pool.join()
            return "raised"
        pool.shutdown(wait=True, cancel_futures=call == "shutdown-cancel")
        return pool.state  # the caller is a live worker: not TERMINATED yet

    feeder = Feeder(pool, 20)
    group = Threads([feeder, lambda: None])
    group.go()
    inner = pool.submit(inside)
    group.join()
    if call == "join":
        assert inner.result(timeout=WAIT) == "raised"
        pool.close()
    else:
        expected = PoolState.CLOSING if call == "shutdown" else PoolState.TERMINATING
        assert inner.result(timeout=WAIT) is expected
    stats = assert_terminated(pool, submitted=1 + len(feeder.futures))
    assert all(f.done() for f in feeder.futures)
    outcomes = [f.cancelled() for f in feeder.futures]
    if call != "shutdown-cancel":
        assert not any(outcomes)
    assert stats.cancelled == sum(outcomes)
    assert stats.rejected == feeder.refused


def test_join_from_a_callback_on_a_worker_raises(make_pool: MakePool) -> None:
    pool = make_pool(2, name="cb-join")
    seen: list[BaseException] = []
    done = threading.Event()

    def callback(success: bool, value: Any) -> None:
        try:
            pool.join(WAIT)
        except RuntimeError as exc:
            seen.append(exc)
        done.set()

    pool.run(int, (), callback)
    assert done.wait(WAIT)
    assert len(seen) == 1 and "worker" in str(seen[0])
    pool.close()
    assert_terminated(pool, submitted=1)


ACTIONS = ("raise", "raise-base", "submit", "close", "terminate")


class CallbackScenario:
    """Tasks whose callbacks (``run``'s callback, or a future's done-callback) do ``action``
    after the ledger has recorded what they were told."""

    def __init__(self, pool: ThreadPool, via: str, action: str) -> None:
        self.pool, self.via, self.action = pool, via, action
        self.ledger = Ledger()
        self.accepted: list[tuple[str, int]] = []
        self.refused: list[tuple[str, int]] = []

    def task(self, key: tuple[str, int]) -> tuple[str, int]:
        self.ledger.count("ok")
        return key

    def after(self, key: tuple[str, int]) -> None:
        kind, i = key
        if self.action == "raise":
            raise ValueError(f"callback of {key} raises")
        if self.action == "raise-base":
            raise SystemExit(key) if i % 2 else KeyboardInterrupt(key)
        if self.action == "submit" and kind == "task":
            self.submit(("follow-up", i))
        if self.action in ("close", "terminate") and i == 10:
            getattr(self.pool, self.action)()

    def submit(self, key: tuple[str, int]) -> None:
        try:
            if self.via == "run":

                def callback(success: bool, value: Any) -> None:
                    self.ledger.record(key, success, value)
                    self.after(key)

                self.pool.run(self.task, (key,), callback)
            else:
                future = self.pool.submit(self.task, key)
                self.ledger.watch(key, future)  # first, so a raising callback cannot skip it
                # On a future already done, the callback runs right here, in this thread,
                # and only an Exception is caught and logged for us.
                with contextlib.suppress(SystemExit, KeyboardInterrupt):
                    future.add_done_callback(lambda _: self.after(key))
        except PoolClosedError:
            self.refused.append(key)
        else:
            self.accepted.append(key)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("via", ["run", "submit"])
def test_callbacks_that_raise_submit_or_stop_the_pool(
    make_pool: MakePool, via: str, action: str
) -> None:
    for _ in rounds(12):
        callbacks_round(make_pool(random.randint(1, 3), name="callbacks"), via, action)


def callbacks_round(pool: ThreadPool, via: str, action: str) -> None:
    scenario = CallbackScenario(pool, via, action)

    def submit_all() -> None:
        for i in range(30):
            scenario.submit(("task", i))

    def close_soon() -> None:
        time.sleep(random.uniform(0, 0.001))  # jitter: land among the follow-ups
        pool.close()

    group = Threads([submit_all, close_soon])
    group.go()
    group.join()
    stats = assert_terminated(pool)  # first: follow-ups are submitted until the workers end
    assert stats.submitted == len(scenario.accepted)
    scenario.ledger.assert_each_once(scenario.accepted, scenario.refused)
    told = scenario.ledger.outcomes()
    assert told["failed"] == 0
    assert told["cancelled"] == stats.cancelled
    assert told["ok"] == scenario.ledger.ran["ok"]
    assert told["ok"] + told["cancelled"] == stats.submitted
    assert (stats.completed, stats.failed) == (told["ok"], 0), stats
    if action != "terminate":
        assert stats.cancelled == 0


class Boom(Exception):
    pass


KINDS: dict[str, type[BaseException] | None] = {
    "ok": None,
    "exception": Boom,
    "system-exit": SystemExit,
    "keyboard-interrupt": KeyboardInterrupt,
}


@pytest.mark.parametrize("how", ["close", "terminate"])
def test_tasks_raising_exception_and_base_exception(make_pool: MakePool, how: str) -> None:
    """A task may raise anything; its waiter gets exactly that, the worker lives on, and the
    failed count says how many raised."""
    for _ in rounds(15):
        raising_round(make_pool(random.randint(1, 3), name="raising"), how)


def raising_round(pool: ThreadPool, how: str) -> None:
    ledger = Ledger()
    futures: list[tuple[str, Future[Any]]] = []
    called: list[tuple[int, str]] = []
    refused: list[int] = []

    def task(kind: str) -> str:
        ledger.count(kind)
        error = KINDS[kind]
        if error is not None:
            raise error(kind)
        return kind

    def submit_all() -> None:
        for i in range(40):
            kind = random.choice(list(KINDS))
            try:
                if i % 3 == 0:
                    futures.append((kind, pool.submit(task, kind)))
                elif i % 3 == 1:
                    pool.run(task, (kind,), ledger.callback(i))
                    called.append((i, kind))
                else:
                    pool.run(task, (kind,))  # a failure is logged
            except PoolClosedError:
                refused.append(i)
                return

    def stop_soon() -> None:
        time.sleep(random.uniform(0, 0.002))
        getattr(pool, how)()

    group = Threads([submit_all, stop_soon])
    group.go()
    group.join()
    stats = assert_terminated(pool)
    raised = sum(n for kind, n in ledger.ran.items() if kind != "ok")
    assert stats.failed == raised
    assert stats.completed == ledger.ran["ok"]
    for kind, future in futures:
        if future.cancelled():
            continue
        error = KINDS[kind]
        if error is None:
            assert future.result(timeout=0) == kind
        else:
            assert type(future.exception(timeout=0)) is error
    ledger.assert_each_once([i for i, _ in called])
    for i, kind in called:
        ((success, value),) = ledger.calls[i]
        if isinstance(value, CancelledError):
            assert how == "terminate"
        elif KINDS[kind] is None:
            assert (success, value) == (True, kind)
        else:
            assert not success and type(value) is KINDS[kind]
    if how == "close":
        assert stats.cancelled == 0


# ---------------------------------------------------------------------------------------------
# Re-entry from code that runs outside any worker. Each runs in a child process, because the
# failure these tests guard against is a hang of the calling thread.


def test_shutdown_in_a_done_callback_run_by_terminate_does_not_hang() -> None:
    """terminate() cancels queued futures in the calling thread, running their done-callbacks
    there. A callback that calls shutdown() (wait=True) must not wait for itself."""
    result = run_python(
        """
import threading
from threadpool import ThreadPool
pool = ThreadPool(1)
gate = threading.Event()
pool.submit(gate.wait, 5)
queued = pool.submit(int)
queued.add_done_callback(lambda f: pool.shutdown())
pool.terminate()
gate.set()
assert pool.join(5), pool.stats()
print("ok", queued.cancelled())
"""
    )
    assert (result.returncode, result.stdout) == (0, "ok True\n"), result.stderr


def test_shutdown_in_a_caller_runs_task_does_not_hang() -> None:
    """With ``on_full="caller_runs"`` a task runs in the submitting thread; if it calls
    shutdown() (wait=True) it must not wait for itself."""
    result = run_python(
        """
import threading
from threadpool import ThreadPool
pool = ThreadPool(1, max_queue=1, on_full="caller_runs")
gate, started = threading.Event(), threading.Event()
pool.submit(lambda: (started.set(), gate.wait(5)))
assert started.wait(5)
pool.submit(int)  # the queue is full now
threading.Timer(0.2, gate.set).start()
print(pool.submit(lambda: pool.shutdown() or "returned").result(5))
"""
    )
    assert (result.returncode, result.stdout) == (0, "returned\n"), result.stderr


def test_done_callback_raising_base_exception_during_terminate(make_pool: MakePool) -> None:
    """A done-callback that raises KeyboardInterrupt while terminate() cancels its future must
    not stop terminate() from ending the other queued tasks, nor strand the pool."""
    pool = make_pool(1, name="cancel-raise")
    gate = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        assert gate.wait(WAIT)

    pool.submit(hold)
    assert started.wait(WAIT)
    queued = [pool.submit(int, i) for i in range(3)]

    def interrupt(_: Future[int]) -> None:
        raise KeyboardInterrupt("from a done-callback")

    queued[0].add_done_callback(interrupt)
    with contextlib.suppress(KeyboardInterrupt):  # raising it or not is the pool's choice;
        pool.terminate()  # what follows is not
    gate.set()
    assert all(f.cancelled() for f in queued)
    stats = assert_terminated(pool, submitted=4)
    assert (stats.completed, stats.cancelled) == (1, 3)
