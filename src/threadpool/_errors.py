"""Errors raised by threadpool.

```text
RuntimeError
├── PoolClosedError         the pool no longer accepts tasks (closed or terminated)
├── QueueFullError          the bounded queue is full and on_full="reject"
└── concurrent.futures.BrokenExecutor
    └── concurrent.futures.thread.BrokenThreadPool
        └── BrokenThreadPool    a worker's initializer raised
```

Each message names the pool, so a log line says which pool refused the task.

``BrokenThreadPool`` is in ``_broken.py``, which says why.
"""

from __future__ import annotations

__all__ = ("PoolClosedError", "QueueFullError")


class PoolClosedError(RuntimeError):
    """Raised by ``run``, ``submit`` and ``map`` once ``close()`` or ``terminate()`` was called.

    It is a ``RuntimeError`` so code written for the standard library's executor, which raises
    ``RuntimeError`` after ``shutdown()``, keeps working.
    """


class QueueFullError(RuntimeError):
    """Raised when the bounded queue is full and the pool was made with ``on_full="reject"``."""
