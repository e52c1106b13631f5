"""Where submit()'s time goes: the same submit()+result() workload as the overhead benchmark,
for ThreadPool and the standard library, under three conditions that change only how the
threads share the GIL, not what a task costs:

- both cores, the default 5 ms switch interval (what the overhead benchmark measures);
- both cores, a 1 s switch interval (almost no forced GIL hand-offs);
- one core (``os.sched_setaffinity``), the default interval (no cross-core hand-offs).

Each case runs in a fresh interpreter; repetitions alternate the implementations. Besides the
time per task it counts the process's voluntary context switches (all threads): each is a
thread that blocked, on a lock or for the GIL, and handing the GIL between cores costs
microseconds.

    python benchmarks/floor.py [--reps 5] [--tasks 20000]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

CASE = r"""
import gc, os, resource, sys, time
sys.path.insert(0, {src!r})
import concurrent.futures as cf
import threadpool
if {one_core}:
    os.sched_setaffinity(0, {{0}})
sys.setswitchinterval({interval})
def noop():
    return None
pool = threadpool.ThreadPool(4) if {ours} else cf.ThreadPoolExecutor(4)
def per_task():
    gc.collect()
    switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw  # all threads
    start = time.perf_counter()
    futures = [pool.submit(noop) for _ in range({tasks})]
    for future in futures:
        future.result()
    elapsed = time.perf_counter() - start
    switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - switches
    return elapsed / {tasks} * 1e6, switches / {tasks} * 1000
per_task()  # warm: every worker started
print(*min(per_task() for _ in range(3)))
pool.shutdown()
"""

CONDITIONS = {
    "2 cores, 5 ms switch interval": (False, 0.005),
    "2 cores, 1 s switch interval": (False, 1.0),
    "1 core, 5 ms switch interval": (True, 0.005),
}


def run_case(ours: bool, one_core: bool, interval: float, tasks: int) -> tuple[float, float]:
    """µs per task and voluntary context switches per 1,000 tasks, of the fastest of 3 runs."""
    src = str(Path(__file__).resolve().parents[1] / "src")
    code = CASE.format(src=src, one_core=one_core, interval=interval, ours=ours, tasks=tasks)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    micros, switches = done.stdout.split()
    return float(micros), float(switches)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=20_000)
    args = parser.parse_args()
    print(
        "| condition | ThreadPool.submit µs/task | stdlib submit µs/task | ratio "
        "| context switches per 1,000 tasks (ThreadPool / stdlib) |"
    )
    print("|---|---|---|---|---|")
    for label, (one_core, interval) in CONDITIONS.items():
        ours, std, ratios, our_switches, std_switches = [], [], [], [], []
        for _ in range(args.reps):
            micros, switches = run_case(True, one_core, interval, args.tasks)
            ours.append(micros)
            our_switches.append(switches)
            micros, switches = run_case(False, one_core, interval, args.tasks)
            std.append(micros)
            std_switches.append(switches)
            ratios.append(ours[-1] / std[-1])
            print(f"{label}: {ours[-1]:.2f} vs {std[-1]:.2f}", file=sys.stderr)
        print(
            f"| {label} | {statistics.median(ours):.2f} | {statistics.median(std):.2f} "
            f"| {statistics.median(ratios):.2f}x "
            f"| {statistics.median(our_switches):.0f} / {statistics.median(std_switches):.0f} |"
        )


if __name__ == "__main__":
    main()
