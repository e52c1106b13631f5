"""The engine behind ThreadPool: one lock, one task queue, and the workers that drain it.

Claims: how lazy spawning, idle workers and idle time-outs agree
================================================================
A task must never wait while an allowed worker could start, and a worker that times out
must never strand a task. Both are settled by counting *claims* under the pool lock. Each
task put on the queue is claimed, at that moment, by exactly one worker that is (or is about to
be) waiting in ``queue.get()``:

- an idle worker, if there is one (``_idle -= 1``);
- else a new worker, if fewer than ``max_workers`` exist (it is spawned for this task);
- else nobody yet (``_unclaimed += 1``): the next worker that finishes a task claims it
  instead of going idle.

Claims are counted, not named: whichever waiting worker wakes first takes whichever task is
first, and the counts still match. The rule for time-outs follows: a worker whose ``get()``
timed out may exit only if ``_idle > 0``, i.e. there are more waiting workers than queued
tasks, and it removes itself from ``_idle`` as it leaves. If ``_idle`` is 0, a task arrived
and claimed it (the ``get()`` lost the race), so it waits again and runs that task.

The ``max_queue`` bound counts unclaimed tasks only: those waiting because every worker is
busy, which ``stats()`` reports as ``pending``. A claimed task (``_assigned``, until its worker
takes it) is as good as started, so a pool with idle workers never reports itself full. A
blocked submitter is woken when a finishing worker claims a waiting task.

Accounting: workers record, whoever holds the lock applies
==========================================================
The counts are exact for every holder of the pool lock, yet a worker never waits for that
lock between tasks. Waiting there set off a lock convoy: the lock's holder may be a submitter
that the scheduler interrupted while holding it, and each worker that queued behind it
slept, so one contended moment grew into a context switch per task (13,000 contended
acquisitions in 100,000 tasks, measured).

Instead a worker *records* what it did in ``_log``, a ``collections.deque``, and goes on:

- ``STARTED`` when it takes a task off the queue after waiting for one;
- ``ENDED[outcome]`` (the outcome: ``COMPLETED``, ``FAILED`` or ``CANCELLED``) when it has
  ended a task and the queue is empty (it is about to wait);
- ``ENDED_NEXT[outcome]`` when it has ended a task and at once taken the next one.

A record is an int whose bit fields count what it stands for (a start, and a task ended with
each outcome), so that the lock holder applies any number of records by adding them up in C
(``sum()``), where a loop in Python over one record per task cost a tenth of the task's path.

Every thread that takes the lock to read the counts or to stop the pool applies the log first
(``_apply_records_locked``, flat combining). ``accept()`` applies it when its decision could
depend on it, and otherwise makes a change that comes out the same whether the log is applied
before it or after (see the comment in ``accept()``). A finish moves a task from ``_running`` to
``_outcomes`` and applies the claims rule for its worker (it claims an unclaimed task, else,
while RUNNING, it is idle again); a start moves a task from ``_assigned`` to ``_running``.
One worker's records are applied in the order it made them, since the log is one FIFO, and
that is all the claims rule needs: a worker takes a task only while it holds a claim
(spawned for one, given one while idle, or taking one as it finishes), so ``_assigned`` never
goes below zero. A task starts and ends, for the counts, at the moment its record is made:
just after its worker takes it, and just after its future or callback has been told.

A worker applies the log itself only now and then: when it has grown to ``_LOG_SPAN``
records, it tries the lock without waiting. If the lock is held, the worker tries again only
when the log is ``_LOG_SPAN`` records longer than it was then (even if another thread has
applied it meanwhile): a try at every task failed for 15 to 80% of the tasks while a
submitter kept taking the lock (measured). So the log stays shorter than ``_LOG_SPAN`` past
the longest it was at a failed try.

A worker waits for the lock only when a submitter is blocked on a full queue (``_blocked``):
its finish may have made room, and only a lock holder can wake that submitter. The two meet
at the log, whose appends are atomic: a submitter increments ``_blocked`` and appends
``_WAKE`` before it drains the log and sleeps; a worker appends its record and then reads
``_blocked``. Whichever append comes second, its thread sees the other's write: the
submitter drains the worker's record, or the worker sees the submitter blocked.

Resizing: surplus workers leave between tasks
=============================================
``resize()`` moves ``max_workers`` at any time. Growing starts a worker at once for each task
that waits for one (``_unclaimed``), up to the new bound, and wakes the submitters that room
was made for. Shrinking never interrupts a task: of the workers beyond the bound
(``_workers - _sentinels - max_workers``), idle ones are told to leave at once, each by a
``_STOP`` on the queue that takes the place of its idle claim (so ``_sentinels`` counts them
while RUNNING: they are *retiring*), and the others are counted in ``_surplus``. A busy worker
that finishes a task while ``_surplus > 0`` leaves instead of taking the next one, and a
finish that would make a worker idle retires it instead, so ``_surplus > 0`` implies
``_idle == 0`` and the surplus drains as the running tasks end. A new worker starts only while
``_workers - _sentinels < max_workers``: retiring workers do not count towards the bound.

Stopping: a sentinel per worker
===============================
``close()`` and ``terminate()`` put one ``_STOP`` sentinel per live worker on the queue. The
queue itself is unbounded (the ``max_queue`` bound is enforced by ``accept()``), so a sentinel
is never refused and never blocks. The queue is FIFO, so after ``close()`` every task queued
before the sentinels runs first. ``terminate()`` first takes every task off the queue and
discards it. Each worker leaves on the first sentinel it takes; the last one to leave, once no
task is being ended elsewhere, moves the pool to TERMINATED.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import threading
import time
from _queue import Empty, SimpleQueue  # what `queue` imports; `queue` also loads heapq
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError

from ._errors import PoolClosedError, QueueFullError
from ._state import PoolState, PoolStats
from ._tasks import (
    CANCELLED,
    COMPLETED,
    FAILED,
    KINDED,
    Task,
    call_failed,
    callback_failed,
    discard_task,
    run_task,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see __init__.py)
if TYPE_CHECKING:
    import queue
    from typing import Any, Final

    from ._broken import BrokenThreadPool

__all__ = ("PoolCore",)

logger: Final = logging.getLogger("threadpool")

_STOP: Final = object()
"""The sentinel a worker leaves on. Never counted as a task."""

RUNNING: Final = PoolState.RUNNING
CLOSING: Final = PoolState.CLOSING
TERMINATING: Final = PoolState.TERMINATING
TERMINATED: Final = PoolState.TERMINATED

# What a worker records in ``_log`` (see "Accounting"): ints made of four bit fields of
# _FIELD bits, which count starts and tasks ended COMPLETED, FAILED and CANCELLED (the
# outcomes from _tasks: 0, 1 and 2), so that a sum of records counts each. A sum of fewer than
# 2 ** _FIELD records cannot carry from one field into the next, and stays below 2 ** 60,
# where sum() adds in C integers.
_FIELD: Final = 15
_MASK: Final = (1 << _FIELD) - 1
_SUM_SPAN: Final = _MASK
"""The most records added up at once."""
STARTED: Final = 1
"""The worker took a task off the queue after waiting for one."""
ENDED: Final = tuple(1 << _FIELD * (1 + outcome) for outcome in range(3))
"""By outcome: the worker ended a task."""
ENDED_NEXT: Final = tuple(ended + STARTED for ended in ENDED)
"""By outcome: the worker ended a task and at once took the next one."""
_WAKE: Final = 0
"""Appended by a submitter about to sleep on a full queue; counts nothing."""
_LOG_SPAN: Final = 64
"""Records a worker lets pile up before it tries to apply them itself, and more records it
lets pile up before it tries again when the lock was held: the lock's holders apply them
anyway, and in one pass a record costs less than a pass per task."""

# accept() tells its caller what became of the task.
QUEUED: Final = 0
"""The task is on the queue; a worker will run it."""
RUN_HERE: Final = 1
"""The queue is full and ``on_full="caller_runs"``: the caller must run it through run_here()."""
FULL: Final = 2
"""The queue is full and the caller asked not to block: nothing was accepted."""


class PoolCore:
    """The pool's shared state and its workers. It holds no reference to the ThreadPool that owns
    it, so a pool dropped without shutdown can be collected (and then closes this core).

    ``_lock`` guards every field below it. Whenever ``_lock`` is released:

    - ``0 <= _workers``, which counts threads started (counted just before their ``start()``,
      see _spawn_locked) and not yet left; while RUNNING,
      ``_workers - _sentinels <= _max_workers + _surplus`` (equal to the bound after a shrink,
      until the surplus has left; see "Resizing").
    - Once ``_log`` and ``_taken`` are applied (see "Accounting"): every accepted task is counted in
      exactly one of ``_unclaimed`` (queued, waiting for a busy worker), ``_assigned`` (queued or
      just taken, claimed by a worker that has not recorded its start), ``_running`` (started by
      a worker), ``_elsewhere`` (being run by its caller under ``on_full="caller_runs"``, or
      being discarded) and ``_outcomes``. So ``_submitted == sum(_outcomes) + _unclaimed +
      _assigned + _running + _elsewhere``, each term >= 0.
    - ``_unclaimed > 0`` or ``_surplus > 0`` implies ``_idle == 0`` (see "Claims" and
      "Resizing"); while RUNNING, ``_workers == _idle + _assigned + _running + _sentinels``
      (each worker is idle, claimed, busy or retiring), and each worker runs one task at a
      time, so ``_running <= _workers``.
    - With ``max_queue``: ``_unclaimed <= max_queue``.
    - ``_sentinels`` counts sentinels put and not yet taken by a worker's exit: while RUNNING,
      those of retiring workers (see "Resizing"); at most ``_workers``.
    - ``_state`` only moves forward; it is TERMINATED exactly when it is not RUNNING, no worker is
      alive and no task is being ended outside a worker (``_elsewhere == 0``).
    """

    # Slots, not an instance dict: CPython (3.11 to 3.13) keeps an instance's attributes inline,
    # where its specialised attribute and method loads find them, only while they are fewer than 30.
    # This class has 30, and with a dict every ``self._m()`` on the hot paths took the generic
    # lookup: 1,076 more instructions per run() (benchmarks/instructions.py). A new field must
    # be named here.
    __slots__ = (
        "__weakref__",  # _lifecycle's registry of live pools
        "_assigned",
        "_blocked",
        "_broken",
        "_elsewhere",
        "_forked",
        "_here",
        "_idle",
        "_idle_timeout",
        "_initargs",
        "_initializer",
        "_lock",
        "_log",
        "_max_queue",
        "_max_workers",
        "_not_full",
        "_on_full",
        "_outcomes",
        "_queue",
        "_rejected",
        "_running",
        "_sentinels",
        "_spawned",
        "_state",
        "_stopped_by",
        "_submitted",
        "_surplus",
        "_taken",
        "_terminated",
        "_thread_name_format",
        "_threads",
        "_unclaimed",
        "_workers",
        "name",
    )

    def __init__(
        self,
        *,
        name: str,
        max_workers: int,
        max_queue: int,
        idle_timeout: float | None,
        on_full: str,
        initializer: Callable[..., object] | None,
        initargs: tuple[Any, ...],
        thread_name_format: str,
    ) -> None:
        self.name: Final = name
        self._max_queue: Final = max_queue
        self._idle_timeout: Final = idle_timeout
        self._on_full: Final = on_full
        self._initializer: Final = initializer
        self._initargs: Final = initargs
        self._thread_name_format: Final = thread_name_format
        if initializer is not None:
            # Loaded now, in the thread making the pool: a worker whose initializer fails
            # needs it, and at interpreter exit its module could no longer be imported.
            from . import _broken  # noqa: F401

        self._queue: SimpleQueue[Any] | queue.Queue[Any] = _new_queue(idle_timeout)
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)  # submitters blocked on a full queue
        self._terminated = threading.Condition(self._lock)  # join() waits here
        self._here = threading.local()  # .depth: see _running_tasks_here()
        self._log: collections.deque[int] = collections.deque()  # workers' records: "Accounting"
        # --- guarded by _lock ---
        self._taken: list[int] = []  # sums of records taken off _log, not yet applied
        self._state = RUNNING
        self._stopped_by: str | None = None  # what stopped it, for the refusal's message
        self._broken: BrokenThreadPool | None = None
        self._forked = False
        self._max_workers = max_workers
        self._surplus = 0  # busy workers to leave after their task: see "Resizing"
        self._workers = 0
        self._idle = 0
        self._unclaimed = 0
        self._assigned = 0
        self._running = 0
        self._sentinels = 0
        self._blocked = 0  # submitters waiting in accept() for room
        self._elsewhere = 0  # tasks being run in a caller or discarded, outside any worker
        self._threads: set[threading.Thread] = set()
        self._spawned = 0  # numbers the threads' names
        self._submitted = 0
        self._rejected = 0
        self._outcomes = [0, 0, 0]  # indexed by COMPLETED, FAILED, CANCELLED

    # ------------------------------------------------------------------ accepting tasks

    def accept(self, task: Task, *, may_block: bool = True) -> int:
        """Take ``task`` on; return QUEUED, RUN_HERE or FULL (only when not ``may_block``).

        Raises PoolClosedError or BrokenThreadPool when the pool takes no tasks, QueueFullError
        when full with ``on_full="reject"``, and whatever starting a thread raised. When it
        raises, nothing was accepted.
        """
        # The log is applied only where a decision could depend on it. Records only add idle
        # workers and take tasks off ``_unclaimed``, so the counts as they stand err one way: a
        # pool that looks to have room has room, and a task claimed by an idle worker, or left
        # unclaimed at ``max_workers``, ends up counted the same whether the log is applied
        # before the claim or after. Only a pool that looks full, or that would start a worker
        # while a recorded finish may have left one idle, must apply it first.
        # ``with``, not acquire() and try, though it costs twice as much: an interrupt (SIGINT's
        # KeyboardInterrupt) can land just after a call returns, and there, before ``try``, it
        # would leave the lock held (see docs/shutdown.md, "Ctrl-C in the middle of a call").
        with self._lock:
            if self._state is not RUNNING:
                self._refuse_locked()
            if self._max_queue and self._unclaimed >= self._max_queue:
                self._apply_records_locked()
                if self._unclaimed >= self._max_queue:
                    if self._on_full == "reject":
                        self._rejected += 1
                        raise QueueFullError(
                            f"pool {self.name!r}: the task queue is full "
                            f"({self._max_queue} waiting)"
                        )
                    if self._on_full == "caller_runs":
                        self._submitted += 1
                        self._elsewhere += 1
                        return RUN_HERE
                    if not may_block:
                        return FULL
                    self._wait_for_room_locked()
            # _claim_locked(1), its two commonest cases inline
            started_worker = False
            if self._idle:
                self._idle -= 1
                self._assigned += 1
            elif self._workers - self._sentinels < self._max_workers:
                self._apply_records_locked()
                spawned = self._spawned
                self._claim_locked(1)
                started_worker = self._spawned != spawned
            else:
                self._unclaimed += 1  # the first worker to finish a task claims it
            self._submitted += 1
            self._queue.put(task)
            if not started_worker:
                return QUEUED
        # The worker started for this task waits for the lock we held. Let it run now, as the
        # standard library's new worker runs while Thread.start() waits for it: it takes its
        # task before this thread goes on (code written for concurrent.futures counts on it, as
        # when shutdown(cancel_futures=True) follows a burst of submits).
        time.sleep(0)
        return QUEUED

    def take(self, task: Task) -> None:
        """Accept ``task``, blocking for room if need be, or run it here when accept() says
        RUN_HERE. Raises as accept() does."""
        if self.accept(task) == RUN_HERE:
            self.run_here(task)

    def accept_all(self, tasks: list[Task]) -> None:
        """Take every task of ``tasks``, in order, as take() would one at a time. Without a
        queue bound, all go in under one lock. Raises as accept() does; on an unbounded queue
        none of the tasks was accepted then."""
        if self._max_queue:
            for task in tasks:
                self.take(task)
            return
        with self._lock:
            self._apply_records_locked()
            if self._state is not RUNNING:
                self._refuse_locked()
            self._claim_locked(len(tasks))
            self._submitted += len(tasks)
            # One C loop: with the C queue no Python code runs between the puts, so an interrupt
            # (SIGINT's KeyboardInterrupt) cannot land after some of the counted tasks are in.
            collections.deque(map(self._queue.put, tasks), maxlen=0)

    def _claim_locked(self, count: int) -> None:
        """Find a worker for each of ``count`` tasks about to be queued (see "Claims").

        Workers it starts count as idle until the claims below take them, so if starting one
        raises (even a KeyboardInterrupt), the counts hold: nothing gets queued, and the workers
        started so far are idle.
        """
        idle = self._idle
        if idle >= count:  # the common case, first
            self._idle = idle - count
            self._assigned += count
            return
        while self._idle < count and self._workers - self._sentinels < self._max_workers:
            self._spawn_locked()
        claimed = min(self._idle, count)
        self._idle -= claimed
        self._assigned += claimed
        self._unclaimed += count - claimed

    def _wait_for_room_locked(self) -> None:
        # Condition.wait releases the lock while it blocks. A worker that claims a waiting task
        # notifies, and so does every shutdown. On return, the state is RUNNING and there is room.
        self._blocked += 1
        try:
            while True:
                # Meet finishing workers at the log (see "Accounting"): after this append, a
                # worker that records a finish either has its record drained here or sees
                # ``_blocked`` and wakes us.
                self._log.append(_WAKE)
                self._apply_records_locked()
                if self._unclaimed < self._max_queue or self._state is not RUNNING:
                    break
                self._not_full.wait()
        finally:
            self._blocked -= 1
        if self._state is not RUNNING:
            self._refuse_locked()

    def _refuse_locked(self) -> None:
        self._rejected += 1
        if self._broken is not None:  # a BrokenThreadPool: a new one, for this caller
            raise type(self._broken)(*self._broken.args) from self._broken.__cause__
        if self._forked:
            raise PoolClosedError(
                f"pool {self.name!r} was created in the parent process before fork(); "
                "its workers do not exist here, so create a new pool in the child"
            )
        stopped_by = self._stopped_by or f"is {self._state.value}"
        raise PoolClosedError(f"pool {self.name!r} {stopped_by} and accepts no new tasks")

    def _spawn_locked(self) -> None:
        """Start a worker, counted (in ``_workers``, ``_idle`` and ``_threads``) before it starts.

        Started under the lock so that a failed start leaves nothing behind: the task is not
        queued yet and the caller gets the error. ``Thread.start()`` may raise after the thread
        began, when an interrupt (SIGINT's KeyboardInterrupt) lands while it waits for the
        thread to signal that it runs; so on any error the worker is uncounted, and a thread
        that did begin finds, in ``_begin_work``, that it is not in ``_threads`` and ends
        without touching anything. The new thread needs the lock only after we release it, so
        it is added to ``_threads`` after it started, and counted before.
        """
        index = self._spawned
        self._spawned += 1
        thread = threading.Thread(
            target=self._begin_work,
            name=self._thread_name_format.format(name=self.name, index=index),
        )
        if len(self._threads) >= 2 * self._max_workers:  # forget threads that have left
            self._threads = {t for t in self._threads if t.is_alive()}
        self._workers += 1
        self._idle += 1
        try:  # an interrupt can land after any call returns: only the calls are in the try
            thread.start()
            self._threads.add(thread)  # last: the thread works only once it is in there
        except BaseException:
            self._idle -= 1
            self._workers -= 1
            self._threads.discard(thread)
            raise

    def _begin_work(self) -> None:
        """A new worker's first step: work only if it is counted (see _spawn_locked)."""
        with self._lock:
            counted = threading.current_thread() in self._threads
        if counted:
            self._work()

    def run_here(self, task: Task) -> None:
        """Run a task that accept() answered RUN_HERE with, in the calling thread."""
        outcome = FAILED
        try:
            with self._running_tasks_here():
                outcome = run_task(task, self.name)
        finally:
            self._count_elsewhere([outcome])

    @contextlib.contextmanager
    def _running_tasks_here(self) -> Iterator[None]:
        """Mark the calling thread as running this pool's task code (a task, or the callbacks
        of discarded tasks) outside a worker, so that join() from there refuses to wait."""
        self._here.depth = getattr(self._here, "depth", 0) + 1
        try:
            yield
        finally:
            self._here.depth -= 1

    # ------------------------------------------------------------------ the workers

    def _work(self) -> None:
        if self._initializer is not None:
            try:
                self._initializer(*self._initargs)
            except BaseException as exc:
                self._break(exc)
                return
        get, take_next, is_empty = self._queue.get, self._queue.get_nowait, self._queue.empty
        log = self._log
        record = log.append  # never the pool lock between tasks: see "Accounting"
        lock = self._lock
        timeout = self._idle_timeout
        name = self.name
        due = _LOG_SPAN  # the log's length at which this worker tries to apply it
        task: Any = None  # the task in hand, taken off the queue
        while True:
            if task is None:
                try:
                    task = get(timeout=timeout)
                except Empty:
                    if self._leave_if_idle():
                        return
                    continue  # a task claimed this worker as it timed out, or the pool stops
                if task is not _STOP:
                    record(STARTED)
            if task is _STOP:
                with lock:
                    self._apply_records_locked()
                    self._sentinels -= 1
                    self._leave_locked()
                return
            size = len(task)
            if size < KINDED:  # a call, the commonest task: _tasks.run_call() inline
                if size == 2:
                    func, callback = task
                    args: Any = ()
                else:
                    func, args, callback = task
                try:
                    result = func(*args) if args else func()  # func() costs less than func(*())
                except BaseException as exc:
                    outcome = call_failed(func, callback, exc, name)
                else:
                    outcome = COMPLETED
                    if callback is not None:
                        try:
                            callback(True, result)
                        except BaseException:
                            callback_failed(callback, func, name)
                    result = None
                func = args = callback = None
            else:
                outcome = task[0].run(task, name)
            task = None  # drop the function, arguments and future before taking the next
            if self._surplus and self._leave_as_surplus(outcome):  # a hint: checked under the lock
                return
            if is_empty():  # cheaper than the exception of an empty get_nowait()
                record(ENDED[outcome])
            else:
                try:
                    task = take_next()
                except Empty:  # another worker took it
                    record(ENDED[outcome])
                else:
                    record(ENDED[outcome] if task is _STOP else ENDED_NEXT[outcome])
            # acquire() and try, unlike accept(): no interrupt lands in a worker (Python runs
            # signal handlers in the main thread only).
            if self._blocked:  # a submitter waits for the room this finish may have made
                lock.acquire()
            elif len(log) < due:
                continue  # the next holder of the lock applies the records
            elif not lock.acquire(False):
                due = len(log) + _LOG_SPAN  # held: see "Accounting"
                continue
            due = _LOG_SPAN
            try:
                self._apply_records_locked()
            finally:
                lock.release()

    def _leave_as_surplus(self, outcome: int) -> bool:
        """After a task, while the pool has shrunk below its workers: leave, counting the task's
        outcome here instead of recording it (see "Resizing")."""
        with self._lock:
            self._apply_records_locked()
            if not self._surplus or self._state is not RUNNING:
                return False
            self._surplus -= 1
            self._outcomes[outcome] += 1
            self._running -= 1
            self._leave_locked()
            return True

    def _retire_idle_locked(self) -> None:
        """Tell idle workers beyond the bound to leave: each takes a sentinel off the queue."""
        retire = min(self._surplus, self._idle)
        self._surplus -= retire
        self._idle -= retire
        self._sentinels += retire
        for _ in range(retire):
            self._queue.put(_STOP)

    def _leave_if_idle(self) -> bool:
        """After ``get()`` timed out: leave if this worker is idle (see "Claims")."""
        with self._lock:
            self._apply_records_locked()
            if self._state is RUNNING and self._idle:
                self._idle -= 1
                self._leave_locked()
                return True
            return False

    def _apply_records_locked(self) -> None:
        """Apply what the workers recorded in ``_log`` to the counts (see "Accounting").

        For each finish, the claims rule: the worker claims a task waiting for a worker, else
        (while RUNNING) it is idle again. The records are counted first and applied as a sum,
        which comes to the same: only finishes change ``_unclaimed``.

        A Ctrl-C in the calling thread loses no record and applies none twice. Python raises
        it only as a call returns, at a loop's back edge or as a function starts (3.11 and
        later; see docs/shutdown.md). So each span of records leaves the log and lands, as
        its sum, in ``_taken`` within one call, and the counts change only in a block with
        no call and no loop, which ends by emptying ``_taken``.
        """
        log = self._log
        taken = self._taken
        # Only the records there now: later ones are events concurrent with this holder, and a
        # drain that chased them could hold the lock as long as workers keep appending. Only
        # lock holders take records out, so each popleft() finds one.
        left = len(log)
        if not left and not taken:
            return
        popleft = log.popleft
        while left:
            span = left if left < _SUM_SPAN else _SUM_SPAN
            left -= span
            records = itertools.starmap(popleft, itertools.repeat((), span))  # a loop in C
            taken.extend(map(sum, (records,)))  # taken off the log and kept, in one call
        started = completed = failed = cancelled = 0
        for total in taken:  # each a sum of at most _SUM_SPAN records: no field overflowed
            started += total & _MASK
            completed += (total >> _FIELD) & _MASK
            failed += (total >> 2 * _FIELD) & _MASK
            cancelled += (total >> 3 * _FIELD) & _MASK
        finished = completed + failed + cancelled
        unclaimed = self._unclaimed
        claimed = unclaimed if unclaimed < finished else finished
        idle_again = finished - claimed if self._state is RUNNING else 0  # claims end with it
        outcomes = self._outcomes  # from here to ``del``: no call, no loop (see above)
        outcomes[COMPLETED] += completed
        outcomes[FAILED] += failed
        outcomes[CANCELLED] += cancelled
        self._unclaimed = unclaimed - claimed  # those tasks no longer wait for a worker
        self._idle += idle_again
        self._assigned += claimed - started
        self._running += started - finished
        del taken[:]
        if claimed and self._blocked:
            self._not_full.notify(claimed)
        if idle_again and self._surplus:
            self._retire_idle_locked()

    def _leave_locked(self) -> None:
        self._workers -= 1
        self._settle_locked()

    def _settle_locked(self) -> None:
        if (
            self._state is not RUNNING
            and self._state is not TERMINATED
            and self._workers == 0
            and self._elsewhere == 0
        ):
            self._state = TERMINATED
            self._terminated.notify_all()

    def _break(self, exc: BaseException) -> None:
        """A worker's initializer raised: fail what waits, refuse what comes, stop the workers."""
        from ._broken import BrokenThreadPool  # loaded by __init__

        logger.error("initializer of pool %r raised; the pool is broken", self.name, exc_info=exc)
        error = BrokenThreadPool(f"a worker of pool {self.name!r} failed to initialize: {exc!r}")
        error.__cause__ = exc
        with self._lock:
            self._apply_records_locked()
            if self._broken is None:
                self._broken = error
            self._workers -= 1  # this worker leaves without taking a sentinel
            dropped = self._stop_locked(TERMINATING, discard=True)
        self._end_dropped(dropped, error)

    # ------------------------------------------------------------------ resizing

    @property
    def max_workers(self) -> int:
        with self._lock:
            return self._max_workers

    def resize(self, max_workers: int) -> None:
        """Move the bound on workers (see "Resizing"). After shutdown it only records the
        bound: the workers are leaving anyway. Raises what starting a thread raised; the
        workers started before that stay, each with a task."""
        with self._lock:
            self._apply_records_locked()
            self._max_workers = max_workers
            if self._state is not RUNNING:
                return
            excess = self._workers - self._sentinels - max_workers
            self._surplus = max(0, excess)
            self._retire_idle_locked()
            started = 0
            try:
                while self._unclaimed and self._workers - self._sentinels < max_workers:
                    self._spawn_locked()  # idle: it claims a task that waits for one
                    self._idle -= 1
                    self._unclaimed -= 1
                    self._assigned += 1
                    started += 1
            finally:
                if started and self._blocked:
                    self._not_full.notify(started)  # room for submitters blocked on the bound

    # ------------------------------------------------------------------ shutting down

    def close(self, why: str = "was closed (by close() or shutdown())") -> None:
        with self._lock:
            if self._state is RUNNING:
                self._stopped_by = why
                self._stop_locked(CLOSING, discard=False)

    def terminate(self) -> None:
        with self._lock:
            if self._state is TERMINATING or self._state is TERMINATED:
                return
            self._stopped_by = "was terminated (by terminate() or shutdown(cancel_futures=True))"
            dropped = self._stop_locked(TERMINATING, discard=True)
        self._end_dropped(dropped, CancelledError())

    def _stop_locked(self, state: PoolState, *, discard: bool) -> list[Task]:
        """Enter ``state``, put one sentinel per worker, and (if ``discard``) take every task
        off the queue. The caller must end the returned tasks with _end_dropped()."""
        self._apply_records_locked()
        self._state = state
        self._idle = 0  # no more claims: every worker now waits for its sentinel
        self._surplus = 0
        dropped: list[Task] = []
        if discard:
            while True:
                try:
                    task = self._queue.get_nowait()
                except Empty:
                    break
                if task is _STOP:
                    self._sentinels -= 1
                else:
                    dropped.append(task)
            # What is left of the queued tasks was taken by workers that have not recorded it
            # yet. The dropped ones leave _unclaimed first: a task taken by a worker finishing
            # another stays unclaimed until its record claims it (counting it as assigned too
            # would count that worker twice), while every worker that took one after waiting
            # holds a claim in _assigned, which its start record uses up.
            unclaimed_dropped = min(self._unclaimed, len(dropped))
            self._unclaimed -= unclaimed_dropped
            self._assigned -= len(dropped) - unclaimed_dropped
            self._elsewhere += len(dropped)
        for _ in range(self._workers - self._sentinels):
            self._queue.put(_STOP)
            self._sentinels += 1
        self._not_full.notify_all()  # blocked submitters must now be refused
        self._settle_locked()
        return dropped

    def _end_dropped(self, dropped: list[Task], error: BaseException) -> None:
        # Outside the lock: cancelling futures runs their callbacks, which may call back into us.
        with self._running_tasks_here():
            outcomes = [discard_task(task, error, self.name) for task in dropped]
        self._count_elsewhere(outcomes)

    def _count_elsewhere(self, outcomes: list[int]) -> None:
        with self._lock:
            for outcome in outcomes:
                self._outcomes[outcome] += 1
            self._elsewhere -= len(outcomes)
            self._settle_locked()

    def join(self, timeout: float | None) -> bool:
        """Wait until TERMINATED and every worker thread has ended; False on time-out."""
        if self.runs_here():
            raise RuntimeError(
                f"join() called from a worker, task or callback of pool {self.name!r}: "
                "it would wait for itself"
            )
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            if not self._terminated.wait_for(lambda: self._state is TERMINATED, timeout):
                return False
            threads = list(self._threads)
        for thread in threads:  # the rest of the same time-out
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                return False
        return True

    def threads(self) -> set[threading.Thread]:
        """The worker threads started and not forgotten (threads that left on an idle time-out
        are forgotten now and then): a new set."""
        with self._lock:
            return set(self._threads)

    @property
    def stopped(self) -> bool:
        """Whether close() or terminate() was called (the pool may also have broken)."""
        with self._lock:
            return self._stopped_by is not None

    @property
    def broken(self) -> BrokenThreadPool | None:
        """The error a worker's failed initializer broke the pool with, if it did."""
        return self._broken

    def runs_here(self) -> bool:
        """Whether the calling thread is one of ours: a worker, or a thread running our task code
        (``on_full="caller_runs"``, or terminate() telling the callbacks of discarded tasks)."""
        if getattr(self._here, "depth", 0):
            return True
        with self._lock:
            return threading.current_thread() in self._threads

    # ------------------------------------------------------------------ observing

    @property
    def state(self) -> PoolState:
        with self._lock:
            return self._state

    def stats(self) -> PoolStats:
        with self._lock:
            self._apply_records_locked()
            completed, failed, cancelled = self._outcomes
            return PoolStats(
                state=self._state,
                max_workers=self._max_workers,
                workers=self._workers,
                idle=self._idle,
                retiring=self._sentinels if self._state is RUNNING else 0,
                pending=self._unclaimed,
                assigned=self._assigned,
                running=self._running,
                in_callers=self._elsewhere,
                blocked=self._blocked,
                submitted=self._submitted,
                completed=completed,
                failed=failed,
                cancelled=cancelled,
                rejected=self._rejected,
            )

    # ------------------------------------------------------------------ fork

    def reset_after_fork(self) -> None:
        """In a child process after fork(): the workers did not come along, and the lock may
        have been held by one of them. Start over with fresh primitives, as a pool that is
        TERMINATED and refuses work with a clear message."""
        self._lock = threading.Lock()
        self._not_full = threading.Condition(self._lock)
        self._terminated = threading.Condition(self._lock)
        self._queue = _new_queue(self._idle_timeout)
        self._state = TERMINATED
        self._forked = True
        self._log = collections.deque()
        self._taken = []
        self._workers = self._idle = self._unclaimed = self._sentinels = 0
        self._assigned = self._running = 0
        self._blocked = self._elsewhere = 0
        self._threads = set()


def _new_queue(idle_timeout: float | None) -> SimpleQueue[Any] | queue.Queue[Any]:
    """The task queue: the C ``SimpleQueue``, unless workers wait with a time-out.

    ``SimpleQueue.get(timeout=...)`` on CPython 3.11 and 3.12 can wait forever when another
    consumer takes the item it was woken for just as its time runs out, so an idle worker
    would outstay ``idle_timeout`` until the next task. ``queue.Queue`` (unbounded here) times
    out correctly, at some cost per task, which only pools with an ``idle_timeout`` pay.
    """
    if idle_timeout is None:
        return SimpleQueue()
    from queue import Queue  # here: `import threadpool` need not load it

    return Queue()
