"""Argument checks: bad input fails at the call that passed it, with the name and the value."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from typing import Any

__all__ = ("check_callable", "check_int", "check_seconds", "not_callable")


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
