"""The pool's lifecycle states and its statistics snapshot."""

from __future__ import annotations

import enum

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    from dataclasses import dataclass as _typed_as_dataclass
    from typing import Final
else:

    def _typed_as_dataclass(**_options: object) -> object:
        return lambda cls: cls

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


_FIELDS: Final = (
    "state",
    "max_workers",
    "workers",
    "idle",
    "retiring",
    "pending",
    "assigned",
    "running",
    "in_callers",
    "blocked",
    "submitted",
    "completed",
    "failed",
    "cancelled",
    "rejected",
)


# Type checkers see a frozen dataclass, so they reject an assignment to a field; at run time the
# class below does what the dataclass would, without importing `dataclasses`.
@_typed_as_dataclass(frozen=True, init=False, repr=False, eq=False)
class PoolStats:
    """A snapshot of a pool's counters, exact at one instant: taken under the pool's lock, after
    applying everything the workers did up to then. Every snapshot satisfies

    - ``submitted == completed + failed + cancelled + pending + assigned + running + in_callers``
      (every accepted task is in exactly one of these);
    - ``running <= workers`` and ``idle + assigned + running + retiring <= workers`` (equal
      while the pool is ``RUNNING``: each worker is idle, claimed by a task, busy, or leaving);
    - ``workers - retiring <= max_workers``, except after ``resize()`` shrank the pool, until
      the workers beyond the new bound have finished the task they were running;
    - ``0 <= pending <= max_queue`` when ``max_queue > 0``: ``pending`` is the very number the
      queue's bound and ``on_full`` are decided on.

    The queue holds ``pending + assigned`` tasks, less those a worker has just taken and not yet
    started. A task counts as running from just after its worker takes it until just after its
    future or callback has been told (so a thread woken by the future may see it running for a
    moment more). Once a pool is ``TERMINATED``, ``submitted == completed + failed + cancelled``.

    Immutable, and compared, hashed, printed and pickled by its fields' values, as a frozen
    dataclass would be. (It is not one: ``dataclasses`` imports ``inspect``, which would cost
    more than the rest of ``import threadpool`` together.)
    """

    __slots__ = _FIELDS
    __match_args__ = _FIELDS

    state: PoolState
    """The pool's state when the snapshot was taken."""
    max_workers: int
    """The most worker threads the pool will run at once (moved by ``resize()``)."""
    workers: int
    """Worker threads alive now."""
    idle: int
    """Workers waiting for a task with none assigned to them."""
    retiring: int
    """Idle workers beyond the bound, told to leave after ``resize()`` shrank the pool, that have
    not left yet (0 once the pool is shut down, when every worker leaves)."""
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

    def __init__(
        self,
        state: PoolState,
        max_workers: int,
        workers: int,
        idle: int,
        retiring: int,
        pending: int,
        assigned: int,
        running: int,
        in_callers: int,
        blocked: int,
        submitted: int,
        completed: int,
        failed: int,
        cancelled: int,
        rejected: int,
    ) -> None:
        values = (state, max_workers, workers, idle, retiring, pending, assigned,
                  running, in_callers, blocked, submitted, completed, failed, cancelled,
                  rejected)  # fmt: skip
        # Through the slots' own descriptors, past the __setattr__ that refuses: half the cost
        # of object.__setattr__ by name, and stats() makes one under the pool lock.
        for set_field, value in zip(_SETTERS, values, strict=True):
            set_field(self, value)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    if not TYPE_CHECKING:  # hidden from type checkers, which would then allow any attribute

        def __setattr__(self, name: str, value: object) -> None:
            raise AttributeError(f"PoolStats is a snapshot: cannot set {name!r}")

        def __delattr__(self, name: str) -> None:
            raise AttributeError(f"PoolStats is a snapshot: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PoolStats):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"PoolStats({fields})"

    def __reduce__(self) -> tuple[type[PoolStats], tuple[object, ...]]:
        return (PoolStats, self._values())


_SETTERS: Final = tuple(PoolStats.__dict__[name].__set__ for name in _FIELDS)
"""Each field's slot descriptor's ``__set__``, in ``_FIELDS`` order (see ``PoolStats.__init__``)."""
