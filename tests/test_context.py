"""propagate_context: with it, a task runs in a copy of the submitter's ``contextvars`` context;
without it (the default) a task sees its worker thread's own context, exactly as with the
standard library's ``ThreadPoolExecutor``, which each default test runs beside ours."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Callable, Iterator
from queue import SimpleQueue
from typing import Any

import pytest
from support import WAIT

from threadpool import ThreadPool, ThreadPoolExecutor

var: contextvars.ContextVar[str] = contextvars.ContextVar("var", default="unset")

SubmitAndRead = Callable[[Any, Callable[[object], str]], str]
"""``(pool, fn) -> result``: hand ``fn`` to the pool one way, and wait for what it returned."""


def read(_: object = None) -> str:
    return var.get()


def write(_: object = None) -> str:
    """Set the variable to ``"task"`` in whatever context the task runs in; return what it
    was."""
    before = var.get()
    var.set("task")
    return before


def via_submit(pool: Any, fn: Callable[[object], str]) -> str:
    result: str = pool.submit(fn, "submit").result(WAIT)
    return result


def via_map(pool: Any, fn: Callable[[object], str]) -> str:
    results: list[str] = list(pool.map(fn, ["map"], timeout=WAIT))
    assert len(results) == 1
    return results[0]


def via_run(pool: Any, fn: Callable[[object], str]) -> str:
    """ThreadPool.run, or (for the standard library, which has no ``run``) ``submit``."""
    if not isinstance(pool, ThreadPool):
        return via_submit(pool, fn)
    outcome: SimpleQueue[tuple[bool, Any]] = SimpleQueue()
    pool.run(fn, ("run",), lambda ok, value: outcome.put((ok, value)))
    ok, value = outcome.get(timeout=WAIT)
    assert ok, value
    result: str = value
    return result


WAYS = [via_run, via_submit, via_map]


@pytest.fixture
def submitter_context() -> Iterator[None]:
    """Set the variable in the test's (submitting) context, and reset it afterwards."""
    token = var.set("submitter")
    yield
    var.reset(token)


def stdlib_pool() -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(1)


# ---------------------------------------------------------------- propagate_context=True


@pytest.mark.usefixtures("submitter_context")
@pytest.mark.parametrize("way", WAYS)
def test_task_sees_the_submitters_context(
    make_pool: Callable[..., ThreadPool], way: SubmitAndRead
) -> None:
    pool = make_pool(1, propagate_context=True)
    assert way(pool, read) == "submitter"


@pytest.mark.parametrize("way", WAYS)
def test_task_sees_the_context_at_submission_time(
    make_pool: Callable[..., ThreadPool], way: SubmitAndRead
) -> None:
    pool = make_pool(1, propagate_context=True)
    token = var.set("first")
    try:
        assert way(pool, read) == "first"
        var.set("second")
        assert way(pool, read) == "second"
    finally:
        var.reset(token)


@pytest.mark.usefixtures("submitter_context")
@pytest.mark.parametrize("way", WAYS)
def test_task_changes_do_not_leak(make_pool: Callable[..., ThreadPool], way: SubmitAndRead) -> None:
    """A task's ``var.set`` stays in its copy: the next task on the same (only) worker and the
    submitter still see the submitter's value."""
    pool = make_pool(1, propagate_context=True)
    assert way(pool, write) == "submitter"
    assert way(pool, read) == "submitter"
    assert var.get() == "submitter"
    assert pool.stats().workers == 1  # one worker ran both tasks


def test_each_task_gets_its_own_copy(make_pool: Callable[..., ThreadPool]) -> None:
    """Two tasks submitted from the same context, running at the same time, do not see each
    other's changes."""
    pool = make_pool(2, propagate_context=True)
    barrier = threading.Barrier(2, timeout=WAIT)

    def set_then_read(value: str) -> str:
        var.set(value)
        barrier.wait()  # both have set their value before either reads
        return var.get()

    futures = [pool.submit(set_then_read, v) for v in ("a", "b")]
    assert [f.result(WAIT) for f in futures] == ["a", "b"]
    assert var.get() == "unset"


@pytest.mark.usefixtures("submitter_context")
@pytest.mark.parametrize("chunksize", [1, 4])
def test_map_gives_each_item_its_own_copy(
    make_pool: Callable[..., ThreadPool], chunksize: int
) -> None:
    """Items of one chunk run one after another on the same worker: each still starts from
    the submitter's context, not from what the previous item set."""
    pool = make_pool(1, propagate_context=True)
    results = list(pool.map(write, range(8), timeout=WAIT, chunksize=chunksize))
    assert results == ["submitter"] * 8
    assert var.get() == "submitter"


def test_executor_class_propagates_too() -> None:
    token = var.set("submitter")
    try:
        with ThreadPoolExecutor(1, propagate_context=True) as pool:
            assert pool.submit(read).result(WAIT) == "submitter"
    finally:
        var.reset(token)


def test_run_async_carries_the_coroutines_context(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, propagate_context=True)

    async def main() -> str:
        var.set("coroutine")
        return await pool.run_async(read)

    assert asyncio.run(main()) == "coroutine"


def test_run_async_carries_the_context_when_waiting_for_room(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1, max_queue=1, on_full="block", propagate_context=True)
    started, release = threading.Event(), threading.Event()

    def blocker() -> None:
        started.set()
        release.wait(WAIT)

    pool.submit(blocker)
    assert started.wait(WAIT)
    pool.submit(read)  # the queue is now full

    async def main() -> str:
        var.set("coroutine")
        waiting = asyncio.ensure_future(pool.run_async(read))
        await asyncio.sleep(0)  # run_async finds the queue full and waits for room
        release.set()
        return await asyncio.wait_for(waiting, WAIT)

    assert asyncio.run(main()) == "coroutine"


# ---------------------------------------------------------------- the default, like the stdlib


@pytest.mark.usefixtures("submitter_context")
@pytest.mark.parametrize("way", WAYS)
def test_default_does_not_propagate_like_the_stdlib(
    make_pool: Callable[..., ThreadPool], way: SubmitAndRead
) -> None:
    ours = make_pool(1)
    with stdlib_pool() as theirs:
        expected = way(theirs, read)
    assert way(ours, read) == expected
    assert expected == "unset"  # the worker thread's own context, not the submitter's


@pytest.mark.usefixtures("submitter_context")
@pytest.mark.parametrize("way", WAYS)
def test_default_keeps_changes_in_the_worker_like_the_stdlib(
    make_pool: Callable[..., ThreadPool], way: SubmitAndRead
) -> None:
    """Without propagation a task's ``var.set`` lands in the worker thread's context, so the
    next task on that worker sees it: the standard library behaves the same way."""

    def two_tasks(pool: Any) -> tuple[str, str, str]:
        return way(pool, write), way(pool, read), var.get()

    ours = make_pool(1)
    with stdlib_pool() as theirs:
        expected = two_tasks(theirs)
    assert two_tasks(ours) == expected
    assert expected == ("unset", "task", "submitter")


def test_default_executor_class_like_the_stdlib() -> None:
    token = var.set("submitter")
    try:
        with ThreadPoolExecutor(1) as ours, stdlib_pool() as theirs:
            assert ours.submit(read).result(WAIT) == theirs.submit(read).result(WAIT)
    finally:
        var.reset(token)
