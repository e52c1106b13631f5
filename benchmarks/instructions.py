"""Instructions per call on the hot paths, counted by ``valgrind --tool=callgrind``.

Unlike timings on a shared machine, the counts repeat from run to run (with the hash seed
fixed: string hashes decide how many probes a dict lookup takes), so they show
what a change to a hot path costs or saves. Each case runs a loop of calls in a fresh
interpreter under callgrind; an empty loop is subtracted. The submitting cases pretend every
worker is busy, so each task is queued and nothing else runs.

    python benchmarks/instructions.py [--calls 20000] [--src DIR] [--workloads]   (needs valgrind)

``--workloads`` also counts whole workloads per task, caller and workers together: 20,000
no-op tasks on 4 started workers, waited for, as the overhead benchmark runs them (``run()`` +
callback, ``submit()`` + ``result()``, and the bare ``SimpleQueue`` hand-off as the floor);
the same workload with no tasks is subtracted.

``--src`` counts another copy of the package (a directory holding ``threadpool/``), e.g. the
base of a change, unpacked with ``git archive BASE src | tar -x -C /tmp/base``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

SETUP = r"""
import sys
sys.path.insert(0, {src!r})
import concurrent.futures as cf
import threadpool
from threadpool._future import PoolFuture
from threadpool._tasks import FUTURE, run_task
def noop():
    return None
def callback(success, value):
    return None
pool = threadpool.ThreadPool(4)
pool._core._workers = pool.max_workers  # every worker "busy": tasks queue, none run
std = cf.ThreadPoolExecutor(4)
"""

CASES = {
    "empty loop": "pass",
    "ThreadPool.run(noop, (), callback)": "pool.run(noop, (), callback)",
    "ThreadPool.submit(noop)": "pool.submit(noop)",
    "ThreadPool.stats()": "pool.stats()",
    "worker: a run() task": "run_task((noop, callback), 'p')",
    "worker: a submit() task (incl. making its future)": (
        "FUTURE.run((FUTURE, noop, (), {}, PoolFuture('p')), 'p')"
    ),
    "worker + result(): a submit() task": (
        "f = PoolFuture('p'); FUTURE.run((FUTURE, noop, (), {}, f), 'p'); f.result()"
    ),
    "stdlib: Future() set running, set result, result()": (
        "f = cf.Future(); f.set_running_or_notify_cancel(); f.set_result(None); f.result()"
    ),
}


WORKLOAD = r"""
import collections, queue, sys, threading, time
sys.path.insert(0, {src!r})
import threadpool
def noop():
    return None
kind = {kind!r}
if kind == "handoff":  # the floor: 4 threads that get() a task and call it, no bookkeeping
    tasks = queue.SimpleQueue()
    def work():
        get = tasks.get
        while (task := get()) is not None:
            fn, callback = task
            callback(True, fn())
    for _ in range(4):
        threading.Thread(target=work, daemon=True).start()
    put = tasks.put
else:
    pool = threadpool.ThreadPool(4)
    for f in [pool.submit(time.sleep, 0.002) for _ in range(4)]:  # all 4 workers started
        f.result()
    run = pool.run
def batch(n):
    if kind == "submit":
        for f in [pool.submit(noop) for _ in range(n)]:
            f.result()
        return
    done = threading.Event()
    ended = collections.deque()
    def callback(success, value):
        ended.append(None)
        if len(ended) >= n:
            done.set()
    if kind == "run":
        for _ in range(n):
            run(noop, (), callback)
    else:
        for _ in range(n):
            put((noop, callback))
    if n:
        done.wait()
batch(1000)  # warm up
batch({tasks})
import os; os._exit(0)
"""

WORKLOADS = {
    "run": "`run(noop, (), callback)`, 4 workers",
    "submit": "`submit(noop)`, then every `result()`, 4 workers",
    "handoff": "the floor: `SimpleQueue.put((noop, callback))` to 4 threads",
}


def count(body: str, calls: int, src: str) -> int:
    code = SETUP.format(src=src) + f"for _ in range({calls}):\n    {body}\nimport os; os._exit(0)\n"
    return _counted(code)


def count_workload(kind: str, tasks: int, src: str) -> int:
    return _counted(WORKLOAD.format(src=src, kind=kind, tasks=tasks))


def _counted(code: str) -> int:
    # --fair-sched: the workers and the caller take turns as they would, not one for long
    callgrind = ["valgrind", "--tool=callgrind", "--fair-sched=yes"]
    callgrind.append("--callgrind-out-file=/dev/null")
    done = subprocess.run(
        [*callgrind, sys.executable, "-c", code],
        env={**os.environ, "PYTHONHASHSEED": "0"},  # dict probes vary with the hash seed
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    match = re.search(r"Collected : (\d+)", done.stderr)
    if match is None:
        raise RuntimeError(f"no count from callgrind:\n{done.stderr}")
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument(
        "--src",
        default=str(Path(__file__).resolve().parents[1] / "src"),
        help="the directory holding the threadpool package to count (default: this checkout's)",
    )
    parser.add_argument(
        "--workloads", action="store_true", help="also count whole workloads per task (slower)"
    )
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    empty = count(CASES["empty loop"], args.calls, args.src)
    print("| call | instructions per call |")
    print("|---|---|")
    for label, body in CASES.items():
        if label != "empty loop":
            per_call = (count(body, args.calls, args.src) - empty) / args.calls
            print(f"| `{label}` | {per_call:,.0f} |")
    print(f"\n{args.calls:,} calls per case, Python {sys.version.split()[0]}, {args.src}.")
    if args.workloads:
        print("\n| whole workload | instructions per task |")
        print("|---|---|")
        for kind, label in WORKLOADS.items():
            none = count_workload(kind, 0, args.src)
            per_task = (count_workload(kind, args.calls, args.src) - none) / args.calls
            print(f"| {label} | {per_task:,.0f} |")
        print(f"\n{args.calls:,} tasks per workload, less the same workload with none.")


if __name__ == "__main__":
    main()
