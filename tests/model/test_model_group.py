"""A model of a task group's task fates: hypothesis draws the tasks (each "ok" or "fail"),
the pool's size, the order in which running tasks are let go, and whether the block raises;
a small model predicts what becomes of every task and what the block raises, and the real
group must agree.

Every task holds its worker on a gate of its own until the test opens it, so each step ends in
a state that does not move by itself: the first ``workers`` tasks run, the rest wait in the
queue, first in first out. Opening a gate ends that task; its worker then starts the next
queued task, unless the group is cancelled, in which case every queued task is cancelled at
once, and the running ones are let go. The examples are bounded by
``THREADPOOL_MODEL_EXAMPLES`` (default 200; this model uses a quarter).
"""

from __future__ import annotations

import os
import sys
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadpool import TaskGroup, ThreadPool

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

WAIT = 10.0
"""Bound for what must happen (a task starting, ending, or being cancelled)."""

EXAMPLES = max(1, int(os.environ.get("THREADPOOL_MODEL_EXAMPLES", "200")) // 4)


class Failure(Exception):
    """What a failing task raises; its argument is the task's index."""


class BodyError(Exception):
    """What the block raises when the example says so."""


@dataclass
class Model:
    """What the group must have done: task fates and the failures, in the order they came."""

    workers: int
    kinds: list[str]
    running: list[int] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)
    fates: dict[int, str] = field(default_factory=dict)  # index -> "ok", "failed", "cancelled"
    failures: list[int] = field(default_factory=list)
    cancelled: bool = False

    def __post_init__(self) -> None:
        tasks = list(range(len(self.kinds)))
        self.running, self.queued = tasks[: self.workers], tasks[self.workers :]

    def end(self, index: int) -> list[int]:
        """Task ``index`` (running) ends; return the task that starts in its place, if any."""
        self.running.remove(index)
        if self.kinds[index] == "fail":
            self.fates[index] = "failed"
            self.failures.append(index)
            self.cancel()
        else:
            self.fates[index] = "ok"
        if self.queued and not self.cancelled:
            started = self.queued.pop(0)
            self.running.append(started)
            return [started]
        return []

    def cancel(self) -> None:
        self.cancelled = True
        for index in self.queued:
            self.fates[index] = "cancelled"
        self.queued = []


class Tasks:
    """The real tasks: each signals that it started, then waits for its gate, or for the group
    to be cancelled."""

    def __init__(self, kinds: list[str]) -> None:
        self.kinds = kinds
        self.started = [threading.Event() for _ in kinds]
        self.gates = [threading.Event() for _ in kinds]
        self.group: TaskGroup | None = None

    def __call__(self, index: int) -> int:
        self.started[index].set()
        group = self.group
        assert group is not None
        # Two events to wait for: poll the group's flag between short waits on the gate.
        while not self.gates[index].wait(0.001) and not group.cancelled:
            pass
        if self.kinds[index] == "fail":
            raise Failure(index)
        return index


def fate(future: Future[int]) -> str:
    if future.cancelled():
        return "cancelled"
    return "ok" if future.exception() is None else "failed"


@settings(
    max_examples=EXAMPLES,
    deadline=None,  # each example waits for real threads
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    workers=st.integers(1, 3),
    kinds=st.lists(st.sampled_from(["ok", "ok", "fail"]), min_size=1, max_size=8),
    picks=st.lists(st.integers(0, 7), min_size=1, max_size=8),
    body_raises_after=st.none() | st.integers(0, 8),
)
def test_group_task_fates_follow_the_model(
    workers: int, kinds: list[str], picks: list[int], body_raises_after: int | None
) -> None:
    model = Model(workers, kinds)
    tasks = Tasks(kinds)
    futures: list[Future[int]] = []
    raised: BaseException | None = None
    body_raised = False
    with ThreadPool(workers) as pool:
        try:
            with pool.group() as g:
                tasks.group = g
                futures = [g.submit(tasks, i) for i in range(len(kinds))]
                for index in model.running:
                    assert tasks.started[index].wait(WAIT), f"task {index} did not start"
                steps = 0
                while model.running and not model.cancelled:
                    if body_raises_after == steps:
                        body_raised = True
                        model.cancel()
                        raise BodyError
                    index = model.running[picks[steps % len(picks)] % len(model.running)]
                    starts = model.end(index)
                    tasks.gates[index].set()
                    futures[index].exception(WAIT)  # it ended (failed or not)
                    for started in starts:
                        assert tasks.started[started].wait(WAIT), f"task {started} did not start"
                    steps += 1
        except ExceptionGroup as exc:
            raised = exc
    assert pool.join(WAIT)

    first_failure = model.failures[:1]
    for index in model.running:  # let go by the cancellation: each ends as its kind says
        model.fates[index] = "failed" if kinds[index] == "fail" else "ok"
        if kinds[index] == "fail":
            model.failures.append(index)
    assert {i: fate(f) for i, f in enumerate(futures)} == model.fates
    if not model.failures and not body_raised:
        assert raised is None
        return
    assert isinstance(raised, ExceptionGroup), raised
    errors = list(raised.exceptions)
    if body_raised:
        assert isinstance(errors.pop(), BodyError)  # the block's error comes last
    reported = [error.args[0] for error in errors]
    assert all(isinstance(error, Failure) for error in errors), errors
    assert reported[:1] == first_failure or not first_failure  # the one that cancelled first
    assert sorted(reported) == sorted(model.failures)
    stats = pool.stats()
    assert (stats.submitted, stats.failed, stats.cancelled) == (
        len(kinds),
        len(model.failures),
        sum(f == "cancelled" for f in model.fates.values()),
    )
