"""PNG charts (needs the optional ``bench`` extra: matplotlib)."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from .workloads import STATS, Result

COLORS = {
    "tp": "#1f77b4",
    "std": "#d62728",
    "mp": "#2ca02c",
    "serial": "#7f7f7f",
    "handoff": "#7f7f7f",  # a floor too
    # the peers (benchmarks/peers.py)
    "pebble": "#ff7f0e",
    "futurist": "#8c564b",
    "fastthreadpool": "#e377c2",
    "tpeplus": "#bcbd22",
    "classic": "#17becf",
}


def _color(key: str) -> str:
    return COLORS.get(key.split(".")[0].split(" ")[0].split("@")[0], "#9467bd")


def _pyplot() -> Any | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    # The docs show a chart about 720 px wide on a laptop screen, two thirds of its size or
    # less: these sizes keep its text at 11 px or more there.
    plt.rcParams.update(
        {
            "font.size": 13,
            "axes.titlesize": 14,
            "axes.labelsize": 13,
            "xtick.labelsize": 12,
            "ytick.labelsize": 12,
            "legend.fontsize": 12,
            "figure.titlesize": 15,
        }
    )
    return plt


def scaling_chart(result: Result, path: Path) -> None:
    plt = _pyplot()
    assert plt is not None
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
    workers: list[int] = result.params["workers"]
    tasks: int = result.params["tasks"]
    for ax, kind, title in zip(
        axes,
        ("cpu", "io"),
        ("CPU-bound (pure Python, holds the GIL)", "IO-bound (sleep 5 ms)"),
        strict=True,
    ):
        series = result.metrics.get(f"{kind}_speedup", {})
        impls = sorted({k.split("@")[0] for k in series})
        for impl in impls:
            ys = [statistics.median(series[f"{impl}@{w}"]) for w in workers]
            ax.plot(workers, ys, marker="o", label=impl, color=_color(impl))
        ideal = [min(w, tasks) for w in workers] if kind == "io" else [1.0 for _ in workers]
        ax.plot(
            workers,
            ideal,
            linestyle="--",
            color="#999999",
            label="ideal" if kind == "io" else "serial speed",
        )
        ax.set_xscale("log", base=2)
        ax.set_xticks(workers)
        ax.set_xticklabels([str(w) for w in workers])
        if kind == "io":
            ax.set_yscale("log", base=2)
            ax.set_yticks(workers)
            ax.set_yticklabels([str(w) for w in workers])  # 64, not 2^6
            ax.minorticks_off()
        else:  # show the flat line for what it is, not magnified noise
            top = max(max(line.get_ydata()) for line in ax.get_lines())
            ax.set_ylim(0, max(2.0, top * 1.1))
        ax.set_xlabel("worker threads")
        ax.set_ylabel("speed-up over a serial loop (x)")
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.suptitle(f"Effect of worker count ({tasks} tasks, median of repetitions)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _bars(
    ax: Any, result: Result | None, metric: str, title: str, xlabel: str, log: bool = False
) -> None:
    if result is None or metric not in result.metrics:
        ax.set_visible(False)
        return
    series = result.metrics[metric]
    keys = [k for k in series if not k.endswith(STATS)]  # the stats() variants: a table only
    values = [statistics.median(series[k]) for k in keys]
    ax.barh(keys, values, color=[_color(k) for k in keys])
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    for y, v in enumerate(values):
        ax.text(v, y, f" {v:,.3g}", va="center", fontsize=12)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.25)
    ax.grid(True, axis="x", alpha=0.3)


def overview_chart(results: dict[str, Result], path: Path) -> None:
    plt = _pyplot()
    assert plt is not None
    fig, axes = plt.subplots(3, 2, figsize=(12, 16))
    _bars(
        axes[0][0],
        results.get("overhead"),
        "per_task_us",
        "submit()+result / run()+callback, no-op tasks",
        "µs per task (lower is better)",
    )
    _bars(
        axes[0][1],
        results.get("map"),
        "seconds",
        "map over no-op items",
        "seconds (log, lower is better)",
        log=True,
    )
    _bars(
        axes[1][0],
        results.get("latency"),
        "p50_us",
        "submit-to-start latency p50",
        "µs (lower is better)",
    )
    _bars(
        axes[1][1],
        results.get("latency"),
        "p99_us",
        "submit-to-start latency p99",
        "µs (lower is better)",
    )
    queued = results["memory"].params["tasks"] if "memory" in results else 0
    _bars(
        axes[2][0],
        results.get("memory"),
        "peak_mib",
        f"peak traced memory with {queued:,} tasks submitted",
        "MiB (log, lower is better)",
        log=True,
    )
    _bars(
        axes[2][1],
        results.get("io"),
        "efficiency",
        "IO-bound efficiency",
        "fraction of ideal (higher is better)",
    )
    fig.suptitle(
        "threadpool, the standard library and the peers (medians of interleaved repetitions)"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write(results: dict[str, Result], out: Path) -> list[Path]:
    """Write the charts; returns the files written (none without matplotlib)."""
    if _pyplot() is None:
        return []
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if "scaling" in results:
        written.append(out / "scaling.png")
        scaling_chart(results["scaling"], written[-1])
    written.append(out / "overview.png")
    overview_chart(results, written[-1])
    return written
