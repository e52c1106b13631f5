"""Run one memory measurement in this (fresh) interpreter and print it as JSON.

``python -m benchmarks.memcase KEY TASKS WORKERS BOUND [stats]`` (BOUND 0 = unbounded;
``stats``: a thread calls ``pool.stats()`` every 1 ms meanwhile).

Memory cases run in their own process because CPython's per-class instance-dict layout
is process-global state: after some workloads, every ``threading.Condition`` the
standard library creates was seen to take 192 bytes more, which moved the stdlib's
per-task figure from 1,832 to 2,024 bytes depending on what ran before it.
"""

from __future__ import annotations

import json
import sys

from .workloads import memory_case


def main(argv: list[str]) -> int:
    key, tasks, workers, bound = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    monitored = argv[4:] == ["stats"]
    print(json.dumps(memory_case(key, tasks, workers, bound, monitored)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
