"""asyncio: ``loop.run_in_executor`` and ``asyncio.wrap_future`` with both classes, and
``ThreadPool.run_async``, which submits and awaits without blocking the event loop.

Every test drives its own loop with ``asyncio.run``, which also shuts down the loop's default
executor, so ``run_async``'s off-loop submits have finished when it returns.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import pytest
from support import WAIT

from threadpool import PoolClosedError, QueueFullError, ThreadPool, ThreadPoolExecutor

POOL_CLASSES = [ThreadPool, ThreadPoolExecutor]


def add(a: int, b: int = 0) -> int:
    return a + b


def fail(message: str) -> int:
    raise ValueError(message)


class Worker:
    """A task that occupies a worker until it is released: ``started`` is set once it runs,
    and it returns whether ``release`` came within WAIT (``False`` means a hung test)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> bool:
        self.started.set()
        return self.release.wait(WAIT)


# ---------------------------------------------------------------- run_in_executor, wrap_future


@pytest.mark.parametrize("cls", POOL_CLASSES)
def test_run_in_executor(cls: type[ThreadPool]) -> None:
    async def main(pool: ThreadPool) -> list[int]:
        loop = asyncio.get_running_loop()
        return list(
            await asyncio.gather(*(loop.run_in_executor(pool, add, i, 1) for i in range(5)))
        )

    with cls(2) as pool:
        assert asyncio.run(main(pool)) == [1, 2, 3, 4, 5]
    assert pool.stats().completed == 5


@pytest.mark.parametrize("cls", POOL_CLASSES)
def test_run_in_executor_exception(cls: type[ThreadPool]) -> None:
    async def main(pool: ThreadPool) -> None:
        with pytest.raises(ValueError, match="boom"):
            await asyncio.get_running_loop().run_in_executor(pool, fail, "boom")

    with cls(1) as pool:
        asyncio.run(main(pool))


@pytest.mark.parametrize("cls", POOL_CLASSES)
def test_wrap_future(cls: type[ThreadPool]) -> None:
    async def main(pool: ThreadPool) -> tuple[int, BaseException]:
        value = await asyncio.wrap_future(pool.submit(add, 2, b=3))
        try:
            await asyncio.wrap_future(pool.submit(fail, "bad"))
        except ValueError as exc:
            return value, exc
        raise AssertionError("the failing future did not raise")

    with cls(2) as pool:
        value, error = asyncio.run(main(pool))
    assert value == 5
    assert str(error) == "bad"


@pytest.mark.parametrize("cls", POOL_CLASSES)
def test_wrap_future_cancel_cancels_queued_task(cls: type[ThreadPool]) -> None:
    blocker = Worker()
    ran: list[str] = []

    async def main(pool: ThreadPool) -> None:
        queued = pool.submit(ran.append, "queued")

        async def wait_for_it() -> None:
            await asyncio.wrap_future(queued)

        awaiting = asyncio.ensure_future(wait_for_it())
        await asyncio.sleep(0)  # one step: the coroutine awaits the wrapped future
        awaiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await awaiting
        assert queued.cancelled()

    with cls(1) as pool:
        occupied = pool.submit(blocker)
        assert blocker.started.wait(WAIT)
        asyncio.run(main(pool))
        blocker.release.set()
        assert occupied.result(WAIT) is True
    assert ran == []
    assert pool.stats().cancelled == 1


# ---------------------------------------------------------------- run_async


@pytest.mark.parametrize("cls", POOL_CLASSES)
def test_run_async_returns_result(cls: type[ThreadPool]) -> None:
    with cls(2) as pool:
        assert asyncio.run(pool.run_async(add, 40, b=2)) == 42


def test_run_async_runs_on_a_worker(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, name="aio")
    name = asyncio.run(pool.run_async(lambda: threading.current_thread().name))
    assert name == "aio-0"


@pytest.mark.parametrize("cls", POOL_CLASSES)
def test_run_async_raises_the_task_exception(cls: type[ThreadPool]) -> None:
    async def main(pool: ThreadPool) -> None:
        with pytest.raises(ValueError, match="from the task"):
            await pool.run_async(fail, "from the task")

    with cls(1) as pool:
        asyncio.run(main(pool))
    assert pool.stats().failed == 1


def test_run_async_does_not_block_the_loop_while_the_task_runs(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1)
    release = threading.Event()

    async def main() -> bool:
        loop = asyncio.get_running_loop()
        started = asyncio.Event()

        def task() -> bool:
            loop.call_soon_threadsafe(started.set)
            return release.wait(WAIT)

        # The task tells the loop it started; the loop (free, since nothing blocks it) then
        # releases the task. Had run_async blocked the loop, the task's wait would time out.
        pending = asyncio.ensure_future(pool.run_async(task))
        await asyncio.wait_for(started.wait(), WAIT)
        assert not pending.done()
        release.set()
        return await asyncio.wait_for(pending, WAIT)

    assert asyncio.run(main()) is True


def test_run_async_cancelled_while_queued_never_runs(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    blocker = Worker()
    ran: list[str] = []
    pool.submit(blocker)
    assert blocker.started.wait(WAIT)

    async def main() -> None:
        awaiting = asyncio.ensure_future(pool.run_async(ran.append, "cancelled"))
        await asyncio.sleep(0)  # one step: run_async queues the task and awaits it
        assert pool.stats().pending == 1
        awaiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await awaiting

    asyncio.run(main())
    blocker.release.set()
    pool.close()
    assert pool.join(WAIT)
    stats = pool.stats()
    assert ran == []
    assert (stats.submitted, stats.completed, stats.cancelled) == (2, 1, 1)


def test_run_async_cancelled_while_running_lets_the_task_finish(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1)
    task = Worker()

    async def main() -> None:
        awaiting = asyncio.ensure_future(pool.run_async(task))
        await asyncio.get_running_loop().run_in_executor(None, task.started.wait, WAIT)
        awaiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await awaiting

    asyncio.run(main())
    task.release.set()
    pool.close()
    assert pool.join(WAIT)
    stats = pool.stats()
    assert (stats.completed, stats.cancelled) == (1, 0)


def test_run_async_waits_for_room_off_the_loop(make_pool: Callable[..., ThreadPool]) -> None:
    """A full queue with on_full="block": run_async waits for room in another thread, so
    other coroutines go on; here the coroutine that makes room is one of them."""
    pool = make_pool(1, max_queue=1, on_full="block")
    blocker = Worker()
    occupied = pool.submit(blocker)
    assert blocker.started.wait(WAIT)
    filler = pool.submit(add, 1)  # the queue is now full

    async def main() -> int:
        waiting = asyncio.ensure_future(pool.run_async(add, 20, b=1))
        await asyncio.sleep(0)  # run_async starts and finds the queue full
        assert not waiting.done()
        blocker.release.set()  # only possible because the loop still runs
        return await asyncio.wait_for(waiting, WAIT)

    assert asyncio.run(main()) == 21
    assert occupied.result(WAIT) is True, "the loop was blocked until the blocker timed out"
    assert filler.result(WAIT) == 1
    pool.close()
    assert pool.join(WAIT)
    assert pool.stats().completed == 3


def test_run_async_cancelled_while_waiting_for_room_never_runs(
    make_pool: Callable[..., ThreadPool],
) -> None:
    pool = make_pool(1, max_queue=1, on_full="block")
    first, second = Worker(), Worker()
    ran: list[str] = []
    pool.submit(first)
    assert first.started.wait(WAIT)
    pool.submit(second)  # the queue is now full

    async def main() -> None:
        waiting = asyncio.ensure_future(pool.run_async(ran.append, "cancelled"))
        await asyncio.sleep(0)  # run_async starts and waits for room off the loop
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        # Make room while the worker stays busy with ``second``: the off-loop submit gets in,
        # and the task is cancelled before any worker is free to take it.
        first.release.set()

    asyncio.run(main())  # returns once the off-loop submit is done
    assert second.started.wait(WAIT)
    second.release.set()
    pool.close()
    assert pool.join(WAIT)
    stats = pool.stats()
    assert ran == []
    assert (stats.submitted, stats.completed, stats.cancelled) == (3, 2, 1)


def test_run_async_caller_runs_off_the_loop(make_pool: Callable[..., ThreadPool]) -> None:
    """A full queue with on_full="caller_runs": the caller runs the task, but run_async's
    caller is the event loop, so the task runs in the loop's default executor instead."""
    pool = make_pool(1, max_queue=1, on_full="caller_runs")
    blocker = Worker()
    pool.submit(blocker)
    assert blocker.started.wait(WAIT)
    pool.submit(add, 1)  # the queue is now full

    async def main() -> tuple[threading.Thread, threading.Thread]:
        ran_in = await pool.run_async(threading.current_thread)
        return threading.current_thread(), ran_in

    loop_thread, ran_in = asyncio.run(main())
    blocker.release.set()
    assert ran_in is not loop_thread
    assert not ran_in.name.startswith(pool.name)  # not a worker either: the caller ran it
    pool.close()
    assert pool.join(WAIT)
    assert pool.stats().completed == 3


def test_run_async_on_a_full_queue_that_rejects(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1, max_queue=1, on_full="reject")
    blocker = Worker()
    pool.submit(blocker)
    assert blocker.started.wait(WAIT)
    pool.submit(add, 1)

    async def main() -> None:
        with pytest.raises(QueueFullError):
            await pool.run_async(add, 2)

    asyncio.run(main())
    blocker.release.set()
    assert pool.stats().rejected == 1


def test_run_async_on_a_closed_pool(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    pool.close()

    async def main() -> None:
        with pytest.raises(PoolClosedError):
            await pool.run_async(add, 1)

    asyncio.run(main())


def test_run_async_task_discarded_by_terminate(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(1)
    blocker = Worker()
    pool.submit(blocker)
    assert blocker.started.wait(WAIT)

    async def main() -> None:
        waiting = asyncio.ensure_future(pool.run_async(add, 1))
        await asyncio.sleep(0)  # queued
        pool.terminate()  # cancels the queued task's future, and so the awaiting coroutine
        with pytest.raises(asyncio.CancelledError):
            await waiting

    asyncio.run(main())
    blocker.release.set()
    assert pool.join(WAIT)
    assert pool.stats().cancelled == 1


def test_many_run_async_calls_gather(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(4)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(pool.run_async(add, i, b=i) for i in range(200))))

    assert asyncio.run(main()) == [2 * i for i in range(200)]
