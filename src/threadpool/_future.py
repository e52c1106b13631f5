"""The Future that ``submit()`` returns: a ``concurrent.futures.Future``, made cheaper.

The standard library's Future builds a ``threading.Condition`` for each future, which is pure
Python and costs more than the rest of a no-op task; its ``set_result`` then notifies that
condition even when nobody waits, which is the usual case in a busy pool. We keep every method
of ``concurrent.futures.Future`` as it is and only swap the condition for ``_LazyCondition``:
the C ``RLock`` itself, with a list of sleeping threads that is made only when a thread waits.
It offers what Future and the module's ``wait()``/``as_completed()`` use of a condition:
``acquire``/``release``/``with``, ``wait(timeout)`` and ``notify_all()``.
"""

from __future__ import annotations

import _thread
from concurrent.futures import Future
from concurrent.futures._base import PENDING
from typing import Any, TypeVar

__all__ = ("PoolFuture",)

T = TypeVar("T")


class _LazyCondition(_thread.RLock):  # type: ignore[misc]  # typeshed: final; CPython: not
    """A reentrant lock with ``wait()``/``notify_all()``, as ``threading.Condition(RLock())``
    but free until somebody waits."""

    _sleepers: list[_thread.LockType] | None = None
    """One held lock per waiting thread; notify_all() releases them. Guarded by self."""

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, sleep until notified or ``timeout``, take the lock back."""
        sleeper = _thread.allocate_lock()
        sleeper.acquire()
        if self._sleepers is None:
            self._sleepers = []
        self._sleepers.append(sleeper)
        saved = self._release_save()  # type: ignore[attr-defined]
        woken = False
        try:
            if timeout is None:
                woken = sleeper.acquire()
            elif timeout > 0:
                woken = sleeper.acquire(True, timeout)
            else:
                woken = sleeper.acquire(False)
            return woken
        finally:
            self._acquire_restore(saved)  # type: ignore[attr-defined]
            if not woken and self._sleepers is not None and sleeper in self._sleepers:
                self._sleepers.remove(sleeper)

    def notify_all(self) -> None:
        """Wake every waiting thread. Call with the lock held."""
        sleepers = self._sleepers
        if sleepers:
            self._sleepers = None
            for sleeper in sleepers:
                sleeper.release()


class PoolFuture(Future[T]):
    """A ``concurrent.futures.Future`` whose condition costs nothing until a thread waits."""

    def __init__(self) -> None:  # replaces Future.__init__ only to swap the condition
        self._condition = _LazyCondition()  # type: ignore[assignment]
        self._state = PENDING
        self._result: Any = None
        self._exception: BaseException | None = None
        self._waiters: list[Any] = []
        self._done_callbacks: list[Any] = []
