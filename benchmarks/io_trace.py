"""Where the IO-bound workload loses time: the io benchmark (2,000 tasks of
``time.sleep(0.005)`` on 64 workers), with every task's start and end recorded.

It splits each worker's time beyond its sleeps into the wait before its first task and the
gaps between one task's end and the next one's start, and splits the gaps at the moment the
caller has finished submitting. While the caller submits, it holds the GIL that every worker
needs to start its next task; after that, a gap is the pool's own per-task cost. The pools
are the io benchmark's drivers, warmed up as it warms them.

    python -m benchmarks.io_trace [--reps 7]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import statistics
import sys
import threading
import time

from .drivers import DRIVERS, warm_up

TASKS, WORKERS, PAUSE = 2_000, 64, 0.005
CASES = ("tp.run", "tp.submit", "std")


def trace(case: str) -> dict[str, float]:
    spans: list[tuple[int, float, float]] = []

    def task() -> None:
        start = time.perf_counter()
        time.sleep(PAUSE)
        spans.append((threading.get_ident(), start, time.perf_counter()))

    driver = DRIVERS[case](WORKERS)
    try:
        warm_up(driver, 1_000)  # as the io benchmark warms its pools
        gc.collect()
        began = time.perf_counter()
        submitted = driver.batch(task, TASKS)
        ended = time.perf_counter()
    finally:
        driver.close()

    by_worker: dict[int, list[tuple[float, float]]] = {}
    for worker, start, end in spans:
        by_worker.setdefault(worker, []).append((start, end))
    first_waits: list[float] = []
    gaps_while_submitting: list[float] = []
    gaps_after: list[float] = []
    for runs in by_worker.values():
        runs.sort()
        first_waits.append(runs[0][0] - began)
        for (_, end), (start, _) in itertools.pairwise(runs):
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
