"""threadpool: a typed thread pool with bounded queues, a shutdown you can reason about, and
callbacks that never get lost.

>>> from threadpool import ThreadPool
>>> with ThreadPool(4) as pool:
...     list(pool.map(abs, [-1, -2, 3]))
[1, 2, 3]
"""

from __future__ import annotations

import logging

from ._errors import BrokenThreadPool, PoolClosedError, QueueFullError
from ._executor import ThreadPoolExecutor
from ._group import TaskGroup
from ._pool import OnFull, ThreadPool
from ._state import PoolState, PoolStats

__all__ = (
    "BrokenThreadPool",
    "OnFull",
    "PoolClosedError",
    "PoolState",
    "PoolStats",
    "QueueFullError",
    "TaskGroup",
    "ThreadPool",
    "ThreadPoolExecutor",
)

__version__ = "0.1.0"

logging.getLogger("threadpool").addHandler(logging.NullHandler())
