"""``BrokenThreadPool``, in a module of its own: it subclasses the standard library's, whose
module (``concurrent.futures.thread``, with ``queue`` and ``heapq``) is loaded only when a pool
breaks or a program names the class, not by ``import threadpool`` (see __init__.py)."""

from __future__ import annotations

from concurrent.futures.thread import BrokenThreadPool as _StdBrokenThreadPool

__all__ = ("BrokenThreadPool",)


class BrokenThreadPool(_StdBrokenThreadPool):
    """Raised when a worker's initializer failed: the pool is broken and runs no more tasks.

    Tasks still waiting when it broke fail with this error, and so does every later call that
    submits work. It subclasses the standard library's ``BrokenThreadPool``, so existing
    ``except`` clauses catch it.
    """
