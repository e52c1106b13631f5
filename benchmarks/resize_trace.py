"""Threads follow the bound: a bursty load on a pool grown, then shrunk, while it runs.

    python -m benchmarks.resize_trace [--reps 5] [--tasks 400] [--quick]

Each repetition runs one scenario on a fresh ``ThreadPool(2)``:

1. a burst of ``tasks`` tasks of ``time.sleep(2 ms)`` arrives; once 2 workers are busy the
   pool is grown to 16 (``resize(16)``);
2. while the burst still runs, the pool is shrunk back to 2 (``resize(2)``).

A thread samples ``stats()`` all along. Reported, as medians over the repetitions:

- *grow follow*: from ``resize(16)`` returning to ``stats().workers == 16``;
- *shrink follow*: from ``resize(2)`` returning to ``workers - retiring <= 2``; no task is
  interrupted, so this is bounded by the task that the slowest surplus worker is running
  (2 ms here);
- the most tasks running at once after the shrink has been followed (must be <= 2);
- the burst's time against the standard library's executor fixed at 2 and at 16 workers
  (which cannot be resized), as ratios from the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor as StdExecutor
from concurrent.futures import wait

from threadpool import ThreadPool

TASK_SECONDS = 0.002
SMALL, LARGE = 2, 16


def _sleep() -> None:
    time.sleep(TASK_SECONDS)


def _until(predicate: object, timeout: float = 10.0) -> float:
    """Seconds until ``predicate()`` holds, polled every 100 µs."""
    start = time.perf_counter()
    while not predicate():  # type: ignore[operator]
        if time.perf_counter() - start > timeout:
            raise RuntimeError("the pool did not follow its bound within 10 s")
        time.sleep(0.0001)
    return time.perf_counter() - start


def resize_scenario(tasks: int) -> dict[str, float]:
    pool = ThreadPool(SMALL, name="resize-bench")
    try:
        started = time.perf_counter()
        futures = [pool.submit(_sleep) for _ in range(tasks)]
        _until(lambda: pool.stats().running == SMALL)
        pool.resize(LARGE)
        grow = _until(lambda: pool.stats().workers == LARGE)
        _until(lambda: pool.stats().completed >= tasks // 2)
        pool.resize(SMALL)
        shrink = _until(lambda: (s := pool.stats()).workers - s.retiring <= SMALL)
        most = 0
        while (stats := pool.stats()).completed < tasks:
            most = max(most, stats.running)
            time.sleep(0.0002)
        wait(futures)
        elapsed = time.perf_counter() - started
    finally:
        pool.shutdown()
    return {"grow_ms": grow * 1e3, "shrink_ms": shrink * 1e3, "most": most, "s": elapsed}


def fixed_std(workers: int, tasks: int) -> float:
    with StdExecutor(workers) as executor:
        started = time.perf_counter()
        wait([executor.submit(_sleep) for _ in range(tasks)])
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--quick", action="store_true", help="1 repetition of 100 tasks")
    args = parser.parse_args()
    reps, tasks = (1, 100) if args.quick else (args.reps, args.tasks)

    runs, std_small, std_large = [], [], []
    for _ in range(reps):  # interleaved, so a noisy moment hits all three alike
        runs.append(resize_scenario(tasks))
        std_small.append(fixed_std(SMALL, tasks))
        std_large.append(fixed_std(LARGE, tasks))

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    print(f"{tasks} tasks of sleep({TASK_SECONDS * 1e3:g} ms), ThreadPool({SMALL}) grown to "
          f"{LARGE} then shrunk to {SMALL}; medians of {reps} repetitions")  # fmt: skip
    print("| measure | value |")
    print("|---|---|")
    print(f"| grow follow: resize({LARGE}) to {LARGE} workers | {median('grow_ms'):.2f} ms |")
    print(f"| shrink follow: resize({SMALL}) to {SMALL} workers | {median('shrink_ms'):.2f} ms |")
    most = max(run["most"] for run in runs)
    print(f"| most tasks running after the shrink was followed | {most:g} |")
    ratio_small = statistics.median(r["s"] / s for r, s in zip(runs, std_small, strict=True))
    ratio_large = statistics.median(r["s"] / s for r, s in zip(runs, std_large, strict=True))
    print(f"| burst time / stdlib fixed at {SMALL} workers | {ratio_small:.2f}x |")
    print(f"| burst time / stdlib fixed at {LARGE} workers | {ratio_large:.2f}x |")


if __name__ == "__main__":
    main()
