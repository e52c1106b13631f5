"""Instructions per call on the hot paths, counted by ``valgrind --tool=callgrind``.

Unlike timings on a shared machine, the counts repeat from run to run (with the hash seed
fixed: string hashes decide how many probes a dict lookup takes), so they show
what a change to a hot path costs or saves. Each case runs a loop of calls in a fresh
interpreter under callgrind; an empty loop is subtracted. The submitting cases pretend every
worker is busy, so each task is queued and nothing else runs.

    python benchmarks/instructions.py [--calls 20000] [--src DIR]     (needs valgrind)

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


def count(body: str, calls: int, src: str) -> int:
    code = SETUP.format(src=src) + f"for _ in range({calls}):\n    {body}\nimport os; os._exit(0)\n"
    callgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
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


if __name__ == "__main__":
    main()
