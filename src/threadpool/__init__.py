"""threadpool: a typed thread pool with bounded queues, a shutdown you can reason about, and
callbacks that never get lost.

>>> from threadpool import ThreadPool
>>> with ThreadPool(4) as pool:
...     list(pool.map(abs, [-1, -2, 3]))
[1, 2, 3]
"""

from __future__ import annotations

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

# Import cost: a program that imports threadpool should pay for it only once it uses it, as
# `import concurrent.futures` loads its executors only when first named. So each public name is
# loaded from its module on first use, by `__getattr__` (PEP 562); benchmarks/import_time.py
# measures both costs and tests/test_import.py checks what is loaded when. Besides, at run time
# no module imports `typing` (each says `TYPE_CHECKING = False` and imports it for type checkers
# only), `asyncio` (run_async() imports it), `dataclasses`, `queue` or `contextvars`.

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._broken import BrokenThreadPool
    from ._errors import PoolClosedError, QueueFullError
    from ._executor import ThreadPoolExecutor
    from ._group import TaskGroup
    from ._pool import OnFull, ThreadPool
    from ._state import PoolState, PoolStats
else:  # at run time only, or type checkers would accept any name as an attribute
    _MODULE_OF = {
        "BrokenThreadPool": "_broken",  # its base class's module costs more than all of ours
        "OnFull": "_pool",  # a typing.Literal, made on first use
        "PoolClosedError": "_errors",
        "PoolState": "_state",
        "PoolStats": "_state",
        "QueueFullError": "_errors",
        "TaskGroup": "_group",
        "ThreadPool": "_pool",
        "ThreadPoolExecutor": "_executor",
    }

    def __getattr__(name: str) -> object:
        if name not in _MODULE_OF:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        # Given a fromlist, __import__ returns the submodule; importlib.import_module, which
        # does the same, measured about a tenth of the package's whole import cost more.
        module = __import__(f"{__name__}.{_MODULE_OF[name]}", fromlist=(name,))
        value = getattr(module, name)
        return globals().setdefault(name, value)


del TYPE_CHECKING  # not part of the API


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
