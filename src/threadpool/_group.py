"""Task groups: structured concurrency for threads, built on an executor's ``submit()``.

A group is the thread pool's ``asyncio.TaskGroup``: every task submitted through it ends before
the ``with`` block does, and the first failure cancels the rest. It uses only the executor's
public ``submit()`` and the futures it returns, so it works on any
``concurrent.futures.Executor`` and adds nothing to the pool's per-task path. Its tasks are
ordinary pool tasks: they share the workers, the bounded queue and its ``on_full`` rule, and
``stats()`` counts them.

How a group learns that a task ended
====================================
Through a done-callback on the task's future, which runs after the future has its outcome
(in the worker, or in the thread that cancelled it). So when the group's count of unfinished
tasks reaches zero, every future of the group is done: ``result()`` after the block never
waits. A future runs its done-callbacks exactly once, whether it completes or is cancelled, so
each task is counted down exactly once.

Cancelling: one snapshot, then late-comers cancel themselves
============================================================
The group is cancelled once (a failure, an exception in the body, the deadline, an interrupt,
the enclosing group, the pool's termination): under the lock it records the reason and takes a
snapshot of the futures not yet done; outside the lock it cancels them, so their callbacks
(ours, which take the lock again, and the user's) never run under it. A future that completes
or starts during the cancel-all just refuses ``cancel()`` and is counted down by its own
callback. A future tracked after the snapshot sees the reason under the same lock and cancels
itself. Once cancelled, the group refuses new tasks with ``CancelledError``, as
``asyncio.TaskGroup`` refuses them while it shuts down, and the ``with`` block's exit takes
that error (or any ``CancelledError`` the cancellation caused) for what it is, not a failure.
"""

from __future__ import annotations

import contextvars
import enum
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import CancelledError, Executor, Future
from concurrent.futures import TimeoutError as FuturesTimeoutError

from ._checks import check_seconds, not_callable
from ._errors import PoolClosedError
from ._pool import _as_args
from ._state import PoolState

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any, Final, ParamSpec, TypeVar, final

    P = ParamSpec("P")
    T = TypeVar("T")
    _Cancellation = tuple[list[Future[Any]], list["TaskGroup"], threading.Event]
else:

    def final(cls: type) -> type:  # typing.final marks the class for type checkers only
        return cls


__all__ = ("TaskGroup",)


class _Reason(enum.Enum):
    """Why a group was cancelled; the first reason is the one kept."""

    FAILED = "a task failed"
    BODY = "its with block raised"
    DEADLINE = "its deadline passed"
    INTERRUPTED = "it was interrupted"
    PARENT = "its enclosing group was cancelled"
    TERMINATED = "its pool was terminated"


class _Phase(enum.Enum):
    NEW = "not entered"
    OPEN = "open"
    DONE = "finished"


_current: Final[contextvars.ContextVar[TaskGroup | None]] = contextvars.ContextVar(
    "threadpool_current_group", default=None
)
"""The group whose body or task is running here: a group entered here becomes its child."""

_STOPPED: Final = (PoolState.TERMINATING, PoolState.TERMINATED)


@final
class TaskGroup:
    """A scope for tasks: ``with pool.group() as g:``; every task submitted through ``g`` ends
    before the block does.

    If a task fails, or the block raises, the group cancels its tasks that have not started,
    sets `cancelled` for the running ones to see, waits for them, and raises the failures
    together as an ``ExceptionGroup``, as ``asyncio.TaskGroup`` does. A ``KeyboardInterrupt``
    or ``SystemExit`` (from the block or a task) propagates as itself, after the same cancel
    and wait. With a ``timeout``, the group is cancelled at its deadline and the block raises
    ``TimeoutError``. A group entered in another group's block or task is cancelled with it.
    The group also works with ``async with``: its exit then waits without blocking the loop.

    ``pool.group()`` makes one; ``TaskGroup(executor)`` works on any
    ``concurrent.futures.Executor``. A group is entered once.

    Args:
        executor: Runs the tasks, through its ``submit()``.
        timeout: Seconds from entering the block until the deadline; ``None`` for none.

    Raises:
        TypeError: ``executor`` is not an Executor, or ``timeout`` is not a number.
        ValueError: ``timeout`` is negative.
    """

    def __init__(self, executor: Executor, *, timeout: float | None = None) -> None:
        if not isinstance(executor, Executor):
            raise TypeError(f"executor must be a concurrent.futures.Executor, got {executor!r}")
        self._executor: Final = executor
        self._timeout: Final = check_seconds("timeout", timeout)
        self._cancel_event: Final = threading.Event()  # set with _reason, for tasks to poll
        self._lock: Final = threading.Lock()
        # --- guarded by _lock. Whenever it is released:
        # - _unfinished counts the tasks reserved by submit() and not yet ended; _futures holds
        #   those of them already submitted (a reservation is tracked or released at once; only
        #   a KeyboardInterrupt landing between the two would leave one, and then the exit's
        #   wait ends at the second Ctrl-C).
        # - _reason is None until the group is cancelled, then never changes. _cancel_event is
        #   set once it is not None and the futures tracked then have been cancelled (outside
        #   the lock), so a running task that stops on it cannot free its worker for a queued
        #   task of the group that is still to be cancelled.
        # - _phase only moves forward, and it is DONE only once the exit found _unfinished == 0;
        #   after that nothing is reserved and nothing is cancelled.
        self._phase = _Phase.NEW
        self._unfinished = 0
        self._futures: set[Future[Any]] = set()
        self._reason: _Reason | None = None
        self._errors: list[BaseException] = []  # task failures, in the order they ended
        self._children: set[TaskGroup] = set()  # groups entered in our block or our tasks
        self._all_ended: Future[None] | None = None  # made by the exit if it must wait
        # --- used only by the thread that enters and exits
        self._parent: TaskGroup | None = None
        self._timer: threading.Timer | None = None
        self._context_token: contextvars.Token[TaskGroup | None] | None = None
        self._body_error: BaseException | None = None

    # ------------------------------------------------------------------ submitting

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Schedule ``fn(*args, **kwargs)`` on the pool as a task of this group.

        Returns:
            The task's future, as the pool's ``submit()`` returns it.

        Raises:
            TypeError: ``fn`` is not callable.
            CancelledError: The group is cancelled (``concurrent.futures.CancelledError``);
                leaving the block with it raises the group's own error instead.
            RuntimeError: The group was not entered, or has ended.
            PoolClosedError, QueueFullError, BrokenThreadPool: As the pool's ``submit()``.
        """
        if not callable(fn):
            raise not_callable("fn", fn)
        return self._submit(fn, args, kwargs, None)

    def run(
        self,
        func: Callable[..., object],
        args: Iterable[Any] = (),
        callback: Callable[[bool, Any], object] | None = None,
    ) -> None:
        """Run ``func(*args)`` as a task of this group, without handing back a future.

        ``callback(success, value)`` is called exactly once, as the pool's ``run()`` calls it:
        ``(True, result)`` or ``(False, exception)`` in the worker, or, when the task is
        cancelled before it starts (by the group or by ``terminate()``),
        ``(False, CancelledError())`` in the thread that cancelled it. A failure also cancels
        the group and is raised at the end of the block, callback or not.

        Raises:
            TypeError: ``func`` or ``callback`` is not callable, or ``args`` is not iterable.
            CancelledError, RuntimeError, PoolClosedError, QueueFullError: As `submit`.
        """
        if not callable(func):
            raise not_callable("func", func)
        if callback is not None and not callable(callback):
            raise not_callable("callback", callback)
        if type(args) is not tuple:
            args = _as_args(args)
        self._submit(func, args, {}, None if callback is None else _Tell(callback))

    def map(
        self, fn: Callable[..., T], *iterables: Iterable[Any], timeout: float | None = None
    ) -> Iterator[T]:
        """Submit ``fn(*items)`` for each row of ``iterables`` now, as tasks of this group;
        return an iterator over their results, in input order, as ``Executor.map`` does.

        Args:
            fn: Called with one item from each iterable.
            timeout: Seconds, from this call, that the whole iteration may take; past it the
                iterator raises ``TimeoutError``.

        Raises:
            TypeError, ValueError: For a bad argument, at this call.
            CancelledError, RuntimeError, PoolClosedError, QueueFullError: As `submit`.
        """
        if not callable(fn):
            raise not_callable("fn", fn)
        if isinstance(timeout, (int, float)) and timeout < 0:
            timeout = 0  # as the pool's map: time out at once
        timeout = check_seconds("timeout", timeout)
        deadline = None if timeout is None else time.monotonic() + timeout
        futures = [self.submit(fn, *row) for row in zip(*iterables, strict=False)]
        return _results_in_order(futures, deadline)

    # ------------------------------------------------------------------ cancellation

    @property
    def cancelled(self) -> bool:
        """Whether the group is cancelled: a running task that sees it should stop soon."""
        return self._cancel_event.is_set()

    def wait_cancelled(self, timeout: float | None = None) -> bool:
        """Sleep until the group is cancelled or ``timeout`` seconds pass; return `cancelled`.

        A task's pause that ends early when the group no longer needs the task.
        """
        return self._cancel_event.wait(check_seconds("timeout", timeout))

    # ------------------------------------------------------------------ the block

    def __enter__(self) -> TaskGroup:
        self._enter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self._body_ended(exc)
            all_ended = self._begin_exit()
            interrupted = None if all_ended is None else self._wait(all_ended)
        finally:
            self._leave()
        self._raise_outcome(exc, interrupted)

    async def __aenter__(self) -> TaskGroup:
        self._enter()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        import asyncio  # here, not at the top: see __init__.py (it is loaded in a coroutine)

        own = isinstance(exc, asyncio.CancelledError) and self._is_cancelled()
        if own and not _being_cancelled():
            exc = None  # awaiting a future the group cancelled: the cancellation's own error
        try:
            self._body_ended(exc)
            all_ended = self._begin_exit()
            interrupted = None if all_ended is None else await self._wait_async(all_ended)
        finally:
            self._leave()
        self._raise_outcome(exc, interrupted)

    def __repr__(self) -> str:
        reason = self._reason
        cancelled = "" if reason is None else f", cancelled: {reason.value}"
        return (
            f"<TaskGroup on {self._executor!r}: {self._phase.value}, "
            f"{self._unfinished} unfinished{cancelled}>"
        )

    # ------------------------------------------------------------------ inside

    def _run_task(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        token = _current.set(self)  # a group entered by this task becomes our child
        try:
            return fn(*args, **kwargs)
        finally:
            _current.reset(token)

    def _submit(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        tell: Callable[[Future[Any]], object] | None,
    ) -> Future[T]:
        """Submit a task of the group; ``tell`` is a done-callback that must run before the
        group counts the task ended (a ``run()`` callback: the block ends after it)."""
        self._reserve()
        try:
            future = self._executor.submit(self._run_task, fn, args, kwargs)
        except BaseException:
            self._release_reservation()
            raise
        if tell is not None:
            future.add_done_callback(tell)
        self._track(future)
        return future

    def _reserve(self) -> None:
        with self._lock:
            if self._phase is not _Phase.OPEN:
                raise RuntimeError(f"{self!r} takes no tasks: use it in a with block, once")
            if self._reason is not None:
                raise CancelledError(f"{self!r} takes no more tasks")
            self._unfinished += 1

    def _release_reservation(self) -> None:
        with self._lock:
            self._unfinished -= 1
            all_ended = self._all_ended_locked()
        if all_ended is not None:
            all_ended.set_result(None)

    def _track(self, future: Future[Any]) -> None:
        with self._lock:
            self._futures.add(future)
            cancelled = self._reason is not None
        future.add_done_callback(self._task_done)  # at once, here, if it is done already
        if cancelled:  # cancelled since the reservation: the snapshot may have missed it
            future.cancel()

    def _task_done(self, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        cancel = None
        with self._lock:
            self._futures.discard(future)
            self._unfinished -= 1
            if error is not None:
                # A task that raises CancelledError once the group is cancelled obeys it.
                if not (isinstance(error, CancelledError) and self._reason is not None):
                    self._errors.append(error)
                    cancel = self._cancel_locked(_Reason.FAILED)
            elif future.cancelled() and self._reason is None and self._pool_stopped():
                self._errors.append(
                    PoolClosedError(
                        f"pool {getattr(self._executor, 'name', self._executor)!r} was "
                        "terminated under a task group: its queued tasks were cancelled"
                    )
                )
                cancel = self._cancel_locked(_Reason.TERMINATED)
            all_ended = self._all_ended_locked()
        if cancel is not None:
            _cancel_all(*cancel)
        if all_ended is not None:
            all_ended.set_result(None)

    def _pool_stopped(self) -> bool:
        # A future cancelled while the group was not is cancelled by terminate() if the pool
        # is stopping; else by its owner, which, as in asyncio, is no failure.
        return getattr(self._executor, "state", None) in _STOPPED

    def _all_ended_locked(self) -> Future[None] | None:
        """If the exit waits and nothing is left, end the group; return the future to set."""
        if self._unfinished or self._all_ended is None or self._phase is _Phase.DONE:
            return None
        self._phase = _Phase.DONE
        return self._all_ended

    def _is_cancelled(self) -> bool:
        """Whether the group is cancelled, from the moment it is (`cancelled` becomes True a
        little later, once the queued tasks are cancelled)."""
        with self._lock:
            return self._reason is not None

    def _cancel(self, reason: _Reason) -> None:
        with self._lock:
            cancel = self._cancel_locked(reason)
        if cancel is not None:
            _cancel_all(*cancel)

    def _cancel_locked(self, reason: _Reason) -> _Cancellation | None:
        """Cancel the group, if it is not yet (nor ended); return what the caller must cancel,
        outside the lock, with _cancel_all()."""
        if self._reason is not None or self._phase is _Phase.DONE:
            return None
        self._reason = reason
        return list(self._futures), list(self._children), self._cancel_event

    def _adopt(self, child: TaskGroup) -> bool:
        """Link a group entered in our block or one of our tasks; cancel it if we are."""
        with self._lock:
            if self._phase is _Phase.DONE:  # a context that outlived our block: no link
                return False
            self._children.add(child)
            cancelled = self._reason is not None
        if cancelled:
            child._cancel(_Reason.PARENT)
        return True

    def _disown(self, child: TaskGroup) -> None:
        with self._lock:
            self._children.discard(child)

    # ------------------------------------------------------------------ entering and leaving

    def _enter(self) -> None:
        with self._lock:
            if self._phase is not _Phase.NEW:
                raise RuntimeError(f"{self!r} was entered before; a group is used once")
            self._phase = _Phase.OPEN
        parent = _current.get()
        if parent is not None and parent._adopt(self):
            self._parent = parent
        self._context_token = _current.set(self)
        if self._timeout == 0:
            self._cancel(_Reason.DEADLINE)
        elif self._timeout is not None:
            # A thread of its own, so the deadline fires while the block still runs or blocks
            # (in a submit on a full queue, say), not only when it reaches the exit.
            self._timer = threading.Timer(self._timeout, self._cancel, (_Reason.DEADLINE,))
            self._timer.name = "threadpool-group-deadline"
            self._timer.daemon = True
            self._timer.start()

    def _body_ended(self, exc: BaseException | None) -> None:
        """The block ended, with ``exc`` if it raised: cancel the group unless it is the
        cancellation's own ``CancelledError``."""
        if exc is None or (isinstance(exc, CancelledError) and self._is_cancelled()):
            return
        if isinstance(exc, Exception):
            self._body_error = exc
            self._cancel(_Reason.BODY)
        else:  # KeyboardInterrupt, SystemExit, asyncio's CancelledError, ...
            self._cancel(_Reason.INTERRUPTED)

    def _begin_exit(self) -> Future[None] | None:
        """End the group if no task is left; else return a future set when the last ends."""
        with self._lock:
            if self._unfinished == 0:
                self._phase = _Phase.DONE
                return None
            self._all_ended = Future()
            return self._all_ended

    def _wait(self, all_ended: Future[None]) -> BaseException | None:
        """Wait for every task to end. An interrupt (KeyboardInterrupt) cancels the group and
        waits again, and is returned to be raised; a second one leaves at once."""
        interrupted: BaseException | None = None
        while True:
            try:
                all_ended.result()
                return interrupted
            except BaseException as exc:
                if interrupted is not None:
                    raise
                interrupted = exc
                self._cancel(_Reason.INTERRUPTED)

    async def _wait_async(self, all_ended: Future[None]) -> BaseException | None:
        """As _wait(), on the event loop: a cancellation of the awaiting task is the
        interrupt."""
        import asyncio

        ended = asyncio.wrap_future(all_ended)
        interrupted: BaseException | None = None
        while True:
            try:
                await asyncio.shield(ended)
                return interrupted
            except BaseException as exc:
                if interrupted is not None:
                    raise
                interrupted = exc
                self._cancel(_Reason.INTERRUPTED)

    def _leave(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()  # it may be cancelling the group right now: let it finish
        if self._parent is not None:
            self._parent._disown(self)
        if self._context_token is not None:
            _current.reset(self._context_token)

    def _raise_outcome(self, exc: BaseException | None, interrupted: BaseException | None) -> None:
        """Raise what the block's end means; return when the block's own exception (or none)
        should propagate. Called once every task has ended."""
        if interrupted is not None:
            raise interrupted
        if exc is not None and not isinstance(exc, Exception):
            return  # KeyboardInterrupt, SystemExit, ...: itself
        with self._lock:
            errors = list(self._errors)
            reason = self._reason
        for error in errors:
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise error
        body_error = self._body_error
        if reason is _Reason.TERMINATED and isinstance(body_error, PoolClosedError):
            body_error = None  # the pool refused a submit for the termination we report
        if body_error is not None and not any(error is body_error for error in errors):
            errors.append(body_error)  # unless it is a task's failure, raised by result()
        if reason is _Reason.DEADLINE:
            raise FuturesTimeoutError(
                f"the task group's deadline of {self._timeout} s passed; its unfinished tasks "
                "were cancelled"
            ) from (_error_group(errors) if errors else None)
        if errors:
            raise _error_group(errors) from None
        if reason is _Reason.PARENT and not isinstance(exc, CancelledError):
            raise CancelledError("the task group was cancelled with its enclosing group")


def _error_group(errors: list[BaseException]) -> BaseExceptionGroup[BaseException]:  # noqa: F821 (a builtin from 3.11)
    # An ExceptionGroup when every error is an Exception, as BaseExceptionGroup() decides.
    if sys.version_info >= (3, 11):
        group = BaseExceptionGroup  # noqa: F821 (a builtin from 3.11)
    else:  # pragma: no cover
        # The backport, imported only when needed: it imports typing and inspect.
        from exceptiongroup import BaseExceptionGroup as group
    return group("unhandled errors in a task group", errors)


def _being_cancelled() -> bool:
    """Whether someone cancelled the running asyncio task (not knowable before Python 3.11)."""
    import asyncio

    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return cancelling is not None and cancelling() > 0


def _cancel_all(
    futures: list[Future[Any]], children: list[TaskGroup], cancelled: threading.Event
) -> None:
    for future in futures:
        future.cancel()  # False for one that started or ended meanwhile: its callback counts it
    cancelled.set()  # only now: see the invariant of _cancel_event
    for child in children:
        child._cancel(_Reason.PARENT)


def _results_in_order(futures: list[Future[T]], deadline: float | None) -> Generator[T, None, None]:
    """Yield each future's result in turn; closing or dropping the iterator cancels the rest,
    as ``Executor.map``'s does."""
    futures.reverse()
    try:
        while futures:
            future = futures.pop()
            if deadline is None:
                yield future.result()
            else:
                yield future.result(max(0.0, deadline - time.monotonic()))
            del future
    finally:
        for future in futures:
            future.cancel()


class _Tell:
    """A done-callback that tells ``run()``'s callback the task's outcome."""

    __slots__ = ("_callback",)

    def __init__(self, callback: Callable[[bool, Any], object]) -> None:
        self._callback = callback

    def __call__(self, future: Future[Any]) -> None:
        if future.cancelled():
            self._callback(False, CancelledError())
        elif (error := future.exception()) is not None:
            self._callback(False, error)
        else:
            self._callback(True, future.result())
