"""Where the IO-bound workload loses time: the io benchmark (2,000 tasks of
``time.sleep(0.005)`` on 64 workers), with every task's start and end recorded.

It splits each worker's time beyond its sleeps into the wait before its first task and the
gaps between one task's end and the next one's start, and splits the gaps at the moment the
caller has finished submitting. While the caller submits, it holds the GIL that every worker
needs to start its next task; after that, a gap is the pool's own per-task cost. The pools
are warmed up as the io benchmark warms them (every worker started, 1,000 no-op tasks).

    python benchmarks/io_trace.py [--reps 7]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import gc
import itertools
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import threadpool

TASKS, WORKERS, PAUSE = 2_000, 64, 0.005


def submit_all(pool: Any, fn: Callable[[], None]) -> float:
    """Submit every task, return when the caller was done submitting, then wait for all."""
    futures = [pool.submit(fn) for _ in range(TASKS)]
    submitted = time.perf_counter()
    for future in futures:
        future.result()
    return submitted


def run_all(pool: threadpool.ThreadPool, fn: Callable[[], None]) -> float:
    done = threading.Event()
    ticket = itertools.count(1)

    def callback(success: bool, value: object) -> None:
        if next(ticket) == TASKS:
            done.set()

    for _ in range(TASKS):
        pool.run(fn, (), callback)
    submitted = time.perf_counter()
    done.wait()
    return submitted


CASES: dict[str, tuple[Callable[[], Any], Callable[[Any, Callable[[], None]], float]]] = {
    "tp.run": (lambda: threadpool.ThreadPool(WORKERS), run_all),
    "tp.submit": (lambda: threadpool.ThreadPool(WORKERS), submit_all),
    "std": (lambda: cf.ThreadPoolExecutor(WORKERS), submit_all),
}


def trace(case: str) -> dict[str, float]:
    make, drive = CASES[case]
    spans: list[tuple[int, float, float]] = []

    def task() -> None:
        start = time.perf_counter()
        time.sleep(PAUSE)
        spans.append((threading.get_ident(), start, time.perf_counter()))

    pool = make()
    for future in [pool.submit(time.sleep, 0.002) for _ in range(WORKERS)]:  # start them all
        future.result()
    for future in [pool.submit(int) for _ in range(1_000)]:  # warm up as the io benchmark does
        future.result()
    gc.collect()
    began = time.perf_counter()
    submitted = drive(pool, task)
    ended = time.perf_counter()
    pool.shutdown()

    by_worker: dict[int, list[tuple[float, float]]] = {}
    for worker, start, end in spans:
        by_worker.setdefault(worker, []).append((start, end))
    first_waits, gaps_while_submitting, gaps_after = [], [], []
    for runs in by_worker.values():
        runs.sort()
        first_waits.append(runs[0][0] - began)
        for (_, end), (start, _) in zip(runs, runs[1:]):
            (gaps_while_submitting if end < submitted else gaps_after).append(start - end)
    return {
        "efficiency": TASKS * PAUSE / WORKERS / (ended - began),
        "submitting_ms": (submitted - began) * 1e3,
        "first_wait_ms": statistics.mean(first_waits) * 1e3,
        "last_first_wait_ms": max(first_waits) * 1e3,
        "gaps_while_submitting_ms": sum(gaps_while_submitting) / WORKERS * 1e3,
        "gap_after_us": statistics.mean(gaps_after) * 1e6 if gaps_after else 0.0,
    }


COLUMNS = {
    "efficiency": ("efficiency", "{:.1%}"),
    "submitting_ms": ("caller submitting, ms", "{:.1f}"),
    "first_wait_ms": ("wait for the first task, ms (mean per worker)", "{:.2f}"),
    "last_first_wait_ms": ("the last worker's wait for its first task, ms", "{:.2f}"),
    "gaps_while_submitting_ms": ("gaps while submitting, ms per worker", "{:.2f}"),
    "gap_after_us": ("gap after submitting, µs per task", "{:.1f}"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {case: [] for case in CASES}
    for rep in range(args.reps):
        for case in CASES:
            results[case].append(trace(case))
            print(f"rep {rep + 1}: {case} {results[case][-1]}", file=sys.stderr)
    print("| case | " + " | ".join(title for title, _ in COLUMNS.values()) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for case, rows in results.items():
        cells = [
            form.format(statistics.median(row[key] for row in rows))
            for key, (_, form) in COLUMNS.items()
        ]
        print(f"| {case} | " + " | ".join(cells) + " |")
    print(f"\nMedians of {args.reps} repetitions, Python {sys.version.split()[0]}.")


if __name__ == "__main__":
    main()
