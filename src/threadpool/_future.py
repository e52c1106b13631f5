"""The Future that ``submit()`` returns: a ``concurrent.futures.Future``, made cheaper.

A busy pool makes a future per task, so what a future costs to build is paid per task. The
standard library's builds a pure-Python ``threading.Condition`` and two lists, four objects the
garbage collector tracks, which on a no-op task cost more than the rest of the hand-off.
``PoolFuture`` keeps the same states, the same locking and the same protocol with the module's
``wait()`` and ``as_completed()``, but builds only what is used:

- ``_condition`` is a bare C ``RLock`` (the module only acquires and releases it). Threads that
  block in ``result()``/``exception()`` sleep on a lock of their own, listed in ``_sleepers``
  and released when the future is done or cancelled: what ``Condition.wait``/``notify_all``
  do, made only when somebody actually waits.
- ``_waiters`` (the module's ``wait()``/``as_completed()`` entries) and ``_done_callbacks`` are
  made on first use, which happens under ``_condition`` as with the standard library.

So a future is one tracked object until someone waits on it or adds a callback. One more
difference: a done-callback that raises is logged on the ``threadpool`` logger with the pool's
name, even for a ``BaseException``, which the standard library would let escape into the thread
that completed the future (here, a worker, or the thread calling ``terminate()``). The methods
that wait or notify, and ``set_running_or_notify_cancel``, which the pool calls for every task,
are rewritten here, following the standard library's line by line; the others (``done``,
``running``, ``add_done_callback``, ...) are the standard library's own.
"""

from __future__ import annotations

import _thread
import logging
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, InvalidStateError
from concurrent.futures import TimeoutError as FuturesTimeoutError
from concurrent.futures._base import (
    CANCELLED,
    CANCELLED_AND_NOTIFIED,
    FINISHED,
    PENDING,
    RUNNING,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ("PoolFuture",)

logger = logging.getLogger("threadpool")
_DONE = frozenset((CANCELLED, CANCELLED_AND_NOTIFIED, FINISHED))
_CANCELLED = frozenset((CANCELLED, CANCELLED_AND_NOTIFIED))


class PoolFuture(Future["T"]):
    """A ``concurrent.futures.Future`` that costs one tracked object until it is waited on."""

    # Class-level defaults, shadowed per instance on first use. Guarded by _condition.
    _sleepers: list[_thread.LockType] | None = None
    _waiter_list: list[Any] | None = None
    _callback_list: list[Callable[[Future[T]], object]] | None = None

    _result: Any = None
    _exception: BaseException | None = None

    def __init__(self, pool: str) -> None:  # replaces Future.__init__; see the module docstring
        self._pool = pool  # named when a done-callback fails
        self._condition = _thread.RLock()  # type: ignore[assignment]
        self._state = PENDING

    def _get_waiters(self) -> list[Any]:
        if self._waiter_list is None:
            self._waiter_list = []
        return self._waiter_list

    def _set_waiters(self, waiters: list[Any]) -> None:
        self._waiter_list = waiters

    def _get_done_callbacks(self) -> list[Callable[[Future[T]], object]]:
        if self._callback_list is None:
            self._callback_list = []
        return self._callback_list

    def _set_done_callbacks(self, callbacks: list[Callable[[Future[T]], object]]) -> None:
        self._callback_list = callbacks

    _waiters = property(_get_waiters, _set_waiters)
    _done_callbacks = property(_get_done_callbacks, _set_done_callbacks)

    # ------------------------------------------------------------------ waiting and waking

    def _sleep(self, timeout: float | None) -> None:
        """Release ``_condition`` (held once by the caller) until woken or ``timeout``."""
        sleeper = _thread.allocate_lock()
        sleeper.acquire()
        if self._sleepers is None:
            self._sleepers = []
        self._sleepers.append(sleeper)
        saved = self._condition._release_save()  # type: ignore[attr-defined]
        woken = False
        try:
            if timeout is None:
                woken = sleeper.acquire()
            elif timeout > 0:
                woken = sleeper.acquire(True, timeout)
            else:
                woken = sleeper.acquire(False)
        finally:
            self._condition._acquire_restore(saved)  # type: ignore[attr-defined]
            if not woken and self._sleepers is not None and sleeper in self._sleepers:
                self._sleepers.remove(sleeper)

    def _wake_sleepers(self) -> None:
        sleepers = self._sleepers
        if sleepers:
            self._sleepers = None
            for sleeper in sleepers:
                sleeper.release()

    def _invoke_callbacks(self) -> None:
        for callback in self._callback_list or ():
            try:
                callback(self)
            except BaseException:  # the standard library lets these escape, into our workers
                logger.exception(
                    "done-callback %r of a future in pool %r raised", callback, self._pool
                )

    # ------------------------------------------------------------------ Future's methods
    # The methods a waiting thread calls take ``_condition`` with ``with``, as the standard
    # library's do: an interrupt (SIGINT's KeyboardInterrupt) can land just after a call
    # returns, and after acquire(), before ``try``, it would leave the lock held and every later
    # caller hanging. The methods that end a task run on workers, where no interrupt lands
    # (Python runs signal handlers in the main thread), so they take the lock with acquire()
    # and try, which costs half as much and runs for every task.

    def cancel(self) -> bool:
        with self._condition:
            if self._state in (RUNNING, FINISHED):
                return False
            if self._state in _CANCELLED:
                return True
            self._state = CANCELLED
            self._wake_sleepers()
        self._invoke_callbacks()
        return True

    def set_running_or_notify_cancel(self) -> bool:
        lock = self._condition
        lock.acquire()
        try:
            state = self._state
            if state == PENDING:
                self._state = RUNNING
                return True
            if state == CANCELLED:
                self._state = CANCELLED_AND_NOTIFIED
                for waiter in self._waiter_list or ():
                    waiter.add_cancelled(self)
                return False  # cancel() has woken the threads blocked in result()
        finally:
            lock.release()
        raise RuntimeError(f"Future in unexpected state: {state}")

    def result(self, timeout: float | None = None) -> T:
        try:
            with self._condition:
                if self._state not in _DONE:
                    self._sleep(timeout)
                if self._state == FINISHED:
                    if self._exception is None:
                        return self._result  # type: ignore[no-any-return]
                    raise self._exception
                if self._state in _CANCELLED:
                    raise CancelledError()
                raise FuturesTimeoutError()
        finally:
            self = None  # type: ignore[assignment]  # break the cycle through the traceback

    def exception(self, timeout: float | None = None) -> BaseException | None:
        with self._condition:
            if self._state not in _DONE:
                self._sleep(timeout)
            if self._state == FINISHED:
                return self._exception
            if self._state in _CANCELLED:
                raise CancelledError()
            raise FuturesTimeoutError()

    def set_result(self, result: T) -> None:
        lock = self._condition
        lock.acquire()
        try:
            if self._state in _DONE:
                raise InvalidStateError(f"{self._state}: {self!r}")
            self._result = result
            self._state = FINISHED
            if self._waiter_list:
                for waiter in self._waiter_list:
                    waiter.add_result(self)
            if self._sleepers:
                self._wake_sleepers()
        finally:
            lock.release()
        if self._callback_list:
            self._invoke_callbacks()

    def set_exception(self, exception: BaseException | None) -> None:
        lock = self._condition
        lock.acquire()
        try:
            if self._state in _DONE:
                raise InvalidStateError(f"{self._state}: {self!r}")
            self._exception = exception
            self._state = FINISHED
            if self._waiter_list:
                for waiter in self._waiter_list:
                    waiter.add_exception(self)
            if self._sleepers:
                self._wake_sleepers()
        finally:
            lock.release()
        if self._callback_list:
            self._invoke_callbacks()
