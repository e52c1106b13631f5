"""The two process-wide events a pool must survive: interpreter exit and fork().

Kept in one place because both need a registry of live pools and a private or global hook.

- Interpreter exit: like the standard library's executor, workers are non-daemon threads and we
  close every live pool from ``threading._register_atexit``, which runs before the interpreter
  joins non-daemon threads. So queued work completes, then the workers exit and the process
  ends. (``atexit`` would run too late: after the join that waits for our idle workers.)
- fork(): the child has only the forking thread; our workers and, possibly, a lock one of them
  held did not come along. ``os.register_at_fork`` resets each pool in the child to a TERMINATED
  pool that refuses work with a clear message, so nothing in the child can hang on it.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._core import PoolCore

__all__ = ("track",)

_live: weakref.WeakSet[PoolCore] = weakref.WeakSet()
_exiting = False


def track(core: PoolCore) -> None:
    """Register a new pool's core for the exit and fork hooks; close it at once if the
    interpreter is already exiting (as the standard library refuses work then)."""
    _live.add(core)
    if _exiting:
        core.close("was made during interpreter exit")


def _close_all_at_exit() -> None:
    global _exiting
    _exiting = True
    for core in list(_live):
        core.close("was closed at interpreter exit")


def _reset_all_in_child() -> None:
    for core in list(_live):
        core.reset_after_fork()


threading._register_atexit(_close_all_at_exit)  # type: ignore[attr-defined]
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_all_in_child)
