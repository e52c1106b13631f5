"""ThreadPoolExecutor: a drop-in for ``concurrent.futures.ThreadPoolExecutor``."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from ._pool import ThreadPool

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from typing import Any

    from ._pool import OnFull

__all__ = ("ThreadPoolExecutor",)

_next_pool_number = itertools.count().__next__


class ThreadPoolExecutor(ThreadPool):
    """The standard library's ``ThreadPoolExecutor`` constructor and behaviour, on our pool.

    Threads are named ``f"{thread_name_prefix}_{i}"`` (the prefix defaults to
    ``"ThreadPoolExecutor-N"``), ``submit`` after ``shutdown`` raises ``RuntimeError`` (our
    `PoolClosedError`), and an initializer failure breaks the pool with
    `BrokenThreadPool`. The keyword-only arguments after ``initargs`` are
    `ThreadPool`'s extras.
    """

    _thread_name_format = "{name}_{index}"

    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
        *,
        max_queue: int = 0,
        idle_timeout: float | None = None,
        on_full: OnFull = "block",
        propagate_context: bool = False,
    ) -> None:
        if not isinstance(thread_name_prefix, str):
            raise TypeError(f"thread_name_prefix must be a str, got {thread_name_prefix!r}")
        super().__init__(
            max_workers,
            max_queue,
            name=thread_name_prefix or f"ThreadPoolExecutor-{_next_pool_number()}",
            idle_timeout=idle_timeout,
            initializer=initializer,
            initargs=initargs,
            on_full=on_full,
            propagate_context=propagate_context,
        )

    @property
    def _max_workers(self) -> int:
        # Read by code written against the standard library's class.
        return self.max_workers
