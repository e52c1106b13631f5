"""Argument checks: bad input fails at the call that passed it, with the name and the value."""

from __future__ import annotations

import functools

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from typing import Any

CO_COROUTINE = 0x80
"""``inspect.CO_COROUTINE``, the code flag of an ``async def``; ``inspect`` is a costly import."""

__all__ = (
    "CO_COROUTINE",
    "check_callable",
    "check_int",
    "check_seconds",
    "coroutine_function",
    "is_coroutine_function",
    "not_callable",
)


def check_int(name: str, value: object, *, minimum: int) -> int:
    """Return ``value`` if it is an int (not a bool) of at least ``minimum``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return value


def check_seconds(name: str, value: object) -> float | None:
    """Return a duration in seconds: None (no limit) or a number >= 0; ``inf`` means None."""
    if value is None:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number of seconds or None, got {value!r}")
    if value != value or value < 0:  # NaN; not math.isnan: math is one more import
        raise ValueError(f"{name} must be >= 0 seconds or None, got {value!r}")
    return None if value == float("inf") else float(value)


def check_callable(name: str, value: Any, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not callable(value):
        raise not_callable(name, value)


def not_callable(name: str, value: object) -> TypeError:
    """The error for an argument that must be callable. Paths run for every task test
    ``callable()`` inline and call this only to fail."""
    return TypeError(f"{name} must be callable, got {value!r}")


def is_coroutine_function(fn: object) -> bool:
    """Whether calling ``fn`` makes a coroutine (``async def``, also as a bound method or inside
    ``functools.partial``). Cheap for the common case: it runs for every task (``run()`` has
    its first two lines inline)."""
    code = getattr(fn, "__code__", None)  # functions, and bound methods pass it on
    if code is not None:
        return bool(code.co_flags & CO_COROUTINE)
    if type(fn) is not functools.partial:
        return False
    import inspect

    return inspect.iscoroutinefunction(fn)


def coroutine_function(name: str, fn: object, call: str) -> TypeError:
    """The error for a coroutine function given where a worker would call it: it would return
    an un-awaited coroutine as its result."""
    return TypeError(
        f"{name} must be a regular function, got coroutine function {fn!r}: {call}() would "
        "only create its coroutine, never run it. From asyncio code, await it directly "
        "(`await pool.run_async(f, ...)` is for blocking functions); to run it on a worker, "
        "pass asyncio.run and the coroutine: `pool.submit(asyncio.run, f(...))`"
    )
