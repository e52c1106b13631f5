"""The two process-wide events a pool must survive: interpreter exit and fork().

Kept in one place because both need a registry of live pools and a private or global hook.

- Interpreter exit: like the standard library's executor, workers are non-daemon threads and we
  close every live pool from ``threading._register_atexit``, which runs before the interpreter
  joins non-daemon threads. So queued work completes, then the workers exit and the process
  ends. (``atexit`` would run too late: after the join that waits for our idle workers.)
- fork(): the child has only the forking thread; our workers and, possibly, a lock one of them
  held did not come along. ``os.register_at_fork`` resets each pool in the child to a TERMINATED
  pool that refuses work with a clear message, so nothing in the child can hang on it.

``_registry_lock`` guards ``_live`` and ``_exiting`` together, so a pool made while the
interpreter exits is either closed by the exit hook or sees ``_exiting`` and closes itself.
``_live`` holds weak references without callbacks: a callback would run wherever the collector
does, possibly inside this lock. Dead references are dropped as new pools arrive. The lock is
held across fork(), so the child finds the registry whole and the lock free.
"""

from __future__ import annotations

import os
import threading
import weakref

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from ._core import PoolCore

__all__ = ("track",)

_registry_lock = threading.Lock()
_live: list[weakref.ref[PoolCore]] = []  # guarded by _registry_lock
_exiting = False  # guarded by _registry_lock


def track(core: PoolCore) -> None:
    """Register a new pool's core for the exit and fork hooks; close it at once if the
    interpreter is already exiting (as the standard library refuses work then)."""
    global _live
    with _registry_lock:
        if len(_live) >= 16 and (len(_live) & (len(_live) - 1)) == 0:  # at powers of two
            _live = [ref for ref in _live if ref() is not None]
        _live.append(weakref.ref(core))
        exiting = _exiting
    if exiting:
        core.close("was made during interpreter exit")


def _live_cores() -> list[PoolCore]:
    cores = [ref() for ref in _live]
    return [core for core in cores if core is not None]


def _close_all_at_exit() -> None:
    global _exiting
    with _registry_lock:
        _exiting = True
        cores = _live_cores()
    for core in cores:  # outside the lock: closing runs no user code, but takes pool locks
        core.close("was closed at interpreter exit")


def _reset_all_in_child() -> None:
    # The only thread of the child; the lock, held across fork() by the parent's forking
    # thread, is released here as in the parent.
    try:
        for core in _live_cores():
            core.reset_after_fork()
    finally:
        _registry_lock.release()


threading._register_atexit(_close_all_at_exit)  # type: ignore[attr-defined]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_registry_lock.acquire,
        after_in_parent=_registry_lock.release,
        after_in_child=_reset_all_in_child,
    )
