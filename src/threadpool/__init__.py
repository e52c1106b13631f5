"""threadpool: a typed thread pool with bounded queues, a shutdown you can reason about, and
callbacks that never get lost.

>>> from threadpool import ThreadPool
>>> with ThreadPool(4) as pool:
...     list(pool.map(abs, [-1, -2, 3]))
[1, 2, 3]
"""

from __future__ import annotations

from ._errors import BrokenThreadPool, PoolClosedError, QueueFullError
from ._executor import ThreadPoolExecutor
from ._group import TaskGroup
from ._pool import ThreadPool
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

# Import cost: `import threadpool` is meant to cost what `import concurrent.futures` does
# (benchmarks/import_time.py measures it; tests/test_import.py checks what it loads). So at run
# time no module imports `typing` (each says `TYPE_CHECKING = False` and imports it for type
# checkers only), `asyncio` (run_async() imports it) or `dataclasses`; and `OnFull`, a
# `typing.Literal`, is made on first use by the `__getattr__` below and the one in _pool.py.

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._pool import OnFull
else:  # at run time only, or type checkers would accept any name as an attribute

    def __getattr__(name: str) -> object:
        if name == "OnFull":
            from ._pool import OnFull

            return globals().setdefault(name, OnFull)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


del TYPE_CHECKING  # not part of the API


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
