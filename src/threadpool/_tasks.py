"""What travels through the task queue, and how a worker runs or discards it.

A task is a plain tuple whose first item is its kind: ``(CALL, func, args, callback)`` for
``run()``, or ``(CALL, func, callback)`` when there are no arguments, and ``(FUTURE, fn, args,
kwargs, future)`` for ``submit()`` (``map()`` has a kind of its own, in ``_map.py``). Tuples
keep the per-task cost to one small allocation (64 bytes for ``run(func, (), callback)``, 72
with arguments); the kind's two functions say what the tuple means.

Every task ends exactly once, through one of these functions, which return the outcome so the
pool can count it:

- ``run`` calls the task and reports the result or the exception (to the callback or the
  future; without either, a failure is logged);
- ``discard`` ends a task that will never run: its future is cancelled (or failed, if the pool
  broke) and its callback is told ``(False, error)``.

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

__all__ = ("CALL", "CANCELLED", "COMPLETED", "FAILED", "FUTURE", "Task", "TaskKind")

logger: Final = logging.getLogger("threadpool")

COMPLETED: Final = 0
FAILED: Final = 1
CANCELLED: Final = 2

Task = tuple["Any", ...]
"""``(kind, ...)``; see the module docstring."""


def _tell(
    callback: Callable[[bool, Any], object], func: object, success: bool, value: object, pool: str
) -> None:
    try:
        callback(success, value)
    except BaseException:
        logger.exception("callback %r of task %r in pool %r raised", callback, func, pool)


class TaskKind:
    """How to run and how to discard one kind of task tuple."""

    __slots__ = ()

    @staticmethod
    def run(task: Task, pool: str) -> int:
        raise NotImplementedError

    @staticmethod
    def discard(task: Task, error: BaseException, pool: str) -> int:
        raise NotImplementedError


class _Call(TaskKind):
    """``(CALL, func, args, callback)``, or ``(CALL, func, callback)`` without arguments: the
    article's ``run(func, args, callback)``."""

    __slots__ = ()

    @staticmethod
    def run(task: Task, pool: str) -> int:
        if len(task) == 3:
            _, func, callback = task
            args: tuple[Any, ...] = ()
        else:
            _, func, args, callback = task
        try:
            result = func(*args)
        except BaseException as exc:
            if callback is None:
                logger.error("task %r in pool %r raised", func, pool, exc_info=exc)
            else:
                _tell(callback, func, False, exc, pool)
            return FAILED
        if callback is not None:
            # _tell() inline: a call fewer on the path of every run() task with a callback
            try:
                callback(True, result)
            except BaseException:
                logger.exception("callback %r of task %r in pool %r raised", callback, func, pool)
        return COMPLETED

    @staticmethod
    def discard(task: Task, error: BaseException, pool: str) -> int:
        func, callback = task[1], task[-1]
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


CALL: Final[TaskKind] = _Call()
FUTURE: Final[TaskKind] = _Future()
