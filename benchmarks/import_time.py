"""What ``import threadpool`` costs a program that starts, against ``import concurrent.futures``.

A command-line tool pays for its imports on every start, so this times whole processes, as a
user would meet them, each a fresh interpreter of the running Python, importing the
``threadpool`` that interpreter finds (the installed wheel, or the editable source tree):

- ``import threadpool`` against ``import concurrent.futures`` (the goal). Both load their pools
  only when a program first names them, so this is what a tool pays that imports the package
  at the top and uses a pool on some of its paths;
- ``from threadpool import ThreadPool``, what a tool pays that makes a pool, against both
  ``import concurrent.futures`` and ``from concurrent.futures import ThreadPoolExecutor``.

They run in rounds, one of each in an order that rotates, so a noisy moment on the machine lands
on all of them; the figure is the median of the per-round ratios (goal: at most 1.05x). A warm-up
round first fills the OS's file cache and writes the ``.pyc`` files, as installing a wheel does:
``PYTHONDONTWRITEBYTECODE`` is dropped from the children's environment, or ``threadpool`` would
be compiled from source on every run while the standard library loads its precompiled files.

    python benchmarks/import_time.py [--rounds 41]

``python -X importtime -c "import threadpool"`` shows, module by module, where the time goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

STATEMENTS = {
    "threadpool": "import threadpool",
    "ThreadPool": "from threadpool import ThreadPool",
    "concurrent.futures": "import concurrent.futures",
    # What a user of the standard library's executor loads: ..., concurrent.futures.thread, queue.
    "ThreadPoolExecutor": "from concurrent.futures import ThreadPoolExecutor",
}
COMPARED = (
    ("threadpool", "concurrent.futures"),  # the goal
    ("ThreadPool", "concurrent.futures"),
    ("ThreadPool", "ThreadPoolExecutor"),
)

ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_once(statement: str, folder: str) -> float:
    """Seconds for one fresh interpreter to start, run ``statement`` and exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", statement], cwd=folder, env=ENVIRONMENT, check=True)
    return time.perf_counter() - start


def measure(rounds: int) -> dict[str, list[float]]:
    """``rounds`` timings of each statement, one of each per round, in an order that rotates."""
    times: dict[str, list[float]] = {name: [] for name in STATEMENTS}
    names = list(STATEMENTS)
    with tempfile.TemporaryDirectory() as folder:  # nothing in it to import by accident
        for statement in STATEMENTS.values():
            run_once(statement, folder)
        for round_ in range(rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(run_once(STATEMENTS[name], folder))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=41, help="rounds (default 41)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, not {args.rounds}")
    found = subprocess.run(
        [sys.executable, "-c", "import threadpool; print(threadpool.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    print(f"Python {sys.version.split()[0]}; threadpool from {found.stdout.strip()}")
    times = measure(args.rounds)
    print(f"{args.rounds} rounds, whole process, median ms:")
    for name, statement in STATEMENTS.items():
        print(f"  python -c {statement!r:52} {statistics.median(times[name]) * 1e3:6.1f}")
    print("median of the per-round ratios:")
    for ours, theirs in COMPARED:
        ratios = [a / b for a, b in zip(times[ours], times[theirs], strict=True)]
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        goal = "; goal <= 1.05x" if (ours, theirs) == COMPARED[0] else ""
        print(
            f"  {STATEMENTS[ours]!r:36} / {STATEMENTS[theirs]!r:52}"
            f" {statistics.median(ratios):.3f}x"
            f"  (quartiles {quartiles[0]:.3f}x to {quartiles[2]:.3f}x{goal})"
        )


if __name__ == "__main__":
    main()
