"""Helpers shared by the tests: import them with ``from support import WAIT, wait_until``.

(Not from ``conftest``: each test folder has a conftest of its own, and they share one name.)
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
