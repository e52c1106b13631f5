"""Task groups: every task ends before the block does; the first failure, an exception in the
block, the deadline or an interrupt cancels the rest; groups nest; the pool's rules and
shutdown reach them. Tasks hold their workers on Events, so each scenario is deterministic."""

from __future__ import annotations

import asyncio
import concurrent.futures
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FuturesTimeoutError
from typing import Any

import pytest
from support import WAIT, wait_until

from threadpool import PoolClosedError, QueueFullError, TaskGroup, ThreadPool, ThreadPoolExecutor

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup, ExceptionGroup

POOL_CLASSES = [ThreadPool, ThreadPoolExecutor]

SHORT = 0.05
"""Bound for what must not happen (a block ending while a task of its group runs)."""


def fail(message: str) -> None:
    raise ValueError(message)


class Hold:
    """Tasks that occupy workers until released: ``hold.task`` signals ``started`` (a
    semaphore, one release per task) and waits for ``release``; returns whether it came."""

    def __init__(self) -> None:
        self.started = threading.Semaphore(0)
        self.release = threading.Event()

    def task(self) -> bool:
        self.started.release()
        return self.release.wait(WAIT)

    def until_cancelled(self, group: TaskGroup) -> bool:
        """A task that holds its worker until ``group`` is cancelled."""
        self.started.release()
        return group.wait_cancelled(WAIT)

    def wait_started(self, count: int = 1) -> None:
        for _ in range(count):
            assert self.started.acquire(timeout=WAIT), "a held task did not start"


def in_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``target`` in a thread; the list receives what it raised."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            target()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, name="group-body")
    thread.start()
    return thread, raised


@pytest.fixture(params=POOL_CLASSES)
def pool(request: pytest.FixtureRequest) -> Iterator[ThreadPool]:
    with request.param(2) as pool:
        yield pool


# ---------------------------------------------------------------- the block waits for its tasks


def test_the_block_ends_after_every_task(pool: ThreadPool) -> None:
    hold = Hold()
    futures: list[Future[bool]] = []

    def body() -> None:
        with pool.group() as g:
            futures.extend(g.submit(hold.task) for _ in range(3))

    thread, raised = in_thread(body)
    hold.wait_started(2)
    thread.join(SHORT)
    assert thread.is_alive(), "the block ended while its tasks were still running"
    hold.release.set()
    thread.join(WAIT)
    assert not thread.is_alive() and not raised
    assert all(f.done() for f in futures)
    assert [f.result(timeout=0) for f in futures] == [True] * 3


def test_results_map_and_run(pool: ThreadPool) -> None:
    told: list[tuple[bool, Any]] = []
    with pool.group() as g:
        square = g.submit(pow, 3, 2)
        keyword = g.submit(int, "ff", base=16)
        g.run(pow, (2, 5), callback=lambda success, value: told.append((success, value)))
        g.run(pow, [2, 3])  # any iterable of arguments, as the pool's run()
        assert list(g.map(pow, [1, 2, 3], [2, 2, 2])) == [1, 4, 9]
    assert (square.result(timeout=0), keyword.result(timeout=0)) == (9, 255)
    assert told == [(True, 32)]
    assert wait_until(lambda: pool.stats().completed == 7)  # a group's tasks are pool tasks


def test_the_block_ends_after_run_callbacks(pool: ThreadPool) -> None:
    entered, release = threading.Event(), threading.Event()
    told: list[object] = []

    def callback(success: bool, value: object) -> None:
        entered.set()
        release.wait(WAIT)
        told.append(value)

    def body() -> None:
        with pool.group() as g:
            g.run(abs, (-1,), callback)

    thread, raised = in_thread(body)
    assert entered.wait(WAIT)
    thread.join(SHORT)
    assert thread.is_alive(), "the block ended before its task's callback did"
    release.set()
    thread.join(WAIT)
    assert not thread.is_alive() and not raised
    assert told == [1]


def test_an_empty_group_ends_at_once(pool: ThreadPool) -> None:
    with pool.group() as g:
        assert not g.cancelled
    assert pool.stats().submitted == 0


def test_tasks_may_add_tasks_to_their_group(pool: ThreadPool) -> None:
    results: list[Future[int]] = []

    with pool.group() as g:

        def parent(depth: int) -> int:
            if depth:
                results.append(g.submit(parent, depth - 1))
            return depth

        g.submit(parent, 5)
    assert sorted(f.result(timeout=0) for f in results) == [0, 1, 2, 3, 4]


def test_works_on_the_standard_librarys_executor() -> None:
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        with pytest.raises(ExceptionGroup) as caught, TaskGroup(executor) as g:
            ok = g.submit(pow, 2, 3)
            g.submit(fail, "std")
        assert ok.result(timeout=0) == 8
        assert [str(e) for e in caught.value.exceptions] == ["std"]


# ---------------------------------------------------------------- misuse and bad input


def test_bad_arguments_fail_at_the_call(pool: ThreadPool) -> None:
    with pytest.raises(TypeError, match="executor must be"):
        TaskGroup(object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout must be >= 0"):
        pool.group(timeout=-1)
    with pytest.raises(TypeError, match="timeout must be"):
        pool.group(timeout="5")  # type: ignore[arg-type]
    with pool.group() as g:
        with pytest.raises(TypeError, match="fn must be callable"):
            g.submit(3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="func must be callable"):
            g.run(3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="callback must be callable"):
            g.run(abs, (1,), callback=3)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="args must be a tuple"):
            g.run(abs, "x")
        with pytest.raises(TypeError, match="fn must be callable"):
            g.map(3, [1])  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="timeout must be"):
            g.wait_cancelled("1")  # type: ignore[arg-type]
    assert pool.stats().submitted == 0


def test_a_group_takes_tasks_only_inside_its_block_and_is_entered_once(pool: ThreadPool) -> None:
    g = pool.group()
    with pytest.raises(RuntimeError, match="not entered"):
        g.submit(abs, 1)
    with g:
        pass
    with pytest.raises(RuntimeError, match="finished"):
        g.submit(abs, 1)
    with pytest.raises(RuntimeError, match="entered before"):
        g.__enter__()
    assert "finished" in repr(g)


# ---------------------------------------------------------------- fail-fast


def test_a_failure_cancels_queued_tasks_and_tells_running_ones(pool: ThreadPool) -> None:
    saw_cancel = threading.Event()

    def running() -> None:
        if g.wait_cancelled(WAIT):
            time.sleep(SHORT)  # still working when the failure is raised: the block must wait
            saw_cancel.set()

    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        g.submit(running)
        gate = threading.Event()
        g.submit(lambda: gate.wait(WAIT) and fail("first"))
        queued = [g.submit(abs, i) for i in range(100)]
        gate.set()
    assert saw_cancel.is_set(), "the block ended before its running task did"
    assert [str(e) for e in caught.value.exceptions] == ["first"]
    assert caught.value.message == "unhandled errors in a task group"
    assert all(f.cancelled() for f in queued)
    assert g.cancelled


def test_failures_of_running_siblings_are_all_raised(pool: ThreadPool) -> None:
    barrier = threading.Barrier(2)

    def both(name: str) -> None:
        barrier.wait(WAIT)
        fail(name)

    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        g.submit(both, "a")
        g.submit(both, "b")
    assert sorted(str(e) for e in caught.value.exceptions) == ["a", "b"]


def test_submit_after_a_failure_raises_cancelled_and_the_block_raises_the_failure(
    pool: ThreadPool,
) -> None:
    submitted_after = 0
    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        failing = g.submit(fail, "boom")
        assert g.wait_cancelled(WAIT)
        assert failing.done()
        with pytest.raises(CancelledError):
            g.submit(abs, 1)
        for _ in range(10):  # code that does not catch it leaves the block at once
            g.submit(abs, 1)
            submitted_after += 1
    assert submitted_after == 0
    assert [str(e) for e in caught.value.exceptions] == ["boom"]


def test_run_callback_of_a_task_cancelled_by_the_group_is_told_once(pool: ThreadPool) -> None:
    hold = Hold()
    told: list[tuple[bool, Any, str]] = []

    def callback(success: bool, value: Any) -> None:
        told.append((success, value, threading.current_thread().name))

    with pytest.raises(ExceptionGroup), pool.group() as g:
        g.submit(hold.until_cancelled, g)
        g.submit(hold.until_cancelled, g)
        hold.wait_started(2)
        g.run(abs, (1,), callback)  # queued behind the held workers
        fail("body")
    assert len(told) == 1
    success, value, thread = told[0]
    assert success is False and isinstance(value, CancelledError)
    assert thread == threading.current_thread().name  # told by the thread that cancelled


def test_a_failing_run_task_fails_the_group_and_tells_its_callback(pool: ThreadPool) -> None:
    told: list[tuple[bool, Any]] = []
    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        g.run(fail, ("run",), lambda success, value: told.append((success, value)))
    (error,) = caught.value.exceptions
    assert told == [(False, error)]


def test_a_task_cancelled_by_hand_is_no_failure(pool: ThreadPool) -> None:
    hold = Hold()
    with pool.group() as g:
        g.submit(hold.task)
        g.submit(hold.task)
        hold.wait_started(2)
        queued = g.submit(abs, 1)
        assert queued.cancel()
        hold.release.set()
    assert queued.cancelled() and not g.cancelled


def test_a_task_raising_cancelled_error_obeys_the_group_once_it_is_cancelled(
    pool: ThreadPool,
) -> None:
    def obedient() -> None:
        if g.wait_cancelled(WAIT):
            raise CancelledError

    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        g.submit(obedient)
        g.submit(fail, "cause")
    assert [str(e) for e in caught.value.exceptions] == ["cause"]

    def cancelled_unasked() -> None:
        raise CancelledError("unasked")

    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        g.submit(cancelled_unasked)
    assert [str(e) for e in caught.value.exceptions] == ["unasked"]


# ---------------------------------------------------------------- the block raises


def test_an_exception_in_the_block_cancels_the_group(pool: ThreadPool) -> None:
    hold = Hold()
    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        g.submit(hold.until_cancelled, g)
        g.submit(hold.until_cancelled, g)
        hold.wait_started(2)
        queued = g.submit(abs, 1)
        raise KeyError("body")
    assert [repr(e) for e in caught.value.exceptions] == ["KeyError('body')"]
    assert queued.cancelled() and g.cancelled


def test_a_failure_re_raised_in_the_block_is_raised_once(pool: ThreadPool) -> None:
    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        g.submit(fail, "once").result(timeout=WAIT)
    assert [str(e) for e in caught.value.exceptions] == ["once"]


def test_a_base_exception_from_a_task_makes_a_base_exception_group(pool: ThreadPool) -> None:
    class Stop(BaseException):
        pass

    def stop() -> None:
        raise Stop

    with pytest.raises(BaseExceptionGroup) as caught, pool.group() as g:
        g.submit(stop)
    assert not isinstance(caught.value, ExceptionGroup)
    assert [type(e) for e in caught.value.exceptions] == [Stop]


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_in_the_block_propagates_itself_after_cancel_and_wait(
    pool: ThreadPool, interrupt: type[BaseException]
) -> None:
    started, finished = threading.Event(), threading.Event()

    def running() -> None:
        started.set()
        if g.wait_cancelled(WAIT):
            time.sleep(SHORT)
            finished.set()

    def fails_once_cancelled() -> None:
        # Fails only after the interrupt has cancelled the group: failing sooner would cancel
        # the group first, and the block's next submit() would raise CancelledError instead.
        if g.wait_cancelled(WAIT):
            fail("lost to the interrupt")

    with pytest.raises(interrupt), pool.group() as g:
        g.submit(running)
        g.submit(fails_once_cancelled)
        queued = [g.submit(abs, i) for i in range(10)]
        assert started.wait(WAIT)  # running, not queued: so the interrupt must wait for it
        raise interrupt
    assert finished.is_set(), "the interrupt left before the running task ended"
    assert all(f.done() for f in queued)


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, SystemExit])
def test_an_interrupt_raised_by_a_task_propagates_itself(
    pool: ThreadPool, interrupt: type[BaseException]
) -> None:
    def task() -> None:
        raise interrupt

    with pytest.raises(interrupt), pool.group() as g:
        g.submit(task)
        g.submit(fail, "other")


class CtrlC:
    """Presses Ctrl-C for the main thread from a helper thread: SIGINT, whose handler (installed
    by the ``ctrl_c`` fixture) counts the presses and raises KeyboardInterrupt there."""

    def __init__(self) -> None:
        self.handled = 0

    def handler(self, signum: int, frame: object) -> None:
        self.handled += 1
        raise KeyboardInterrupt

    def press(self) -> None:
        """One press, handled. A signal that arrives just before the main thread blocks in a
        lock is handled only when something wakes it: then press again (signals not yet
        handled merge into one)."""
        before = self.handled
        while self.handled == before:
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)
            wait_until(lambda: self.handled != before, SHORT)


@pytest.fixture
def ctrl_c() -> Iterator[CtrlC]:
    presser = CtrlC()
    previous = signal.signal(signal.SIGINT, presser.handler)
    try:
        yield presser
    finally:
        signal.signal(signal.SIGINT, previous)


def main_thread_waits_in_group_exit() -> bool:
    """Whether the main thread sleeps in a group's exit. The interrupt is aimed there, and not
    at the pool's own code: a KeyboardInterrupt inside ``submit()`` is the pool's business."""
    frame = sys._current_frames().get(threading.main_thread().ident or 0)
    if frame is None or frame.f_code.co_name != "wait":  # threading.Condition.wait
        return False
    while frame is not None:
        if frame.f_code.co_name == "_wait" and frame.f_code.co_filename.endswith("_group.py"):
            return True
        frame = frame.f_back
    return False


needs_signals = pytest.mark.skipif(
    not hasattr(signal, "pthread_kill")
    or threading.current_thread() is not threading.main_thread(),
    reason="delivers SIGINT to the main thread",
)


@needs_signals
def test_ctrl_c_while_the_group_waits_cancels_and_waits_for_running_tasks(
    pool: ThreadPool, ctrl_c: CtrlC
) -> None:
    hold = Hold()
    finished = threading.Event()

    def running() -> None:
        if hold.until_cancelled(g):
            time.sleep(SHORT)  # still working when the interrupt is raised: it must wait
            finished.set()

    def press_ctrl_c() -> None:
        hold.wait_started()
        assert wait_until(main_thread_waits_in_group_exit)
        ctrl_c.press()

    helper, helper_raised = in_thread(press_ctrl_c)
    with pytest.raises(KeyboardInterrupt), pool.group() as g:
        g.submit(running)
        queued = [g.submit(abs, i) for i in range(20)]
    helper.join(WAIT)
    assert not helper_raised
    assert finished.is_set(), "the interrupt left before the running task ended"
    assert g.cancelled and all(f.done() for f in queued)


@needs_signals
def test_a_second_ctrl_c_leaves_the_wait_at_once(pool: ThreadPool, ctrl_c: CtrlC) -> None:
    hold = Hold()

    def press_ctrl_c_twice() -> None:
        hold.wait_started()
        assert wait_until(main_thread_waits_in_group_exit)
        ctrl_c.press()
        assert wait_until(lambda: g.cancelled and main_thread_waits_in_group_exit())
        ctrl_c.press()

    helper, helper_raised = in_thread(press_ctrl_c_twice)
    with pytest.raises(KeyboardInterrupt), pool.group() as g:
        task = g.submit(hold.task)  # ignores the cancellation
    helper.join(WAIT)
    assert not helper_raised
    assert not task.done(), "the second interrupt should not wait for the task"
    hold.release.set()
    assert task.result(timeout=WAIT) is True
    assert wait_until(lambda: "finished" in repr(g))


# ---------------------------------------------------------------- the deadline


def test_the_deadline_fires_while_the_block_runs(pool: ThreadPool) -> None:
    hold = Hold()
    expected = pytest.raises(FuturesTimeoutError, match=r"deadline of 0\.3 s passed")
    with expected as caught, pool.group(timeout=0.3) as g:
        running = [g.submit(hold.until_cancelled, g) for _ in range(2)]
        queued = g.submit(abs, 1)
        hold.wait_started(2)
        assert g.wait_cancelled(WAIT)  # the block is busy when the deadline passes
        with pytest.raises(CancelledError):
            g.submit(abs, 2)
    assert caught.value.__cause__ is None
    assert [f.result(timeout=0) for f in running] == [True, True]
    assert queued.cancelled()


def test_the_deadline_fires_while_the_exit_waits(pool: ThreadPool) -> None:
    hold = Hold()
    began = time.monotonic()
    with pytest.raises(FuturesTimeoutError), pool.group(timeout=0.3) as g:
        running = [g.submit(hold.until_cancelled, g) for _ in range(2)]
        queued = [g.submit(g.wait_cancelled, WAIT) for _ in range(50)]
        hold.wait_started(2)
    assert time.monotonic() - began < WAIT / 2, "waited past the running tasks"
    assert [f.result(timeout=0) for f in running] == [True, True]
    assert all(f.cancelled() for f in queued)


def test_the_deadline_fires_while_the_block_waits_for_room(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1, 1, on_full="block")
    with pytest.raises(FuturesTimeoutError), pool.group(timeout=0.1) as g:
        g.submit(g.wait_cancelled, WAIT)
        g.submit(abs, 1)  # fills the queue
        g.submit(abs, 2)  # blocks until the deadline frees the worker and the queue
        assert g.cancelled


def test_failures_after_the_deadline_are_its_cause(pool: ThreadPool) -> None:
    def fail_when_cancelled() -> None:
        if g.wait_cancelled(WAIT):
            fail("late")

    with pytest.raises(FuturesTimeoutError) as caught, pool.group(timeout=0.05) as g:
        g.submit(fail_when_cancelled)
    cause = caught.value.__cause__
    assert isinstance(cause, ExceptionGroup)
    assert [str(e) for e in cause.exceptions] == ["late"]


def test_a_failure_before_the_deadline_wins(pool: ThreadPool) -> None:
    with pytest.raises(ExceptionGroup), pool.group(timeout=WAIT) as g:
        g.submit(fail, "first")


def test_a_zero_deadline_cancels_at_once(pool: ThreadPool) -> None:
    with pytest.raises(FuturesTimeoutError), pool.group(timeout=0) as g:
        assert g.cancelled
        g.submit(abs, 1)
    assert pool.stats().submitted == 0


def test_a_group_within_its_deadline_raises_nothing(pool: ThreadPool) -> None:
    with pool.group(timeout=WAIT) as g:
        f = g.submit(abs, -1)
    assert f.result(timeout=0) == 1 and not g.cancelled
    assert not [t for t in threading.enumerate() if t.name == "threadpool-group-deadline"]


def test_map_with_a_timeout(pool: ThreadPool) -> None:
    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        list(g.map(g.wait_cancelled, [WAIT], timeout=0.05))
    assert [type(e) for e in caught.value.exceptions] == [FuturesTimeoutError]


def test_closing_the_map_iterator_cancels_what_has_not_started(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1)
    gate, second_started = threading.Event(), threading.Event()

    def first_or_wait(x: int) -> int:
        if x == 0:
            return x
        second_started.set()
        return int(gate.wait(WAIT))

    with pool.group() as g:
        results = g.map(first_or_wait, range(4))
        assert next(results) == 0
        assert second_started.wait(WAIT)
        results.close()  # 1 runs, 2 and 3 wait behind it
        gate.set()
    assert not g.cancelled  # cancelling by hand is no failure
    assert wait_until(lambda: pool.stats().cancelled == 2)


# ---------------------------------------------------------------- nesting


def test_a_failing_inner_group_fails_the_outer(pool: ThreadPool) -> None:
    with pytest.raises(ExceptionGroup) as caught, pool.group() as outer:
        sibling = outer.submit(outer.wait_cancelled, WAIT)
        with pool.group() as inner:
            inner.submit(fail, "inner")
    (nested,) = caught.value.exceptions
    assert isinstance(nested, ExceptionGroup)
    assert [str(e) for e in nested.exceptions] == ["inner"]
    assert sibling.result(timeout=0) is True


def test_cancelling_the_outer_group_cancels_the_inner_one(pool: ThreadPool) -> None:
    gate = threading.Event()
    with pytest.raises(ExceptionGroup) as caught, pool.group() as outer:
        outer.submit(lambda: gate.wait(WAIT) and fail("outer"))
        with pytest.raises(CancelledError, match="enclosing group"), pool.group() as inner:
            inner_running = inner.submit(inner.wait_cancelled, WAIT)
            gate.set()
        assert inner.cancelled and inner_running.result(timeout=0) is True
    assert [str(e) for e in caught.value.exceptions] == ["outer"]


def test_a_group_in_a_task_is_the_child_of_the_tasks_group(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(4)
    inner_cancelled = threading.Event()

    def task() -> None:
        with pool.group() as inner:
            if inner.submit(inner.wait_cancelled, WAIT).result(timeout=WAIT):
                inner_cancelled.set()

    with pytest.raises(ExceptionGroup) as caught, pool.group(timeout=WAIT) as outer:
        outer.submit(task)
        assert wait_until(lambda: pool.stats().running == 2)
        outer.submit(fail, "outer")
    assert inner_cancelled.is_set()
    assert [str(e) for e in caught.value.exceptions] == ["outer"]


def test_a_group_in_a_cancelled_block_starts_cancelled(pool: ThreadPool) -> None:
    with pytest.raises(ExceptionGroup), pool.group() as outer:
        outer.submit(fail, "outer")
        assert wait_until(lambda: outer.cancelled)
        with pytest.raises(CancelledError), pool.group() as inner:
            assert inner.cancelled


# ---------------------------------------------------------------- the pool's rules and shutdown


def test_submit_on_a_full_queue_rejects(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, 1, on_full="reject")
    hold = Hold()
    with pool.group() as g:
        g.submit(hold.task)
        hold.wait_started()
        queued = g.submit(abs, -1)
        with pytest.raises(QueueFullError):
            g.submit(abs, -2)
        hold.release.set()
    assert queued.result(timeout=0) == 1
    assert pool.stats().rejected == 1


def test_submit_on_a_full_queue_runs_in_the_caller(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, 1, on_full="caller_runs")
    hold = Hold()
    with pool.group() as g:
        g.submit(hold.task)
        hold.wait_started()
        g.submit(abs, -1)
        here = g.submit(lambda: threading.current_thread().name)
        hold.release.set()
    assert here.result(timeout=0) == threading.current_thread().name


def test_closing_the_pool_under_a_group(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    hold = Hold()
    with pytest.raises(ExceptionGroup) as caught, pool.group() as g:
        running = g.submit(hold.task)
        hold.wait_started()
        pool.close()
        hold.release.set()
        g.submit(abs, 1)
    assert [type(e) for e in caught.value.exceptions] == [PoolClosedError]
    assert running.result(timeout=0) is True


def test_terminating_the_pool_under_a_waiting_group(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    hold = Hold()

    def body() -> None:
        with pool.group() as g:
            g.submit(hold.task)
            hold.wait_started()
            [g.submit(abs, i) for i in range(5)]

    thread, raised = in_thread(body)
    assert wait_until(lambda: pool.stats().pending == 5)
    pool.terminate()
    hold.release.set()
    thread.join(WAIT)
    assert not thread.is_alive(), "the group hung on its terminated pool"
    (error,) = raised
    assert isinstance(error, ExceptionGroup)
    assert [type(e) for e in error.exceptions] == [PoolClosedError]
    assert "terminated" in str(error.exceptions[0])


# ---------------------------------------------------------------- asyncio


def test_async_with_waits_without_blocking_the_loop(pool: ThreadPool) -> None:
    async def main() -> list[int]:
        release = threading.Event()
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while not release.is_set():
                ticks += 1
                await asyncio.sleep(0.001)

        ticker = asyncio.ensure_future(tick())
        async with pool.group() as g:
            f = g.submit(release.wait, WAIT)
            loop = asyncio.get_running_loop()
            loop.call_later(0.05, release.set)
        await ticker
        assert f.result(timeout=0) is True
        return [ticks]

    (ticks,) = asyncio.run(main())
    assert ticks > 1, "the loop was blocked while the group waited"


def test_async_with_raises_the_failures(pool: ThreadPool) -> None:
    async def main() -> None:
        async with pool.group() as g:
            g.submit(fail, "async")
            await asyncio.wrap_future(g.submit(g.wait_cancelled, WAIT))

    with pytest.raises(ExceptionGroup) as caught:
        asyncio.run(main())
    assert [str(e) for e in caught.value.exceptions] == ["async"]


def test_cancelling_the_awaiting_task_cancels_the_group(pool: ThreadPool) -> None:
    async def main() -> None:
        entered = asyncio.Event()
        group: list[TaskGroup] = []

        async def body() -> None:
            async with pool.group() as g:
                group.append(g)
                g.submit(g.wait_cancelled, WAIT)
                entered.set()

        task = asyncio.ensure_future(body())
        await entered.wait()  # the body went on into the exit's wait
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert group[0].cancelled

    asyncio.run(main())
