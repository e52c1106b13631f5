"""``python -m threadpool``: a short tour of the pool at work (about two seconds)."""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import CancelledError
from typing import Any

from threadpool import ThreadPool

TASKS = 40
SECONDS_PER_TASK = 0.05  # stands in for a network call: the thread waits, others run


def fetch(i: int) -> int:
    time.sleep(SECONDS_PER_TASK)
    return i


def io_bound_speedup() -> None:
    print(f"1. {TASKS} IO-bound tasks of {SECONDS_PER_TASK * 1000:.0f} ms, 8 workers, via run()")
    done = threading.Event()
    finished = 0
    lock = threading.Lock()

    def progress(success: bool, value: Any) -> None:
        nonlocal finished
        with lock:
            finished += 1
            bar = "#" * finished + "." * (TASKS - finished)
            sys.stdout.write(f"\r   [{bar}] {finished}/{TASKS}")  # redraws one line
            sys.stdout.flush()
            if finished == TASKS:
                done.set()

    start = time.perf_counter()
    with ThreadPool(8, name="demo") as pool:
        for i in range(TASKS):
            pool.run(fetch, (i,), progress)
        done.wait()
    elapsed = time.perf_counter() - start
    serial = TASKS * SECONDS_PER_TASK
    print(f"\n   {elapsed:.2f} s on the pool vs {serial:.2f} s serially: "
          f"{serial / elapsed:.1f}x faster; {pool.stats().workers} workers left after shutdown")


def close_versus_terminate() -> None:
    print("\n2. Two workers busy, eight tasks queued; then close() or terminate():")
    for stop in ("close", "terminate"):
        ran, cancelled, told = stop_a_busy_pool(stop)
        print(f"   {stop + '():':13} {ran:2} ran, {cancelled:2} cancelled"
              f"  -> every callback told: {told}")


def stop_a_busy_pool(stop: str) -> tuple[int, int, bool]:
    outcomes = {"ran": 0, "cancelled": 0}
    lock = threading.Lock()

    def tell(success: bool, value: Any) -> None:
        with lock:
            outcomes["cancelled" if isinstance(value, CancelledError) else "ran"] += 1

    pool = ThreadPool(2, name=stop)
    both_busy = threading.Barrier(3)
    for _ in range(2):
        pool.run(lambda: (both_busy.wait(), fetch(0)), (), tell)
    for i in range(8):
        pool.run(fetch, (i,), tell)
    both_busy.wait()
    getattr(pool, stop)()
    pool.join()
    told = sum(outcomes.values()) == pool.stats().submitted
    return outcomes["ran"], outcomes["cancelled"], told


def main() -> None:
    io_bound_speedup()
    close_versus_terminate()


if __name__ == "__main__":
    main()
