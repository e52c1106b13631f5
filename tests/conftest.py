"""Shared fixtures: every pool a test makes is shut down, and no test may leak a thread."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from typing import Any, Callable

import pytest
from support import WAIT

from threadpool import ThreadPool


def pytest_configure(config: pytest.Config) -> None:
    """``THREADPOOL_SWITCH_INTERVAL=1e-6`` runs the whole session with the interpreter switching
    threads that often, to force interleavings everywhere (CI runs the stress and model tests
    so). The stress tests switch that fast anyway: see tests/stress/conftest.py."""
    interval = os.environ.get("THREADPOOL_SWITCH_INTERVAL")
    if interval:
        sys.setswitchinterval(float(interval))


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
