"""Shared fixtures: every pool a test makes is shut down, and no test may leak a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any, Callable

import pytest

from threadpool import ThreadPool

WAIT = 10.0
"""Bound for waits on what must happen; a hang fails the test instead of stalling the run."""


def wait_until(predicate: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll ``predicate`` until it holds, for states no event announces (a caller blocked
    inside the pool, a worker that timed out). Returns False after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.001)
    return True


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before]
    for thread in leaked:
        thread.join(WAIT)
    alive = [t.name for t in leaked if t.is_alive()]
    assert not alive, f"threads still alive after the test: {alive}"


@pytest.fixture
def make_pool() -> Iterator[Callable[..., ThreadPool]]:
    """``make_pool(**kwargs)`` builds a ThreadPool that is terminated and joined after the
    test, whatever the test did to it."""
    pools: list[ThreadPool] = []

    def make(*args: Any, **kwargs: Any) -> ThreadPool:
        pool = ThreadPool(*args, **kwargs)
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.terminate()
    for pool in pools:
        assert pool.join(WAIT), f"{pool!r} did not terminate"
