"""The workloads.  Each returns a :class:`Result` holding one value per repetition.

Fairness rules applied everywhere:

* every measurement gets a fresh pool, warmed up (all workers started, a batch of
  no-op tasks pushed through) before the clock starts, and shut down afterwards;
  a thread left over after shutdown is recorded as a leak;
* implementations are interleaved inside each repetition, and the starting point of
  the interleaving rotates from one repetition to the next (A,B,C then B,C,A ...);
* ``gc.collect()`` runs before every timed region; the collector stays enabled with
  the same (default) thresholds for every implementation;
* time is read with :func:`time.perf_counter`; figures are medians over repetitions,
  ratios are medians of per-repetition ratios.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from . import peers
from .drivers import DRIVERS, TPRun, available, identity, noop, wait_for_threads, warm_up

DRIVERS.update(peers.ALL)  # the peers importable here (benchmarks/peers.py)

T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    reps: int
    warm_tasks: int = 1_000
    overhead_tasks: int = 20_000
    overhead_workers: int = 4
    map_items: int = 200_000
    map_workers: int = 4
    io_tasks: int = 2_000
    io_workers: int = 64
    io_sleep: float = 0.005
    latency_samples: int = 500
    latency_gap: float = 0.001
    latency_workers: int = 4
    memory_reps: int = 1  # tracemalloc byte counts are deterministic (see docs)
    memory_tasks: int = 200_000
    memory_bound: int = 1_000
    memory_workers: int = 4
    scaling_workers: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
    scaling_tasks: int = 128
    scaling_cpu_ms: float = 1.0


FULL = Sizes(reps=5)
QUICK = Sizes(
    reps=2,
    warm_tasks=100,
    overhead_tasks=2_000,
    map_items=10_000,
    io_tasks=256,
    latency_samples=40,
    memory_tasks=5_000,
    memory_bound=100,
    scaling_workers=(1, 4, 16),
    scaling_tasks=16,
)


@dataclass
class Result:
    name: str
    title: str
    params: dict[str, Any]
    # metric -> series -> one value per repetition (aligned by repetition index)
    metrics: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    baseline: str = "std"  # the series the detail tables compare against

    def add(self, metric: str, series: str, value: float) -> None:
        self.metrics.setdefault(metric, {}).setdefault(series, []).append(value)


def progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


STATS = "+stats"
"""Suffix of a ``threadpool`` series measured with a thread calling ``stats()`` every 1 ms."""

STATS_PERIOD = 0.001


def _call_stats(pool: Any, stop: threading.Event) -> None:
    stats = pool.stats
    while not stop.wait(STATS_PERIOD):
        stats()


class Bench:
    """Runs measurements with the fairness rules above and tracks leaked threads.

    ``peers`` are the keys of the other pools measured beside ``threadpool`` (empty with
    ``--no-peers``); with ``with_stats``, every ``threadpool`` case is measured a second
    time, in the same repetition, with a thread calling ``pool.stats()`` every 1 ms.
    """

    def __init__(self, sizes: Sizes, peers: Sequence[str] = (), with_stats: bool = False) -> None:
        self.sizes = sizes
        self.leaks: list[str] = []
        self.peers = list(peers)
        self.with_stats = with_stats

    def variants(self, series: str, key: str) -> list[tuple[str, bool]]:
        """(series, monitored) pairs to measure for one case."""
        if self.with_stats and DRIVERS[key].needs_threadpool:
            return [(series, False), (series + STATS, True)]
        return [(series, False)]

    def rotations(
        self, items: Sequence[T], reps: int | None = None
    ) -> Iterator[tuple[int, list[T]]]:
        for rep in range(self.sizes.reps if reps is None else reps):
            k = rep % len(items) if items else 0
            yield rep, [*items[k:], *items[:k]]

    def measure(
        self,
        key: str,
        workers: int,
        body: Callable[[Any], T],
        *,
        options: dict[str, Any] | None = None,
        warm: int | None = None,
        monitored: bool = False,
    ) -> T:
        """Fresh pool -> warm-up -> gc.collect() -> ``body(driver)`` -> shutdown.

        With *monitored*, a thread calls ``driver.pool.stats()`` every 1 ms during *body*.
        """
        baseline = threading.active_count()
        driver = DRIVERS[key](workers, **(options or {}))
        stop = threading.Event()
        monitor = None
        try:
            warm_up(driver, self.sizes.warm_tasks if warm is None else warm)
            gc.collect()
            if monitored:
                monitor = threading.Thread(target=_call_stats, args=(driver.pool, stop))
                monitor.start()
            return body(driver)
        finally:
            stop.set()
            if monitor is not None:
                monitor.join(timeout=10)
            driver.close()
            left = wait_for_threads(baseline)
            if left > 0:
                self.leaks.append(f"{key}: {left} thread(s) still alive after shutdown")


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- overhead
def overhead(bench: Bench) -> Result:
    s = bench.sizes
    n = s.overhead_tasks
    res = Result(
        "overhead",
        f"Per-task overhead: {n:,} no-op tasks, {s.overhead_workers} workers, wait for all",
        {"tasks": n, "workers": s.overhead_workers},
        units={"per_task_us": "µs/task"},
    )
    keys = available(
        ["tp.submit", "tp.run", "tp.executor", "std", "mp", "serial", "handoff", *bench.peers]
    )
    cases = [v for k in keys for v in bench.variants(k, k)]
    for rep, order in bench.rotations(cases):
        for series, monitored in order:
            key = series.removesuffix(STATS)
            secs = bench.measure(
                key,
                s.overhead_workers,
                lambda d: _timed(lambda: d.batch(noop, n)),
                monitored=monitored,
            )
            res.add("per_task_us", series, secs / n * 1e6)
            progress(
                f"  overhead  rep {rep + 1}/{s.reps}  {series:<16} {secs / n * 1e6:8.2f} µs/task"
            )
    return res


# --------------------------------------------------------------------------- map
MAP_CASES: list[tuple[str, str, int]] = [
    ("tp.map cs=1", "tp.map", 1),
    ("tp.map cs=256", "tp.map", 256),
    ("tp.executor.map", "tp.executor", 1),
    ("std.map", "std", 1),
    ("mp.map cs=1", "mp", 1),
    ("mp.map cs=256", "mp", 256),
    ("serial", "serial", 1),
]


def map_items(bench: Bench) -> Result:
    s = bench.sizes
    items = list(range(s.map_items))
    res = Result(
        "map",
        f"map() over {s.map_items:,} no-op items, {s.map_workers} workers",
        {"items": s.map_items, "workers": s.map_workers},
        units={"seconds": "s"},
        baseline="std.map",
    )
    keys = set(available(DRIVERS))
    cases = [c for c in MAP_CASES if c[1] in keys]
    for peer in bench.peers:
        if peer in peers.MAPS:
            cases.insert(-1, (f"{peer}.map cs=1", peer, 1))
    if "pebble" in bench.peers:  # the one peer whose map() takes a chunksize
        cases.insert(-1, ("pebble.map cs=256", "pebble", 256))
    measured = [
        (name, key, cs, monitored)
        for series, key, cs in cases
        for name, monitored in bench.variants(series, key)
    ]
    for rep, order in bench.rotations(measured):
        for series, key, chunksize, monitored in order:
            out: list[Any] = []

            def body(d: Any, cs: int = chunksize, out: list[Any] = out) -> float:
                d.map(identity, items[: s.warm_tasks], cs)  # warm the map path itself
                gc.collect()
                start = time.perf_counter()
                out.extend(d.map(identity, items, cs))
                return time.perf_counter() - start

            secs = bench.measure(key, s.map_workers, body, monitored=monitored)
            if out != items:
                raise AssertionError(f"{series}: map returned wrong results")
            res.add("seconds", series, secs)
            progress(f"  map       rep {rep + 1}/{s.reps}  {series:<16} {secs:8.3f} s")
    return res


# --------------------------------------------------------------------------- IO-bound
def io_bound(bench: Bench) -> Result:
    s = bench.sizes
    n, w, pause = s.io_tasks, s.io_workers, s.io_sleep
    ideal = n * pause / w
    res = Result(
        "io",
        f"IO-bound: {n:,} tasks of time.sleep({pause}), {w} workers; efficiency = ideal/elapsed",
        {"tasks": n, "workers": w, "sleep": pause, "ideal_seconds": ideal},
        units={"efficiency": "fraction of ideal", "seconds": "s"},
    )

    def sleeper(_: object = None) -> None:
        time.sleep(pause)

    # What even a zero-overhead pool could reach here: sleeps overshoot, and the last
    # round of tasks is only partly filled.
    slept = statistics.median(_timed(sleeper) for _ in range(50))
    ceiling = ideal / (math.ceil(n / w) * slept)
    res.params.update(measured_sleep=slept, ceiling=ceiling)
    res.notes.append(
        f"time.sleep({pause}) took {slept * 1e3:.2f} ms here (median of 50) and {n} tasks need "
        f"{math.ceil(n / w)} rounds of {w}, so a pool with zero overhead would reach "
        f"{ceiling:.1%} of ideal on this machine."
    )

    keys = available(["tp.run", "tp.submit", "tp.executor", "std", "mp", *bench.peers])
    if "tp.submit" in keys:
        keys.insert(2, "tp.map")
    cases = [(name, key, mon) for key in keys for name, mon in bench.variants(key, key)]
    for rep, order in bench.rotations(cases):
        for series, key, monitored in order:
            if key == "tp.map":

                def body(d: Any) -> float:
                    return _timed(lambda: d.map(sleeper, range(n), 1))
            else:

                def body(d: Any) -> float:
                    return _timed(lambda: d.batch(sleeper, n))

            secs = bench.measure(key, w, body, monitored=monitored)
            res.add("seconds", series, secs)
            res.add("efficiency", series, ideal / secs)
            progress(f"  io        rep {rep + 1}/{s.reps}  {series:<12} {ideal / secs:7.1%}")
    return res


# --------------------------------------------------------------------------- latency
def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation percentile, *q* in [0, 100]."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _latencies(driver: Any, samples: int, gap: float) -> list[float]:
    started = threading.Event()
    stamp = [0.0]

    def probe() -> None:
        stamp[0] = time.perf_counter()
        started.set()

    out: list[float] = []
    for _ in range(samples):
        started.clear()
        t0 = time.perf_counter()
        driver.fire(probe)
        if not started.wait(timeout=10):
            raise RuntimeError(f"{driver.key}: probe task never started")
        out.append(stamp[0] - t0)
        time.sleep(gap)  # let the worker finish its bookkeeping and go idle again
    return out


def latency(bench: Bench) -> Result:
    s = bench.sizes
    res = Result(
        "latency",
        f"Submit-to-start latency on an idle warm pool ({s.latency_workers} workers, "
        f"{s.latency_samples} samples per repetition, {s.latency_gap * 1e3:g} ms idle between)",
        {"samples": s.latency_samples, "workers": s.latency_workers, "gap": s.latency_gap},
        units={"p50_us": "µs", "p99_us": "µs"},
    )
    keys = available(["tp.run", "tp.submit", "tp.executor", "std", "mp", "handoff", *bench.peers])
    cases = [(name, key, mon) for key in keys for name, mon in bench.variants(key, key)]
    for rep, order in bench.rotations(cases):
        for series, key, monitored in order:
            lat = bench.measure(
                key,
                s.latency_workers,
                lambda d: _latencies(d, s.latency_samples, s.latency_gap),
                monitored=monitored,
            )
            p50, p99 = percentile(lat, 50) * 1e6, percentile(lat, 99) * 1e6
            res.add("p50_us", series, p50)
            res.add("p99_us", series, p99)
            progress(
                f"  latency   rep {rep + 1}/{s.reps}  {series:<16} "
                f"p50 {p50:7.1f} µs  p99 {p99:7.1f} µs"
            )
    return res


# --------------------------------------------------------------------------- memory
def _queued_peak(driver: Any, n: int) -> float:
    """Peak traced bytes while *n* gated tasks are queued (workers all blocked).

    Every task is the same callable, made once: ``gate.wait`` written in the loop would make a
    bound method (64 bytes) per task, and each pool's figure would include it.
    """
    gate = threading.Event()
    fire, wait = driver.fire, gate.wait
    tracemalloc.start()
    try:
        for _ in range(n):
            fire(wait)
        peak = float(tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
        driver.discard(gate)  # cancel the queued tasks instead of running them
    return peak


def _bounded_peak(driver: TPRun, n: int) -> tuple[float, int]:
    """A producer thread feeds *n* gated ``run()`` tasks into a bounded pool.

    Returns the traced peak over the whole run and how many tasks the producer had
    handed over when it blocked (about bound + workers if the bound holds).
    """
    gate = threading.Event()
    done = threading.Event()
    ticket = itertools.count(1)
    handed = [0]

    def callback(success: bool, value: object) -> None:
        if next(ticket) == n:
            done.set()

    def produce() -> None:
        run, wait = driver.pool.run, gate.wait
        for i in range(n):
            run(wait, (), callback)
            handed[0] = i + 1

    producer = threading.Thread(target=produce, name="bench-producer", daemon=True)
    tracemalloc.start()
    try:
        producer.start()
        last, still = -1, 0
        while still < 3 and handed[0] < n:  # until no progress for 3 polls in a row
            time.sleep(0.05)
            still = still + 1 if handed[0] == last else 0
            last = handed[0]
        blocked_at = handed[0]
        gate.set()
        producer.join(timeout=600)
        if not done.wait(timeout=600):
            raise RuntimeError("bounded run(): callbacks never all arrived")
        peak = float(tracemalloc.get_traced_memory()[1])
    finally:
        gate.set()
        tracemalloc.stop()
    return peak, blocked_at


def _fed_peak(driver: Any, n: int) -> tuple[float, int]:
    """A producer thread fires *n* gated tasks into a pool bounded by default (a peer).

    Like :func:`_bounded_peak`, but through ``driver.fire``; the pool is shut down (which
    waits for every task) before the peak is read.
    """
    gate = threading.Event()
    handed = [0]

    def produce() -> None:
        fire, wait = driver.fire, gate.wait
        for i in range(n):
            fire(wait)
            handed[0] = i + 1

    producer = threading.Thread(target=produce, name="bench-producer", daemon=True)
    tracemalloc.start()
    try:
        producer.start()
        last, still = -1, 0
        while still < 3 and handed[0] < n:  # until no progress for 3 polls in a row
            time.sleep(0.05)
            still = still + 1 if handed[0] == last else 0
            last = handed[0]
        blocked_at = handed[0]
        gate.set()
        producer.join(timeout=600)
        driver.close()
        peak = float(tracemalloc.get_traced_memory()[1])
    finally:
        gate.set()
        tracemalloc.stop()
    return peak, blocked_at


def memory_case(
    key: str, n: int, workers: int, bound: int, monitored: bool = False
) -> dict[str, float]:
    """One memory measurement (run by :mod:`benchmarks.memcase` in a fresh interpreter)."""
    bench = Bench(dataclasses.replace(FULL, reps=1))
    if bound:
        peak, blocked_at = bench.measure(
            key,
            workers,
            lambda d: _bounded_peak(d, n),
            options={"max_queue": bound, "on_full": "block"},
            monitored=monitored,
        )
    elif getattr(DRIVERS[key], "bounded", False):
        peak, blocked_at = bench.measure(key, workers, lambda d: _fed_peak(d, n))
    else:
        peak = bench.measure(key, workers, lambda d: _queued_peak(d, n), monitored=monitored)
        blocked_at = 0
    return {"peak": peak, "blocked_at": blocked_at, "leaks": len(bench.leaks)}


def _memory_in_child(
    key: str, n: int, workers: int, bound: int, monitored: bool
) -> dict[str, float]:
    root = str(Path(__file__).resolve().parent.parent)
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    argv = [sys.executable, "-m", "benchmarks.memcase", key, str(n), str(workers), str(bound)]
    argv += ["stats"] if monitored else []
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"memory case {key} failed:\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def memory(bench: Bench) -> Result:
    s = bench.sizes
    n = s.memory_tasks
    res = Result(
        "memory",
        f"Peak traced memory (tracemalloc) with {n:,} tasks queued behind gated workers "
        f"({s.memory_workers} workers; each case in a fresh interpreter)",
        {"tasks": n, "bound": s.memory_bound, "workers": s.memory_workers},
        units={"bytes_per_task": "B/task", "peak_mib": "MiB", "handed_over_when_blocked": "tasks"},
    )
    bounded = f"tp.run max_queue={s.memory_bound}"
    keys = available(["tp.run", "tp.submit", "tp.executor", "std", "mp", "handoff", *bench.peers])
    named = [(k, k) for k in keys]
    if "tp.run" in keys:
        named.append((bounded, "tp.run"))
    for key in bench.peers:
        if getattr(DRIVERS[key], "bounded", False):
            named = [(f"{key} (fed by a thread)" if k == key else name, k) for name, k in named]
    cases = [(name, key, mon) for series, key in named for name, mon in bench.variants(series, key)]
    for rep, order in bench.rotations(cases, s.memory_reps):
        for series, key, monitored in order:
            bound = s.memory_bound if series.removesuffix(STATS) == bounded else 0
            out = _memory_in_child(key, n, s.memory_workers, bound, monitored)
            if out["leaks"]:
                bench.leaks.append(f"{key}: thread(s) still alive after shutdown (memory case)")
            peak = out["peak"]
            extra = ""
            if bound:
                res.add("handed_over_when_blocked", series, out["blocked_at"])
            elif out["blocked_at"]:
                extra = f"  producer blocked after {int(out['blocked_at']):,} tasks"
                extra = f"  producer blocked after {int(out['blocked_at']):,} tasks"
            res.add("peak_mib", series, peak / 2**20)
            res.add("bytes_per_task", series, peak / n)
            progress(
                f"  memory    rep {rep + 1}/{s.memory_reps}  {series:<22} {peak / 2**20:8.2f} MiB"
                f"  {peak / n:7.0f} B/task{extra}"
            )
    return res


# --------------------------------------------------------------------------- scaling
def _calibrate_cpu(ms: float) -> int:
    """Loop count of :func:`cpu_task` that takes about *ms* milliseconds here."""
    loops = 10_000
    while True:
        secs = min(_timed(functools.partial(cpu_task, loops)) for _ in range(5))
        if secs >= 0.002:
            return max(1, int(loops * ms / 1e3 / secs))
        loops *= 2


def cpu_task(loops: int) -> int:
    total = 0
    for i in range(loops):
        total += i
    return total


def _serially(task: Callable[[], object], n: int) -> None:
    for _ in range(n):
        task()


def _pooled(task: Callable[[], object], n: int, driver: Any) -> float:
    if driver.key == "tp.map":  # the CPU-bound map of the free-threading row (performance.md)
        return _timed(lambda: driver.map(lambda _: task(), range(n), 1))
    return _timed(lambda: driver.batch(task, n))


def scaling(bench: Bench) -> Result:
    s = bench.sizes
    n = s.scaling_tasks
    loops = _calibrate_cpu(s.scaling_cpu_ms)
    kinds: dict[str, Callable[[], object]] = {
        "cpu": lambda: cpu_task(loops),
        "io": lambda: time.sleep(0.005),
    }
    res = Result(
        "scaling",
        f"Worker count vs speed-up over a serial loop: {n} CPU-bound tasks "
        f"(~{s.scaling_cpu_ms:g} ms of pure Python each) and {n} IO-bound tasks (sleep 5 ms)",
        {"tasks": n, "workers": list(s.scaling_workers), "cpu_loops": loops},
        units={"cpu_speedup": "x serial", "io_speedup": "x serial"},
    )
    keys = available(["tp.submit", "tp.map", "std"])
    for rep, order in bench.rotations(keys):
        for kind, task in kinds.items():
            serial = 0.0
            for w in s.scaling_workers:
                if kind == "cpu" or not serial:  # the CPU serial loop is cheap: re-time it
                    gc.collect()  # next to every pool so machine noise hits both alike
                    serial = _timed(functools.partial(_serially, task, n))
                for key in order:
                    secs = bench.measure(key, w, functools.partial(_pooled, task, n), warm=n)
                    res.add(f"{kind}_speedup", f"{key}@{w}", serial / secs)
                progress(f"  scaling   rep {rep + 1}/{s.reps}  {kind} workers={w}")
    return res


WORKLOADS: dict[str, Callable[[Bench], Result]] = {
    "overhead": overhead,
    "map": map_items,
    "io": io_bound,
    "latency": latency,
    "memory": memory,
    "scaling": scaling,
}
