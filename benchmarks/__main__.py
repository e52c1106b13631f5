"""``python -m benchmarks [--quick] [--reps N] [--only a,b] [--no-peers] [--no-stats] ...``.

Progress goes to stderr; the Markdown report goes to stdout and, with JSON and PNG
charts, to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from . import charts, peers, report
from .drivers import TP
from .workloads import FULL, QUICK, WORKLOADS, Bench, Result, progress

HERE = Path(__file__).resolve().parent


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return out.stdout.strip() + (" (+ uncommitted changes in src/)" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _steal_ticks() -> int | None:
    """CPU time taken by the hypervisor from this virtual machine, in clock ticks (Linux)."""
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()
        return int(fields[8])  # "cpu  user nice system idle iowait irq softirq steal ..."
    except (OSError, IndexError, ValueError):
        return None


def _meta(mode: str, reps: int) -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "mode": mode,
        "reps": reps,
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "threadpool": (
            f"{getattr(TP, '__version__', '?')} from {Path(TP.__file__).parent}"
            if TP is not None
            else "NOT IMPORTABLE (threadpool rows skipped)"
        ),
        "commit": _git_commit(),
        "gc": f"enabled, thresholds {gc.get_threshold()}, gc.collect() before each timed case",
        "switch_interval": sys.getswitchinterval(),
        # free-threaded builds (3.13t, 3.14t) run Python code in parallel: see the scaling row
        "gil": "enabled" if getattr(sys, "_is_gil_enabled", lambda: True)() else "disabled",
        "load_average_start": " ".join(f"{x:.2f}" for x in load),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: tiny sizes, 2 repetitions, no charts"
    )
    parser.add_argument("--reps", type=int, help="repetitions (default 5, quick 2)")
    parser.add_argument(
        "--memory-reps",
        type=int,
        help="repetitions of the (slow, deterministic) memory workload (default 1)",
    )
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(WORKLOADS)}")
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE / "results",
        help="output directory (default: benchmarks/results)",
    )
    parser.add_argument("--no-charts", action="store_true", help="skip the PNG charts")
    parser.add_argument(
        "--no-peers",
        action="store_true",
        help="measure only threadpool, the stdlib and multiprocessing (peers are measured "
        "when installed: pip install -e '.[bench-peers]')",
    )
    parser.add_argument(
        "--no-stats",
        action="store_true",
        help="skip the second measurement of each threadpool case with a thread calling "
        "stats() every 1 ms (skipped in --quick anyway)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit with status 1 if any target fails (never in --quick)",
    )
    args = parser.parse_args(argv)

    sizes = QUICK if args.quick else FULL
    if args.reps:
        sizes = dataclasses.replace(sizes, reps=args.reps)
    if args.memory_reps:
        sizes = dataclasses.replace(sizes, memory_reps=args.memory_reps)
    names = args.only.split(",") if args.only else list(WORKLOADS)
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(unknown)}")

    meta = _meta("quick" if args.quick else "full", sizes.reps)
    meta["memory_reps"] = sizes.memory_reps
    if TP is None:
        progress("benchmarks: threadpool is not importable; measuring the stdlib only")
    meta["peers"] = {} if args.no_peers else {k: d.label for k, d in peers.ALL.items()}
    meta["peers_left_out"] = dict(peers.PEERS_LEFT_OUT)
    bench = Bench(
        sizes,
        peers=[] if args.no_peers else list(peers.ALL),
        with_stats=not (args.quick or args.no_stats),
    )
    results: dict[str, Result] = {}
    steal_start = _steal_ticks()
    started = time.perf_counter()
    for name in names:
        progress(f"[{name}]")
        t0 = time.perf_counter()
        results[name] = WORKLOADS[name](bench)
        progress(f"[{name}] done in {time.perf_counter() - t0:.1f} s")

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    meta["load_average_end"] = " ".join(f"{x:.2f}" for x in load)
    meta["total_seconds"] = round(time.perf_counter() - started, 1)
    steal_end = _steal_ticks()
    if steal_start is not None and steal_end is not None:
        # A busy host slows every implementation, but not alike: GIL hand-offs suffer most.
        stolen = (steal_end - steal_start) / os.sysconf("SC_CLK_TCK")
        cpu_seconds = meta["total_seconds"] * (os.cpu_count() or 1)
        meta["cpu_time_stolen_by_the_host"] = f"{stolen:.1f} s ({stolen / cpu_seconds:.1%})"
    meta["warnings"] = sorted(set(bench.leaks))
    md, js = report.write(results, meta, args.out)
    written = [] if (args.quick or args.no_charts) else charts.write(results, args.out)
    if not (args.quick or args.no_charts) and not written:
        progress("matplotlib not installed (pip install -e '.[bench]'): no charts")
    print(report.markdown(results, meta))
    progress(f"wrote {md}, {js}" + "".join(f", {p}" for p in written))
    progress(f"total {meta['total_seconds']} s")
    failed = [t.what for t in report.targets(results) if t.status == "FAIL"]
    if failed:
        progress(f"{len(failed)} target(s) missed: " + "; ".join(failed))
    return 1 if (args.check and failed and not args.quick) else 0


if __name__ == "__main__":
    sys.exit(main())
