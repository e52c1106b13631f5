"""Run the same Executor code on threads, on processes, and on a Dask cluster.

``count_primes_in`` only knows the ``concurrent.futures.Executor`` interface
(``submit``, ``map``, ``shutdown``), so any executor can run it:

* ``threadpool.ThreadPool``: threads in this process. Right for I/O-bound work;
  for pure-Python CPU-bound work the GIL lets only one thread compute at a time.
* ``concurrent.futures.ProcessPoolExecutor``: one interpreter per worker, so
  CPU-bound work uses every core. Functions and arguments must pickle.
* ``distributed.Client.get_executor()``: the workers of a Dask cluster, on this
  machine or many. Only used when ``distributed`` is installed (the ``distributed``
  extra: ``pip install -e ".[distributed]"``); the example starts a local cluster on
  the loopback address and stops it at the end.

Run it from a checkout with ``pip install -e .`` done, or with
``PYTHONPATH=src python examples/scaling_out.py``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor

from threadpool import ThreadPool

# Upper bounds of the ranges to search; each one is a task of about the same size.
LIMITS = [60_000 + i for i in range(8)]


def count_primes(limit: int) -> int:
    """Count the primes below ``limit`` by trial division (deliberately CPU-bound)."""
    count = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            count += 1
    return count


def count_primes_in(executor: Executor, limits: list[int]) -> list[int]:
    """The application code: it sees only the Executor interface."""
    return list(executor.map(count_primes, limits))


def timed(label: str, make_executor: Callable[[], Executor]) -> list[int]:
    start = time.perf_counter()
    with make_executor() as executor:
        counts = count_primes_in(executor, LIMITS)
    print(f"{label:<28} {time.perf_counter() - start:6.2f} s")
    return counts


def main() -> None:
    workers = min(4, os.cpu_count() or 1)
    print(f"{len(LIMITS)} CPU-bound tasks, {workers} workers each")

    results = {
        "threadpool.ThreadPool": timed(
            "threadpool.ThreadPool", lambda: ThreadPool(max_workers=workers)
        ),
        "ProcessPoolExecutor": timed(
            "ProcessPoolExecutor", lambda: ProcessPoolExecutor(max_workers=workers)
        ),
    }

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("distributed is not installed: skipping the Dask run (pip install distributed)")
    else:
        # A local cluster stands in for a real one: it listens on the loopback address only,
        # and is stopped on leaving the block. With a running scheduler you would write
        # Client("tcp://scheduler-host:8786") instead and change nothing else.
        with LocalCluster(
            n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster, Client(cluster) as client:
            addresses = [cluster.scheduler_address, *client.scheduler_info()["workers"]]
            print(f"Dask cluster: scheduler and {workers} workers on {', '.join(addresses)}")
            # pure=False: do not merge calls that have the same arguments into one task.
            results["Dask ClientExecutor"] = timed(
                "Dask ClientExecutor", lambda: client.get_executor(pure=False)
            )

    first = next(iter(results.values()))
    assert first[0] == count_primes(LIMITS[0]), "the pools disagree with a plain call"
    assert all(counts == first for counts in results.values()), results
    print("all executors returned the same", len(first), "counts")


if __name__ == "__main__":  # required: ProcessPoolExecutor may re-import this module
    main()
