"""The pool's lifecycle states and its statistics snapshot."""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ("PoolState", "PoolStats")


class PoolState(enum.Enum):
    """Where a pool is in its life. It only moves forward.

    ```text
    RUNNING ──close()──▶ CLOSING ──queue drained, last worker gone──▶ TERMINATED
       │                    │ terminate()                                ▲
       └──terminate()──▶ TERMINATING ──running tasks done, workers gone──┘
    ```
    """

    RUNNING = "running"
    """Accepting tasks."""
    CLOSING = "closing"
    """``close()`` was called: no new tasks; queued tasks still run, then the workers exit."""
    TERMINATING = "terminating"
    """``terminate()`` was called (or the pool broke): queued tasks were discarded; workers exit
    after the task they are running."""
    TERMINATED = "terminated"
    """Shut down, and every worker has left its loop."""


@dataclass(frozen=True)
class PoolStats:
    """A consistent snapshot of a pool's counters, taken under its lock by ``ThreadPool.stats()``.

    Once a pool is ``TERMINATED`` (or whenever nothing is in flight),
    ``submitted == completed + failed + cancelled``. While a worker is busy, the tasks it has
    just finished may still count as ``running``: it counts them when it next gets the pool's
    lock without waiting, and at the latest before it waits for more work.
    """

    state: PoolState
    """The pool's state when the snapshot was taken."""
    max_workers: int
    """The most worker threads the pool will run at once."""
    workers: int
    """Worker threads alive now."""
    idle: int
    """Workers waiting for a task with none assigned to them."""
    pending: int
    """Tasks accepted and waiting in the queue (not yet started)."""
    running: int
    """Tasks started and not yet finished, on workers or (``on_full="caller_runs"``) callers."""
    blocked: int
    """Callers waiting for room in a full queue (``on_full="block"``)."""
    submitted: int
    """Tasks accepted since the pool was created."""
    completed: int
    """Tasks that returned a result."""
    failed: int
    """Tasks that raised, or were failed because the pool broke."""
    cancelled: int
    """Tasks cancelled before they started: by ``terminate()`` or through their future."""
    rejected: int
    """Calls refused: queue full with ``on_full="reject"``, or the pool closed or broken."""
