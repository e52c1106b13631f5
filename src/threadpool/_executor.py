"""ThreadPoolExecutor: a drop-in for ``concurrent.futures.ThreadPoolExecutor``."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable

from ._pool import ThreadPool, default_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    import threading
    from typing import Any, Literal

    from ._pool import OnFull

__all__ = ("ThreadPoolExecutor",)

_BROKEN_MESSAGE = "A thread initializer failed, the thread pool is not usable anymore"
"""What the standard library's ``_broken`` holds once an initializer failed."""


class ThreadPoolExecutor(ThreadPool):
    """The standard library's ``ThreadPoolExecutor`` constructor and behaviour, on our pool.

    It accepts every argument the standard library's accepts: ``max_workers`` as any integral
    number (``operator.index``), ``thread_name_prefix=None``, ``initargs`` as any iterable.
    Threads are named ``f"{thread_name_prefix}_{i}"`` (the prefix defaults to
    ``"ThreadPoolExecutor-N"``), ``submit`` after ``shutdown`` raises ``RuntimeError`` (our
    `PoolClosedError`), and an initializer failure breaks the pool with
    `BrokenThreadPool`. The keyword-only arguments after ``initargs`` are
    `ThreadPool`'s extras.

    Code that reads the standard library's private attributes finds read-only equivalents of
    ``_max_workers`` (int), ``_threads`` (a new set of the worker threads), ``_shutdown``
    (bool) and ``_broken`` (False, or the standard library's message).
    """

    _thread_name_format = "{name}_{index}"

    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str | None = "",
        initializer: Callable[..., object] | None = None,
        initargs: Iterable[Any] = (),
        *,
        max_queue: int | None = 0,
        idle_timeout: float | None = None,
        on_full: OnFull = "block",
        propagate_context: bool = False,
    ) -> None:
        if max_workers is not None:
            try:
                max_workers = operator.index(max_workers)
            except TypeError:
                raise TypeError(
                    f"max_workers must be an int or None, got {max_workers!r}"
                ) from None
            if max_workers <= 0:  # the standard library's words, which its tests match
                raise ValueError(f"max_workers must be greater than 0, got {max_workers!r}")
        if thread_name_prefix is not None and not isinstance(thread_name_prefix, str):
            raise TypeError(f"thread_name_prefix must be a str or None, got {thread_name_prefix!r}")
        if isinstance(initargs, (str, bytes)) or not isinstance(initargs, Iterable):
            raise TypeError(f"initargs must be a tuple of arguments, got {initargs!r}")
        super().__init__(
            max_workers,
            max_queue,
            name=thread_name_prefix or default_name("ThreadPoolExecutor"),
            idle_timeout=idle_timeout,
            initializer=initializer,
            initargs=tuple(initargs),
            on_full=on_full,
            propagate_context=propagate_context,
        )

    # Read by code written against the standard library's class; none of them can be set.

    @property
    def _max_workers(self) -> int:
        return self.max_workers

    @property
    def _threads(self) -> set[threading.Thread]:
        return self._core.threads()

    @property
    def _shutdown(self) -> bool:
        return self._core.stopped

    @property
    def _broken(self) -> Literal[False] | str:
        return False if self._core.broken is None else _BROKEN_MESSAGE
