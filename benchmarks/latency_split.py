"""Where submit-to-start latency goes: the latency workload's probe, one task at a time on an
idle warm pool of 4 workers with 1 ms between tasks, split at two more instants.

- ``fire()`` returned: the caller's call, including the ``put()`` that wakes a worker;
- the worker's ``get()`` returned: it is awake and holds the GIL (the caller gave it up by
  blocking in its wait for the probe);
- the task's first line ran: the worker's own steps between taking a task and running it.

The task queue of each pool is replaced, before its first worker starts, by a
``SimpleQueue`` subclass that notes when ``get()`` returns (the same for every case, so the
split is comparable, not free). ``handoff`` is the floor: threads blocked in ``get()``, a
task handed over with one ``put()``.

    python -m benchmarks.latency_split [--reps 10] [--samples 400]
"""

from __future__ import annotations

import argparse
import gc
import os
import queue
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from .drivers import TP, Handoff, warm_up

GAP = 0.001


class StampedQueue(queue.SimpleQueue[Any]):
    """Notes the ``perf_counter()`` reading when a ``get()`` returns."""

    stamp = 0.0

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        item = super().get(block, timeout)
        self.stamp = time.perf_counter()
        return item


def _handoff() -> tuple[Handoff, StampedQueue, Callable[[Callable[[], object]], None]]:
    driver = Handoff(0)  # no threads yet: give it the stamped queue first
    stamped = StampedQueue()
    driver.queue = stamped
    driver.workers = 4
    driver.threads = [threading.Thread(target=driver._work) for _ in range(4)]
    for thread in driver.threads:
        thread.start()
    return driver, stamped, driver.fire


def _threadpool(api: str) -> tuple[Any, StampedQueue, Callable[[Callable[[], object]], None]]:
    from .drivers import DRIVERS

    driver = DRIVERS[api](4)  # workers start lazily, at the first task: none yet
    stamped = StampedQueue()
    driver.pool._core._queue = stamped
    return driver, stamped, driver.fire


def split(case: str, samples: int) -> tuple[float, float, float]:
    """Medians, in µs, of: fire() returned, get() returned (both after fire() began), and the
    task's first line after get() returned."""
    driver, stamped, fire = _handoff() if case == "handoff" else _threadpool(case)
    try:
        warm_up(driver, 300)
        gc.collect()
        started = threading.Event()
        stamp = [0.0]

        def probe() -> None:
            stamp[0] = time.perf_counter()
            started.set()

        returned, woken, ran = [], [], []
        for _ in range(samples):
            started.clear()
            t0 = time.perf_counter()
            fire(probe)
            t1 = time.perf_counter()
            if not started.wait(timeout=10):
                raise RuntimeError(f"{case}: probe task never started")
            returned.append(t1 - t0)
            woken.append(stamped.stamp - t0)
            ran.append(stamp[0] - stamped.stamp)
            time.sleep(GAP)
    finally:
        driver.close()
    return tuple(statistics.median(xs) * 1e6 for xs in (returned, woken, ran))  # type: ignore[return-value]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--samples", type=int, default=400)
    args = parser.parse_args()
    if TP is None:
        raise SystemExit("threadpool is not importable")
    cases = ["handoff", "tp.run", "tp.submit"]
    figures: dict[str, list[tuple[float, float, float]]] = {case: [] for case in cases}
    for rep in range(args.reps):
        for case in cases[rep % 3 :] + cases[: rep % 3]:
            figures[case].append(split(case, args.samples))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    print(
        "| case | fire() returned, µs | worker's get() returned, µs "
        "| task's first line, µs after get() |"
    )
    print("|---|---|---|---|")
    for case in cases:
        cols = [statistics.median(f[i] for f in figures[case]) for i in range(3)]
        print(f"| {case} | {cols[0]:.1f} | {cols[1]:.1f} | {cols[2]:.1f} |")
    print(
        f"\nMedians over {args.reps} repetitions of per-repetition medians of {args.samples} "
        f"samples; load average {load:.2f}."
    )


if __name__ == "__main__":
    main()
