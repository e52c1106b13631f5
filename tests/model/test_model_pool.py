"""A model-based test: hypothesis drives a real pool with random operations and, after every
step, checks it against a small pure-Python model of what the pool must have done.

Every task blocks on a gate of its own until a rule opens it, so each step ends in a state
that does not move by itself. The model predicts that state exactly: which tasks run, which
wait in the queue (first in, first out), which ended and how, how many workers exist (lazy
spawn: as many as the most tasks ever outstanding, up to ``max_workers``), the lifecycle
state, every counter of ``stats()``, and what each task's waiter and callback were told. A
thread reads ``stats()`` all along, as monitoring does, and checks every snapshot's invariants.

The run is bounded by a settings profile: ``THREADPOOL_MODEL_EXAMPLES`` (default 200) examples
of at most 30 steps each.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import CancelledError, Future
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from support import Monitor

from threadpool import PoolClosedError, PoolState, QueueFullError, ThreadPool

WAIT = 10.0
"""Bound for what must happen (a task ending once released, the pool terminating)."""

SETTLE = 3.0
"""Bound for the pool's counters to reach the predicted state after a step (they take
microseconds; a failing example waits this long, and hypothesis shrinks over many)."""

SHORT = 0.01
"""Bound for what must not happen (join() returning True on a pool that is not done)."""

settings.register_profile(
    "threadpool-model",
    max_examples=int(os.environ.get("THREADPOOL_MODEL_EXAMPLES", "200")),
    stateful_step_count=30,
    deadline=None,  # each step waits for real threads
    suppress_health_check=[HealthCheck.too_slow],
)

RUNNING, CLOSING = PoolState.RUNNING, PoolState.CLOSING
TERMINATING, TERMINATED = PoolState.TERMINATING, PoolState.TERMINATED

ERRORS: dict[str, type[BaseException]] = {
    "error": ValueError,
    "system-exit": SystemExit,
    "keyboard-interrupt": KeyboardInterrupt,
}


BURST = st.lists(st.sampled_from(["ok", "ok", *ERRORS]), min_size=1, max_size=3)
"""One to three tasks submitted in a row: bursts make tasks queue up behind busy workers."""


@dataclass
class Task:
    """One accepted task: the real gate and what it was told, next to the model's view."""

    key: int
    via: str  # "run" or "submit"
    behaviour: str  # "ok" or a key of ERRORS
    gate: threading.Event = field(default_factory=threading.Event)
    started: threading.Event = field(default_factory=threading.Event)
    future: Future[Any] | None = None
    told: list[tuple[bool, Any]] = field(default_factory=list)
    # --- the model's view ---
    status: str = "queued"  # queued, running, ok, failed, cancelled
    cancelled_by_user: bool = False  # cancelled through its future while queued

    def __call__(self) -> str:
        self.started.set()
        if not self.gate.wait(WAIT):
            raise AssertionError(f"task {self.key} was never released")
        if self.behaviour != "ok":
            raise ERRORS[self.behaviour](self.key)
        return f"result {self.key}"

    def tell(self, success: bool, value: Any) -> None:
        self.told.append((success, value))

    def watch(self, future: Future[Any]) -> None:
        self.future = future

        def done(f: Future[Any]) -> None:
            if f.cancelled():
                self.tell(False, CancelledError())
            elif f.exception() is not None:
                self.tell(False, f.exception())
            else:
                self.tell(True, f.result())

        future.add_done_callback(done)


class PoolMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.pool: ThreadPool | None = None
        self.tasks: list[Task] = []
        # --- the model ---
        self.state = RUNNING
        self.workers = 0
        self.queue: list[Task] = []
        self.running: list[Task] = []
        self.counts = {"submitted": 0, "completed": 0, "failed": 0, "cancelled": 0, "rejected": 0}

    @initialize(
        max_workers=st.sampled_from([1, 1, 2, 3]),  # few workers: tasks queue up more often
        max_queue=st.integers(0, 3),
    )
    def make_pool(self, max_workers: int, max_queue: int) -> None:
        self.max_workers, self.max_queue = max_workers, max_queue
        self.pool = ThreadPool(max_workers, max_queue, name="model", on_full="reject")
        # Another thread reads stats() all the time, as monitoring does, and checks that every
        # snapshot keeps the invariants of the counts, between the steps and during them.
        self.monitor = Monitor(self.pool, max_queue)

    # ------------------------------------------------------------------ the model's rules

    def settle(self) -> None:
        """Let the model run as far as it can on its own: free workers take queued tasks in
        order (skipping those cancelled through their future), released tasks end."""
        progress = True
        while progress:
            progress = False
            for task in list(self.running):
                if task.gate.is_set():
                    self.running.remove(task)
                    self.end(task, "ok" if task.behaviour == "ok" else "failed")
                    progress = True
            while self.queue and len(self.running) < self.workers:
                task = self.queue.pop(0)
                if task.cancelled_by_user:
                    self.end(task, "cancelled")
                else:
                    task.status = "running"
                    self.running.append(task)
                progress = True
        if self.state is not RUNNING:
            self.workers = len(self.running)  # a free worker takes its sentinel and leaves
            if not self.running and not self.queue:
                self.state = TERMINATED

    def end(self, task: Task, status: str) -> None:
        task.status = status
        self.counts[{"ok": "completed", "failed": "failed", "cancelled": "cancelled"}[status]] += 1

    def accept(self, task: Task, call: Any) -> None:
        """Call ``call`` (which submits ``task``) and check it is accepted or refused as the
        model says."""
        if self.state is not RUNNING:
            expected: type[BaseException] | None = PoolClosedError
        elif self.max_queue and len(self.queue) >= self.max_queue:
            expected = QueueFullError  # every worker is busy and max_queue tasks wait
        else:
            expected = None
        try:
            call()
        except (PoolClosedError, QueueFullError) as exc:
            assert type(exc) is expected, f"refused with {exc!r}, expected {expected}"
            self.counts["rejected"] += 1
            return
        assert expected is None, f"accepted, but the model expected {expected.__name__}"
        self.counts["submitted"] += 1
        self.tasks.append(task)
        outstanding = len(self.queue) + len(self.running)
        if outstanding >= self.workers and self.workers < self.max_workers:
            self.workers += 1  # no idle worker, and room for one more: lazy spawn
        self.queue.append(task)
        self.settle()

    # ------------------------------------------------------------------ rules

    @rule(behaviours=BURST)
    def submit(self, behaviours: list[str]) -> None:
        assert self.pool is not None
        pool = self.pool
        for behaviour in behaviours:
            task = Task(len(self.tasks), "submit", behaviour)
            self.accept(task, lambda task=task: task.watch(pool.submit(task)))

    @rule(behaviours=BURST)
    def run(self, behaviours: list[str]) -> None:
        assert self.pool is not None
        pool = self.pool
        for behaviour in behaviours:
            task = Task(len(self.tasks), "run", behaviour)
            self.accept(task, lambda task=task: pool.run(task, (), task.tell))

    @precondition(lambda self: any(not t.gate.is_set() for t in self.tasks))
    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from([t for t in self.tasks if not t.gate.is_set()]))
        task.gate.set()
        self.settle()

    @precondition(lambda self: any(t.future is not None for t in self.tasks))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        task = data.draw(st.sampled_from([t for t in self.tasks if t.future is not None]))
        assert task.future is not None
        expected = task.status in ("queued", "cancelled")
        assert task.future.cancel() is expected, f"cancel() of a task that is {task.status}"
        if task.status == "queued":
            task.cancelled_by_user = True
        self.settle()

    @precondition(lambda self: bool(self.tasks))  # stopping an unused pool is dull
    @rule()
    def close(self) -> None:
        assert self.pool is not None
        self.pool.close()
        if self.state is RUNNING:
            self.state = CLOSING
        self.settle()

    @precondition(lambda self: bool(self.tasks))  # stopping an unused pool is dull
    @rule(via_shutdown=st.booleans())
    def terminate(self, via_shutdown: bool) -> None:
        assert self.pool is not None
        if via_shutdown:
            self.pool.shutdown(wait=False, cancel_futures=True)
        else:
            self.pool.terminate()
        self.terminate_model()
        # terminate() tells every discarded task before it returns.
        for task in self.tasks:
            if task.status == "cancelled":
                assert len(task.told) == 1, f"task {task.key} was told {task.told}"
        self.settle()

    @precondition(lambda self: bool(self.tasks))  # stopping an unused pool is dull
    @rule(cancel_futures=st.booleans())
    def release_all_and_shutdown(self, cancel_futures: bool) -> None:
        """shutdown(wait=True) returns once the pool is TERMINATED (bounded here by a thread)."""
        assert self.pool is not None
        pool = self.pool
        waiter = threading.Thread(target=pool.shutdown, kwargs={"cancel_futures": cancel_futures})
        waiter.start()
        # Open the gates only once the pool has stopped (stats() takes the pool's lock, so the
        # queue is already emptied by then): else a worker freed by an open gate could start a
        # task that terminate() is about to cancel.
        stopped = {TERMINATING, TERMINATED}
        if not cancel_futures:
            stopped.add(CLOSING)
        deadline = time.monotonic() + WAIT
        while pool.stats().state not in stopped and time.monotonic() < deadline:
            time.sleep(0.0005)
        for task in self.tasks:
            task.gate.set()
        waiter.join(WAIT)
        assert not waiter.is_alive(), "shutdown(wait=True) hung"
        if cancel_futures:
            self.terminate_model()
        elif self.state is RUNNING:
            self.state = CLOSING
        self.settle()
        assert self.state is TERMINATED
        assert self.pool.state is TERMINATED

    def terminate_model(self) -> None:
        """What terminate() does in the model: every queued task is cancelled at once."""
        if self.state in (RUNNING, CLOSING):
            self.state = TERMINATING
            for task in self.queue:
                self.end(task, "cancelled")
            self.queue.clear()

    @rule()
    def join(self) -> None:
        assert self.pool is not None
        if self.state is TERMINATED:
            assert self.pool.join(WAIT)
        else:
            assert not self.pool.join(SHORT), "join() returned True before the pool was done"

    # ------------------------------------------------------------------ the check

    def expected_stats(self) -> dict[str, object]:
        expected: dict[str, object] = dict(self.counts)
        expected.update(
            state=self.state,
            workers=self.workers,
            pending=len(self.queue),
            assigned=0,  # a settled pool has no task claimed and not yet started
            running=len(self.running),
            in_callers=0,
            blocked=0,
        )
        # After a stop the pool does not keep ``idle`` exact: an idle worker that leaves on a
        # sentinel can leave a busy one counted as idle. It plays no part in claims then.
        if self.state is RUNNING:
            expected["idle"] = self.workers - len(self.running)
        return expected

    def observed_stats(self) -> dict[str, object]:
        assert self.pool is not None
        stats = self.pool.stats()
        return {name: getattr(stats, name) for name in self.expected_stats()}

    @invariant()
    def pool_matches_model(self) -> None:
        if self.pool is None:
            return
        expected = self.expected_stats()
        deadline = time.monotonic() + SETTLE
        while self.observed_stats() != expected and time.monotonic() < deadline:
            time.sleep(0.0005)  # the pool's counters settle just after futures are set
        assert self.observed_stats() == expected
        for task in self.tasks:
            if task.status in ("running", "ok", "failed"):
                # Taken off the queue is "running" in stats() a moment before the first line of
                # the task has run: wait for that line, within the bound.
                assert task.started.wait(SETTLE), f"task {task.key} is {task.status}"
            else:
                assert not task.started.is_set(), f"task {task.key} is {task.status}"
            self.check_told(task)

    def check_told(self, task: Task) -> None:
        if task.status in ("queued", "running") and not task.cancelled_by_user:
            assert task.told == [], f"task {task.key} is {task.status} but was told {task.told}"
            return
        deadline = time.monotonic() + SETTLE
        while not task.told and time.monotonic() < deadline:
            time.sleep(0.0005)  # a callback runs just after the task ends
        assert len(task.told) == 1, f"task {task.key} was told {task.told}"
        ((success, value),) = task.told
        if task.status == "ok":
            assert (success, value) == (True, f"result {task.key}")
        elif task.status == "failed":
            assert not success and type(value) is ERRORS[task.behaviour]
        else:
            assert not success and isinstance(value, CancelledError)
        if task.future is not None:
            assert task.future.done()

    def teardown(self) -> None:
        if self.pool is None:
            return
        try:
            for task in self.tasks:
                task.gate.set()
            self.pool.terminate()
            assert self.pool.join(WAIT), f"{self.pool!r} did not terminate: {self.pool.stats()}"
        finally:
            self.monitor.stop()  # raises what a snapshot broke, if one did


TestPoolModel = PoolMachine.TestCase
TestPoolModel.settings = settings.get_profile("threadpool-model")
