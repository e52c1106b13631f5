"""Fail-fast latency of a task group: the time from a task's failure to the group raising, with
1,000 siblings queued behind it and one running, against the best hand-written
``wait(FIRST_EXCEPTION)`` + cancel loop on the standard library's ``ThreadPoolExecutor``.

Each round makes fresh pools of 2 workers: one runs the failing task, one a sibling that
runs until it is told to stop (the group's `cancelled` flag, or the hand-written loop's
Event), and 1,000 more siblings wait in the queue. The failing task sleeps a little first,
so the caller has submitted everything and waits (in the group's exit, or in ``wait()``)
when it raises. Latency is measured from just before the ``raise`` to the caller holding the
error, with every sibling ended (cancelled or returned): what both sides promise. The
variants take turns within each round, and the table gives medians over the rounds.

    python -m benchmarks.group_failfast [--quick] [--rounds N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import gc
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Executor, Future, wait

from threadpool import TaskGroup, ThreadPool

if sys.version_info < (3, 11):
    from exceptiongroup import ExceptionGroup

QUEUED = 1_000
WORKERS = 2
HEAD_START = 0.03
"""Seconds the failing task waits before it raises, while the caller submits the rest."""


def failing(raised_at: list[float]) -> None:
    time.sleep(HEAD_START)
    raised_at.append(time.perf_counter())
    raise ValueError("fail fast")


def with_group(executor: Executor) -> float:
    raised_at: list[float] = []
    try:
        with TaskGroup(executor) as g:
            g.submit(failing, raised_at)
            for _ in range(QUEUED + 1):
                g.submit(g.wait_cancelled, 10.0)
    except ExceptionGroup:
        return time.perf_counter() - raised_at[0]
    raise AssertionError("the group did not raise")


def by_hand(executor: Executor) -> float:
    raised_at: list[float] = []
    stop = threading.Event()
    futures: list[Future[object]] = [executor.submit(failing, raised_at)]
    futures += [executor.submit(stop.wait, 10.0) for _ in range(QUEUED + 1)]
    _, not_done = wait(futures, return_when=FIRST_EXCEPTION)
    stop.set()
    for future in not_done:
        future.cancel()
    wait(not_done)  # the running sibling
    errors = [f.exception() for f in futures if not f.cancelled() and f.exception()]
    if not errors:
        raise AssertionError("nothing failed")
    return time.perf_counter() - raised_at[0]


VARIANTS: dict[str, tuple[Callable[[Executor], float], Callable[[int], Executor]]] = {
    "group, threadpool.ThreadPool": (with_group, ThreadPool),
    "group, stdlib executor": (with_group, concurrent.futures.ThreadPoolExecutor),
    "wait(FIRST_EXCEPTION) + cancel, stdlib executor": (
        by_hand,
        concurrent.futures.ThreadPoolExecutor,
    ),
    "wait(FIRST_EXCEPTION) + cancel, threadpool.ThreadPool": (by_hand, ThreadPool),
}
BASELINE = "wait(FIRST_EXCEPTION) + cancel, stdlib executor"


def one_round(times: dict[str, list[float]]) -> None:
    for name, (run, make) in VARIANTS.items():
        executor = make(WORKERS)
        try:
            executor.submit(abs, 0).result()  # start the workers outside the measurement
            gc.collect()
            times[name].append(run(executor))
        finally:
            executor.shutdown(wait=True, cancel_futures=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5 rounds, for a smoke run")
    parser.add_argument("--rounds", type=int, default=21)
    args = parser.parse_args()
    rounds = 5 if args.quick else args.rounds
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    one_round({name: [] for name in VARIANTS})  # warm-up, not counted
    for done in range(rounds):
        one_round(times)
        print(f"round {done + 1}/{rounds}", file=sys.stderr)
    base = statistics.median(times[BASELINE])
    print(f"Fail-fast latency, {QUEUED:,} queued siblings, {WORKERS} workers, ")
    print(f"median of {rounds} rounds (Python {sys.version.split()[0]})\n")
    print("| variant | median (ms) | min (ms) | vs stdlib wait+cancel |")
    print("|---|---:|---:|---:|")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(
            f"| {name} | {median * 1e3:.2f} | {min(samples) * 1e3:.2f} | {median / base:.2f}x |"
        )


if __name__ == "__main__":
    main()
