"""What travels through the task queue, and how a worker runs or discards it.

A task is a plain tuple. A ``run()`` task has no kind: ``(func, callback)``, or ``(func, args,
callback)`` when there are arguments; it is the commonest task, and the kind would cost 8 bytes
more per queued task (a ``run(func, (), callback)`` task is 56 bytes, its queue slot 8 more).
Every other task is longer and starts with its kind: ``(FUTURE, fn, args, kwargs, future)``
for ``submit()`` (``map()`` has a kind of its own, in ``_map.py``), whose two functions say
what the tuple means. So a task's length tells them apart: below ``KINDED`` it is a call.

Every task ends exactly once, through one of these functions, which return the outcome so the
pool can count it:

- ``run_task`` (``run_call`` for a call) calls the task and reports the result or the
  exception (to the callback or the future; without either, a failure is logged);
- ``discard_task`` ends a task that will never run: its future is cancelled (or failed, if
  the pool broke) and its callback is told ``(False, error)``.

No function here raises: user code that fails (a task or a callback) is reported or logged,
so a worker never dies of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import CancelledError

from ._future import PoolFuture

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from typing import Any, Final

__all__ = (
    "CANCELLED",
    "COMPLETED",
    "FAILED",
    "FUTURE",
    "KINDED",
    "Task",
    "TaskKind",
    "call_failed",
    "callback_failed",
    "discard_task",
    "run_call",
    "run_task",
)

logger: Final = logging.getLogger("threadpool")

COMPLETED: Final = 0
FAILED: Final = 1
CANCELLED: Final = 2

Task = tuple["Any", ...]
"""A call, ``(func, callback)`` or ``(func, args, callback)``, or ``(kind, ...)``; see the
module docstring."""

KINDED: Final = 4
"""The shortest task that starts with its kind; shorter ones are calls."""


def _tell(
    callback: Callable[[bool, Any], object], func: object, success: bool, value: object, pool: str
) -> None:
    try:
        callback(success, value)
    except BaseException:
        callback_failed(callback, func, pool)


def callback_failed(callback: object, func: object, pool: str) -> None:
    """Log what a task's callback raised; call it in the ``except`` block."""
    logger.exception("callback %r of task %r in pool %r raised", callback, func, pool)


def call_failed(
    func: object, callback: Callable[[bool, Any], object] | None, error: BaseException, pool: str
) -> int:
    """A call raised ``error``: tell its callback, or log it if it has none. Returns FAILED."""
    if callback is None:
        logger.error("task %r in pool %r raised", func, pool, exc_info=error)
    else:
        _tell(callback, func, False, error, pool)
    return FAILED


class TaskKind:
    """How to run and how to discard one kind of task tuple."""

    __slots__ = ()

    @staticmethod
    def run(task: Task, pool: str) -> int:
        raise NotImplementedError

    @staticmethod
    def discard(task: Task, error: BaseException, pool: str) -> int:
        raise NotImplementedError


def run_call(task: Task, pool: str) -> int:
    """Run a call, ``(func, callback)`` or ``(func, args, callback)``: ``run(func, args,
    callback)``. A worker runs calls inline, in the same steps (``PoolCore._work``)."""
    if len(task) == 2:
        func, callback = task
        args: tuple[Any, ...] = ()
    else:
        func, args, callback = task
    try:
        result = func(*args) if args else func()  # func() costs less than func(*())
    except BaseException as exc:
        return call_failed(func, callback, exc, pool)
    if callback is not None:
        # _tell() inline: a call fewer on the path of every run() task with a callback
        try:
            callback(True, result)
        except BaseException:
            callback_failed(callback, func, pool)
    return COMPLETED


def run_task(task: Task, pool: str) -> int:
    """Run any task; return its outcome."""
    if len(task) < KINDED:
        return run_call(task, pool)
    return task[0].run(task, pool)  # type: ignore[no-any-return]


def discard_task(task: Task, error: BaseException, pool: str) -> int:
    """End a task that will never run, telling its future or callback ``error``; return its
    outcome."""
    if len(task) >= KINDED:
        return task[0].discard(task, error, pool)  # type: ignore[no-any-return]
    func, callback = task[0], task[-1]
    if callback is not None:
        _tell(callback, func, False, error, pool)
    return CANCELLED if isinstance(error, CancelledError) else FAILED


class _Future(TaskKind):
    """``(FUTURE, fn, args, kwargs, future)``: ``submit()``; the future, a ``PoolFuture``, is
    the waiter. Its done-callbacks cannot raise into us: it logs what they raise."""

    __slots__ = ()

    @staticmethod
    def run(task: Task, pool: str) -> int:
        _, fn, args, kwargs, future = task
        if not future.set_running_or_notify_cancel():
            return CANCELLED  # cancelled through its future while it waited
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            future.set_exception(exc)
            return FAILED
        future.set_result(result)
        return COMPLETED

    @staticmethod
    def discard(task: Task, error: BaseException, pool: str) -> int:
        future: PoolFuture[Any] = task[4]
        if isinstance(error, CancelledError):
            # cancel() alone does not wake concurrent.futures.wait()/as_completed(); the second
            # call moves the future to CANCELLED_AND_NOTIFIED, which does.
            future.cancel()
            future.set_running_or_notify_cancel()
            return CANCELLED
        if future.set_running_or_notify_cancel():
            future.set_exception(error)
            return FAILED
        return CANCELLED


FUTURE: Final[TaskKind] = _Future()
