"""ThreadPool: the article's thread pool, typed and fixed, as a ``concurrent.futures.Executor``."""

from __future__ import annotations

import functools
import itertools
import os
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future

from . import _lifecycle
from ._checks import (
    CO_COROUTINE,
    check_callable,
    check_int,
    check_seconds,
    coroutine_function,
    is_coroutine_function,
    not_callable,
)
from ._core import FULL, RUN_HERE, PoolCore
from ._future import PoolFuture
from ._state import PoolState, PoolStats
from ._tasks import FUTURE

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    import asyncio
    import contextvars
    from typing import Any, Literal, ParamSpec, TypeVar

    from ._group import TaskGroup

    P = ParamSpec("P")
    T = TypeVar("T")

    OnFull = Literal["block", "reject", "caller_runs"]
    """What ``run``/``submit``/``map`` do when ``max_queue`` tasks are already waiting."""

__all__ = ("OnFull", "ThreadPool")

_ON_FULL = ("block", "reject", "caller_runs")


if not TYPE_CHECKING:  # at run time only, or type checkers would accept any attribute

    def __getattr__(name: str) -> object:
        """``OnFull`` at run time, made when first asked for: it is a ``typing.Literal``, and
        nothing else needs ``typing`` at run time (see __init__.py)."""
        if name == "OnFull":
            from typing import Literal

            return globals().setdefault(name, Literal[_ON_FULL])
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def default_name(kind: str) -> str:
    """``f"{kind}-{n}"``, with ``n`` counting the default names given per kind in this process,
    so that two pools made without a name differ in logs and thread names."""
    with _names_lock:
        counter = _name_counters.setdefault(kind, itertools.count())
        return f"{kind}-{next(counter)}"


_names_lock = threading.Lock()
_name_counters: dict[str, itertools.count[int]] = {}  # guarded by _names_lock


def default_max_workers() -> int:
    """``min(32, cpus + 4)``, as the standard library's ``ThreadPoolExecutor`` chooses."""
    cpus = getattr(os, "process_cpu_count", os.cpu_count)()
    return min(32, (cpus or 1) + 4)


class ThreadPool(Executor):
    """A thread pool with lazily started workers, a bounded queue and a two-way shutdown.

    Workers start only when a task arrives and no worker is idle, up to ``max_workers``; with
    ``idle_timeout`` they exit again after that long without work. ``close()`` lets queued tasks
    finish; ``terminate()`` discards them, telling each one's future or callback. Every accepted
    task ends exactly once: it runs (with a result or an exception) or it is cancelled, and
    whoever waits on it is told.

    Args:
        max_workers: The most worker threads at once. ``None`` means ``min(32, cpus + 4)``.
        max_queue: The most tasks waiting for a busy worker to be free; ``0`` or ``None`` means
            no bound. Tasks that an idle or a newly started worker is about to take do not count.
        name: Names the pool in errors and logs; workers are named ``f"{name}-{i}"``. ``None``
            means ``"ThreadPool-N"``, with ``N`` numbering the pools so named in this process.
        idle_timeout: Seconds an idle worker waits for a task before it exits; ``None``
            keeps workers until shutdown.
        initializer: Called in each new worker before its first task. If it raises, the pool
            breaks: waiting and later tasks fail with `BrokenThreadPool`.
        initargs: Arguments for ``initializer``.
        on_full: When the queue is full: ``"block"`` waits for room, ``"reject"`` raises
            `QueueFullError`, ``"caller_runs"`` runs the task in the calling thread.
        propagate_context: Run each task in a copy of the submitter's ``contextvars`` context.

    Raises:
        TypeError: An argument has the wrong type.
        ValueError: An argument is out of range, or ``on_full`` is unknown.
    """

    _thread_name_format = "{name}-{index}"

    def __init__(
        self,
        max_workers: int | None = None,
        max_queue: int | None = 0,
        *,
        name: str | None = None,
        idle_timeout: float | None = None,
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        on_full: OnFull = "block",
        propagate_context: bool = False,
    ) -> None:
        if max_workers is None:
            max_workers = default_max_workers()
        check_int("max_workers", max_workers, minimum=1)
        if max_queue is None:  # as queue.Queue's idiom, and the tutorial's pool, mean it
            max_queue = 0
        check_int("max_queue", max_queue, minimum=0)
        if name is None:
            name = default_name("ThreadPool")
        elif not isinstance(name, str):
            raise TypeError(f"name must be a str, got {name!r}")
        idle_timeout = check_seconds("idle_timeout", idle_timeout)
        check_callable("initializer", initializer, optional=True)
        if not isinstance(initargs, tuple):
            raise TypeError(f"initargs must be a tuple, got {initargs!r}")
        if on_full not in _ON_FULL:
            raise ValueError(f"on_full must be one of {_ON_FULL}, got {on_full!r}")
        self._propagate_context = bool(propagate_context)
        self._core = PoolCore(
            name=name,
            max_workers=max_workers,
            max_queue=max_queue,
            idle_timeout=idle_timeout,
            on_full=on_full,
            initializer=initializer,
            initargs=initargs,
            thread_name_format=self._thread_name_format,
        )
        _lifecycle.track(self._core)
        # Dropped without shutdown: close the core, so its workers finish the queue and exit.
        weakref.finalize(self, self._core.close).atexit = False

    # ------------------------------------------------------------------ submitting

    def run(
        self,
        func: Callable[..., object],
        args: Iterable[Any] = (),
        callback: Callable[[bool, Any], object] | None = None,
    ) -> None:
        """Run ``func(*args)`` on a worker, without creating a future (the fast path).

        ``callback(success, value)`` is called exactly once, in the worker: ``(True, result)``,
        ``(False, exception)``, or ``(False, CancelledError())`` if ``terminate()`` discards the
        task. Without a callback a failure is logged on the ``"threadpool"`` logger. An
        exception raised by the callback is logged too; it never stops the worker.

        Raises:
            TypeError: ``func`` or ``callback`` is not callable, ``func`` is a coroutine
                function, or ``args`` is not iterable.
            PoolClosedError: The pool was closed or terminated.
            QueueFullError: The queue is full and ``on_full="reject"``.
            BrokenThreadPool: A worker's initializer failed.
        """
        # The checks are inline (callable() first, the helper only to fail): this is the path
        # of every task, and a call per check would cost more than the rest of the checking.
        if not callable(func):
            raise not_callable("func", func)
        code = getattr(func, "__code__", None)  # is_coroutine_function() inline, as far as it can
        if code.co_flags & CO_COROUTINE if code is not None else is_coroutine_function(func):
            raise coroutine_function("func", func, "run")
        if callback is not None and not callable(callback):
            raise not_callable("callback", callback)
        if type(args) is not tuple:
            args = _as_args(args)
        if self._propagate_context:
            func = _in_callers_context(func)
        task = (func, args, callback) if args else (func, callback)  # see _tasks.py
        core = self._core
        if core.accept(task) == RUN_HERE:  # take() inline: a call fewer on this path
            core.run_here(task)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Schedule ``fn(*args, **kwargs)`` and return a `concurrent.futures.Future`.

        Raises:
            TypeError: ``fn`` is not callable, or is a coroutine function.
            PoolClosedError: The pool was closed or terminated.
            QueueFullError: The queue is full and ``on_full="reject"``.
            BrokenThreadPool: A worker's initializer failed.
        """
        task = self._future_task(fn, args, kwargs, "submit")
        core = self._core
        if core.accept(task) == RUN_HERE:  # take() inline, as in run()
            core.run_here(task)
        return task[4]  # type: ignore[no-any-return]

    def _future_task(
        self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], call: str
    ) -> tuple[Any, ...]:
        if not callable(fn):
            raise not_callable("fn", fn)
        code = getattr(fn, "__code__", None)  # as in run(): is_coroutine_function() inline
        if code.co_flags & CO_COROUTINE if code is not None else is_coroutine_function(fn):
            raise coroutine_function("fn", fn, call)
        if self._propagate_context:
            fn = _in_callers_context(fn)
        return (FUTURE, fn, args, kwargs, PoolFuture(self._core.name))

    async def run_async(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(*args, **kwargs)`` on the pool and await its result without blocking the
        event loop. Cancelling the awaiting coroutine cancels the task if it has not started.

        On a full queue, the wait for room (``on_full="block"``) or the run in the caller
        (``"caller_runs"``) happens in the loop's default executor, never on the loop itself.
        The awaited call raises what ``fn`` raised, or what `submit` raises.
        """
        import asyncio  # here, not at the top: it would treble the cost of import threadpool

        task = self._future_task(fn, args, kwargs, "run_async")
        outcome = self._core.accept(task, may_block=False)
        if outcome == FULL:
            future = await _submit_off_loop(functools.partial(self.submit, fn, *args, **kwargs))
        else:
            if outcome == RUN_HERE:  # "caller_runs", but never on the event loop's thread
                await asyncio.get_running_loop().run_in_executor(None, self._core.run_here, task)
            future = task[4]
        return await asyncio.wrap_future(future)

    def map(
        self,
        fn: Callable[..., T],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
        buffersize: int | None = None,
    ) -> Iterator[T]:
        """Like the built-in ``map``, run on the pool; results come back in input order.

        As with the standard library, the tasks are submitted by this call (all of them, or the
        first ``buffersize``) and run even if the iterator is never used. Once iteration has
        started, closing or dropping the iterator, or the time-out, cancels the tasks that have
        not started, and so does a task that raised, up to Python 3.14; from 3.15 the iterator
        goes on after it, as the standard library's does there. The iterator keeps no
        reference to a result it has returned. One thread at a time may advance it.

        If ``submit`` is overridden in a subclass or replaced on the instance, every task goes
        through it (one call per chunk), as the standard library's ``Executor.map`` does.

        Args:
            fn: Called with one item from each iterable.
            timeout: Seconds, from this call, that the whole iteration may take; past it the
                iterator raises ``TimeoutError``.
            chunksize: Items per task. Larger chunks cut the per-item overhead (unlike the
                standard library's thread executor, which ignores it).
            buffersize: The most tasks submitted ahead of the results taken; ``None`` submits
                everything now. Bounds memory for long or endless inputs.

        Raises:
            TypeError, ValueError: For a bad argument (a coroutine function too), at this call.
            PoolClosedError: The pool was closed or terminated.
        """
        check_callable("fn", fn)
        if is_coroutine_function(fn):
            raise coroutine_function("fn", fn, "map")
        if isinstance(timeout, (int, float)) and timeout < 0:
            timeout = 0  # the standard library accepts a negative timeout: time out at once
        timeout = check_seconds("timeout", timeout)
        check_int("chunksize", chunksize, minimum=1)
        if buffersize is not None:  # in the standard library's words, which its tests match
            if not isinstance(buffersize, int) or isinstance(buffersize, bool):
                raise TypeError(f"buffersize must be an integer or None, got {buffersize!r}")
            if buffersize < 1:
                raise ValueError(f"buffersize must be None or > 0, got {buffersize!r}")
        from ._map import map_ordered, map_through_submit  # here: see __init__.py

        submit = self.submit
        if getattr(submit, "__func__", None) is not ThreadPool.submit:  # see _map.py
            return map_through_submit(submit, fn, iterables, timeout, chunksize, buffersize)
        if self._propagate_context:
            import contextvars  # here: see __init__.py

            fn = _in_copies_of(contextvars.copy_context(), fn)
        return map_ordered(self._core.accept_all, fn, iterables, timeout, chunksize, buffersize)

    def group(self, timeout: float | None = None) -> TaskGroup:
        """A task group on this pool, to use as ``with pool.group() as g:`` (or ``async with``):
        every task submitted through ``g`` ends before the block does, and the first failure
        cancels the rest. See `TaskGroup`.

        Args:
            timeout: Seconds until the group's deadline, from entering the block; past it,
                what is left is cancelled and the block raises ``TimeoutError``.
        """
        from ._group import TaskGroup  # here: _group imports this module

        return TaskGroup(self, timeout=timeout)

    # ------------------------------------------------------------------ shutting down

    def close(self) -> None:
        """Stop accepting tasks; queued tasks still run, then the workers exit.

        Idempotent, and safe from any thread, a task or a callback. It does not wait: call
        `join` for that. Callers blocked on a full queue get `PoolClosedError`.
        """
        self._core.close()

    def terminate(self) -> None:
        """Stop accepting tasks and discard the queued ones; workers exit after their current
        task.

        Each discarded task's future is cancelled and its callback is told
        ``(False, CancelledError())`` before this returns. Idempotent, safe from any thread,
        and it may follow `close`. It does not wait for running tasks: call `join`.
        """
        self._core.terminate()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until the pool is TERMINATED and every worker thread has ended.

        Like Java's ``awaitTermination``: on a pool that is still running it waits for someone
        to close it. Returns ``True`` when done, ``False`` if ``timeout`` seconds passed first.

        Raises:
            RuntimeError: Called from this pool's own task or callback code: from a worker, from
                a task run in the caller (``on_full="caller_runs"``), or from a callback that
                ``terminate()`` runs for a discarded task. It would wait for itself.
        """
        return self._core.join(check_seconds("timeout", timeout))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """The standard library's shutdown: `terminate` if ``cancel_futures``, else
        `close`; then `join` if ``wait``.

        From the pool's own task or callback code it does not wait (it would wait for itself).
        """
        if cancel_futures:
            self.terminate()
        else:
            self.close()
        if wait and not self._core.runs_here():
            self._core.join(None)

    # ------------------------------------------------------------------ observing

    @property
    def name(self) -> str:
        """The pool's name, as given."""
        return self._core.name

    @property
    def max_workers(self) -> int:
        """The most worker threads the pool runs at once. Assigning to it calls `resize`."""
        return self._core.max_workers

    @max_workers.setter
    def max_workers(self, max_workers: int) -> None:
        self.resize(max_workers)

    def resize(self, max_workers: int) -> None:
        """Move the bound on worker threads while the pool runs.

        Growing starts a worker at once for each task that waits for one, up to the new bound.
        Shrinking never interrupts a task: idle workers beyond the bound leave at once, busy
        ones when they finish the task they are running; `stats` shows them leaving
        (``retiring``, and ``workers`` above ``max_workers``). Safe from any thread, a task or
        a callback. After shutdown it only records the bound.

        Raises:
            TypeError: ``max_workers`` is not an int.
            ValueError: ``max_workers`` is less than 1.
        """
        check_int("max_workers", max_workers, minimum=1)
        self._core.resize(max_workers)

    @property
    def state(self) -> PoolState:
        """The pool's lifecycle state."""
        return self._core.state

    def stats(self) -> PoolStats:
        """A consistent snapshot of the pool's counters."""
        return self._core.stats()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} {self.state.value}>"


def _in_callers_context(fn: Callable[..., T]) -> Callable[..., T]:
    """``fn``, to be called in a copy of the calling thread's context, taken now
    (``propagate_context``)."""
    import contextvars  # here, not at the top: see __init__.py

    return functools.partial(contextvars.copy_context().run, fn)


def _in_copies_of(context: contextvars.Context, fn: Callable[..., T]) -> Callable[..., T]:
    """``fn`` run in a fresh copy of ``context`` at each call: a context can be entered by one
    thread at a time, and one item's changes must not reach the next."""

    def run_in_copy(*args: Any) -> T:
        return context.copy().run(fn, *args)

    return run_in_copy


def _as_args(args: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(args, (str, bytes)):  # almost always a forgotten one-tuple: ("x",)
        raise TypeError(f"args must be a tuple of arguments, got {args!r}")
    try:
        return tuple(args)
    except TypeError:
        raise TypeError(f"args must be a tuple of arguments, got {args!r}") from None


async def _submit_off_loop(submit: Callable[[], Future[T]]) -> Future[T]:
    """Call a blocking ``submit`` in the loop's default executor, in the coroutine's context
    (which ``propagate_context`` hands to the task); if our caller is cancelled while it
    blocks, cancel the task as soon as it is in."""
    import asyncio

    submitting = asyncio.get_running_loop().run_in_executor(None, _in_callers_context(submit))
    try:
        return await asyncio.shield(submitting)
    except asyncio.CancelledError:
        submitting.add_done_callback(_cancel_submitted)
        raise


def _cancel_submitted(submitting: asyncio.Future[Future[Any]]) -> None:
    if not submitting.cancelled() and submitting.exception() is None:
        submitting.result().cancel()
