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
    """A snapshot of a pool's counters, exact at one instant: taken under the pool's lock, after
    applying everything the workers did up to then. Every snapshot satisfies

    - ``submitted == completed + failed + cancelled + pending + assigned + running + in_callers``
      (every accepted task is in exactly one of these);
    - ``running <= workers <= max_workers`` and ``idle + assigned + running <= workers``
      (equal while the pool is ``RUNNING``: each worker is idle, claimed by a task, or busy);
    - ``0 <= pending <= max_queue`` when ``max_queue > 0``: ``pending`` is the very number the
      queue's bound and ``on_full`` are decided on.

    The queue holds ``pending + assigned`` tasks, less those a worker has just taken and not yet
    started. A task counts as running from just after its worker takes it until just after its
    future or callback has been told (so a thread woken by the future may see it running for a
    moment more). Once a pool is ``TERMINATED``, ``submitted == completed + failed + cancelled``.
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
    """Tasks waiting in the queue for a busy worker to be free: what ``max_queue`` bounds."""
    assigned: int
    """Tasks in the queue that an idle or a new worker is about to take (not yet started)."""
    running: int
    """Tasks being run by workers."""
    in_callers: int
    """Tasks being ended outside the workers: run by their submitter (``on_full="caller_runs"``),
    or being discarded by ``terminate()`` or a broken pool, which tells their futures and
    callbacks."""
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
