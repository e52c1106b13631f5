"""Turn workload results into target checks, a Markdown report and JSON."""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .workloads import STATS, Result

STD = "std"  # the series every detail table compares against


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def ratio(num: Sequence[float], den: Sequence[float]) -> float | None:
    """Median of per-repetition ratios ``num[i] / den[i]`` (``None`` if unavailable)."""
    pairs = [a / b for a, b in zip(num, den, strict=False) if b]
    return statistics.median(pairs) if pairs else None


@dataclass
class Target:
    what: str
    measured: float | None  # the ratio or value the limit applies to
    op: str  # "<=", ">=" or "<"
    limit: float
    figures: str  # the underlying medians, for context

    @property
    def status(self) -> str:
        if self.measured is None:
            return "n/a"
        ok = {
            "<=": self.measured <= self.limit,
            ">=": self.measured >= self.limit,
            "<": self.measured < self.limit,
        }[self.op]
        return "PASS" if ok else "FAIL"


def _series(results: dict[str, Result], name: str, metric: str, key: str) -> list[float]:
    result = results.get(name)
    if result is None:
        return []
    return result.metrics.get(metric, {}).get(key, [])


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if unit == "%":
        return f"{value:.1%}"
    if abs(value) >= 100:
        return f"{value:,.0f}{unit}"
    return f"{value:.3g}{unit}"


def targets(results: dict[str, Result]) -> list[Target]:
    out: list[Target] = []

    def med(name: str, metric: str, key: str, unit: str = "") -> str:
        values = _series(results, name, metric, key)
        return f"{key} {_fmt(median(values), unit)}" if values else f"{key} n/a"

    def versus(
        what: str, name: str, metric: str, a: str, b: str, op: str, limit: float, unit: str
    ) -> None:
        num, den = _series(results, name, metric, a), _series(results, name, metric, b)
        figures = f"{med(name, metric, a, unit)}; {med(name, metric, b, unit)}"
        out.append(Target(what, ratio(num, den) if num and den else None, op, limit, figures))

    us = " µs"
    items = f"{results['map'].params['items']:,}" if "map" in results else "?"
    versus(
        "submit()+result, no-op, 4 workers: ThreadPool / stdlib submit",
        "overhead",
        "per_task_us",
        "tp.submit",
        STD,
        "<=",
        0.4,
        us,
    )
    versus(
        "run()+callback: ThreadPool.run / stdlib submit",
        "overhead",
        "per_task_us",
        "tp.run",
        STD,
        "<=",
        0.05,
        us,
    )
    versus(
        f"map {items} no-op items, chunksize=1: ThreadPool.map / multiprocessing ThreadPool.map",
        "map",
        "seconds",
        "tp.map cs=1",
        "mp.map cs=1",
        "<=",
        0.5,
        " s",
    )
    versus(
        f"map {items} no-op items, chunksize=256: ThreadPool.map / serial floor",
        "map",
        "seconds",
        "tp.map cs=256",
        "serial",
        "<=",
        1.5,
        " s",
    )
    for api in ("tp.submit", "tp.run"):
        versus(f"IO-bound efficiency: {api} / stdlib", "io", "efficiency", api, STD, ">=", 1.0, "%")
        eff = _series(results, "io", "efficiency", api)
        ceiling = results["io"].params.get("ceiling") if "io" in results else None
        figures = med("io", "efficiency", api, "%")
        if ceiling:
            figures += f" (zero-overhead ceiling here: {ceiling:.1%})"
        absolute = median(eff) if eff else None
        out.append(Target(f"IO-bound efficiency: {api} (absolute)", absolute, ">=", 0.95, figures))
    for metric in ("p50_us", "p99_us"):
        for api in ("tp.submit", "tp.run"):
            versus(
                f"latency {metric[:3]}: {api} / stdlib", "latency", metric, api, STD, "<=", 0.8, us
            )
    run_bytes = _series(results, "memory", "bytes_per_task", "tp.run")
    out.append(
        Target(
            "memory per queued run() task, bytes",
            median(run_bytes) if run_bytes else None,
            "<=",
            64,
            # the floor queues (fn, callback) 2-tuples on a SimpleQueue, as run() does
            f'{med("memory", "bytes_per_task", STD, " B")}; '
            f'{med("memory", "bytes_per_task", "handoff", " B")}',
        )
    )
    bounded = (
        next(
            (
                k
                for k in results["memory"].metrics.get("peak_mib", {})
                if k.startswith("tp.run max_queue")
            ),
            None,
        )
        if "memory" in results
        else None
    )
    if bounded is not None:
        versus(
            f"memory peak: {bounded} / stdlib unbounded",
            "memory",
            "peak_mib",
            bounded,
            STD,
            "<",
            0.02,
            " MiB",
        )
    for name, metric, series, quiet in stats_pairs(results):
        num, den = _series(results, name, metric, series), _series(results, name, metric, quiet)
        figures = f"{med(name, metric, series)}; {med(name, metric, quiet)}"
        out.append(
            Target(
                f"{name} {metric}: {quiet} with stats() every ms / quiet",
                ratio(num, den),
                "<=",
                1.1,
                figures,
            )
        )
    return out


# The metrics in which a +stats series is compared with its quiet twin (the higher the worse).
STATS_METRICS = ("per_task_us", "seconds", "p50_us", "p99_us", "bytes_per_task")


def stats_pairs(results: dict[str, Result]) -> list[tuple[str, str, str, str]]:
    """(workload, metric, monitored series, quiet series) for every ``+stats`` series."""
    return [
        (name, metric, key, key.removesuffix(STATS))
        for name, result in results.items()
        for metric, series in result.metrics.items()
        if metric in STATS_METRICS
        for key in series
        if key.endswith(STATS) and key.removesuffix(STATS) in series
    ]


# --------------------------------------------------------------------------- side by side
# Which series stands for an implementation in each workload (None: not measured there).
_MAP_SERIES = {
    "tp.submit": "tp.map cs=1",
    "tp.executor": "tp.executor.map",
    "std": "std.map",
    "mp": "mp.map cs=1",
}


def _peer_keys(results: dict[str, Result]) -> list[str]:
    seen = results.get("overhead") or results.get("latency")
    base = {"tp.run", "tp.submit", "tp.executor", "std", "mp", "serial", "handoff"}
    return (
        [
            k
            for k in (seen.metrics.get("per_task_us") or seen.metrics.get("p50_us") or {})
            if k not in base and not k.endswith(STATS)
        ]
        if seen
        else []
    )


def side_by_side(results: dict[str, Result]) -> list[str]:
    """One row per implementation: every workload's figure as a ratio to the stdlib's."""
    impls = ["tp.run", "tp.submit", "tp.executor", "std", "mp", *_peer_keys(results), "handoff"]

    def cell(name: str, metric: str, key: str, base: str, unit: str = "x") -> str:
        num = _series(results, name, metric, key)
        if not num:
            return "n/a"
        if unit == "%":
            return _fmt(median(num), "%")
        if unit == " B":
            if "fed by a thread" in key:  # bounded: its peak, not a per-task figure
                peak = median(_series(results, name, "peak_mib", key))
                return f"bounded: {peak:.2g} MiB peak"
            return f"{median(num):,.0f} B"
        return _fmt(ratio(num, _series(results, name, metric, base)), "x")

    rows = []
    for impl in impls:
        memory = impl
        if "memory" in results and impl not in results["memory"].metrics.get("bytes_per_task", {}):
            memory = next(
                (
                    k
                    for k in results["memory"].metrics.get("bytes_per_task", {})
                    if k.startswith(impl + " (")
                ),
                impl,
            )
        map_key = _MAP_SERIES.get(impl, f"{impl}.map cs=1")
        row = [
            cell("overhead", "per_task_us", impl, STD),
            cell("latency", "p50_us", impl, STD),
            cell("latency", "p99_us", impl, STD),
            cell("map", "seconds", map_key, "std.map"),
            cell("io", "efficiency", impl, STD, "%"),
            cell("memory", "bytes_per_task", memory, STD, " B"),
        ]
        if any(c != "n/a" for c in row):  # measured in this run
            rows.append([impl, *row])
    header = [
        "implementation",
        "per task (no-op, wait for all)",
        "latency p50",
        "latency p99",
        "map cs=1",
        "IO-bound efficiency",
        "memory per queued task",
    ]
    return _table(header, rows)


def stats_markdown(results: dict[str, Result]) -> list[str]:
    rows = []
    for name, metric, series, quiet in stats_pairs(results):
        num, den = _series(results, name, metric, series), _series(results, name, metric, quiet)
        rows.append([f"{name}: {quiet}", metric, _fmt(ratio(num, den), "x")])
    return _table(["case", "metric", "with stats() every 1 ms / quiet"], rows) if rows else []


# --------------------------------------------------------------------------- Markdown
def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def targets_markdown(items: Sequence[Target]) -> list[str]:
    rows = []
    for t in items:
        if t.what.endswith(", bytes"):
            measured = "n/a" if t.measured is None else f"{t.measured:,.1f} B"
            limit = f"{t.limit:g} B"
        else:
            measured = _fmt(t.measured, "%" if "absolute" in t.what else "x")
            limit = f"{t.limit:.0%}" if "absolute" in t.what else f"{t.limit:g}x"
        rows.append([t.what, measured, f"{t.op} {limit}", f"**{t.status}**", t.figures])
    return _table(["target", "measured", "limit", "result", "medians"], rows)


def detail_markdown(result: Result) -> list[str]:
    lines = [f"### {result.title}", ""]
    for metric, series in result.metrics.items():
        unit = result.units.get(metric, "")
        pct = unit.startswith("fraction")
        rows = []
        for key, values in series.items():
            # scaling series are "impl@workers": compare with the stdlib at the same count
            std = result.baseline
            base = series.get(std + key[key.index("@") :] if "@" in key else std)
            r = ratio(values, base) if base else None
            spread = (max(values) - min(values)) / median(values) if median(values) else 0.0
            rows.append(
                [
                    key,
                    _fmt(median(values), "%" if pct else ""),
                    _fmt(min(values), "%" if pct else ""),
                    _fmt(max(values), "%" if pct else ""),
                    f"{spread:.0%}",
                    _fmt(r, "x"),
                ]
            )
        header = [
            "implementation",
            f"{metric} ({unit}) median",
            "min",
            "max",
            "spread",
            f"ratio to {result.baseline}",
        ]
        lines += [*_table(header, rows), ""]
    for note in result.notes:
        lines += [f"_{note}_", ""]
    return lines


def markdown(results: dict[str, Result], meta: dict[str, Any]) -> str:
    lines = [
        "## Side by side",
        "",
        "Ratios to `concurrent.futures.ThreadPoolExecutor` in the same run (lower is better; "
        "map: to the stdlib's `map`); IO-bound efficiency and memory as measured.",
        "",
    ]
    lines += side_by_side(results)
    if meta.get("peers_left_out"):
        lines += ["", "Peers left out of this run:", ""]
        lines += [f"- {k}: {why}" for k, why in meta["peers_left_out"].items()]
    stats = stats_markdown(results)
    if stats:
        lines += ["", "## With a thread calling stats() every 1 ms", "", *stats]
    lines += ["", "## Targets", ""]
    lines += targets_markdown(targets(results))
    lines += [
        "",
        f"Medians of {meta['reps']} interleaved repetitions ({meta['memory_reps']} for the "
        "memory workload, whose tracemalloc byte counts are deterministic); ratios are medians "
        "of per-repetition ratios. `spread` = (max - min) / median over repetitions.",
        "",
        "## Details",
        "",
    ]
    for result in results.values():
        lines += detail_markdown(result)
    lines += ["## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items() if k not in {"warnings"}]
    if meta.get("warnings"):
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in meta["warnings"]]
    return "\n".join(lines) + "\n"


def to_json(results: dict[str, Result], meta: dict[str, Any]) -> str:
    payload = {
        "meta": meta,
        "targets": [{**asdict(t), "status": t.status} for t in targets(results)],
        "workloads": {name: asdict(r) for name, r in results.items()},
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def load(path: Path) -> tuple[dict[str, Result], dict[str, Any]]:
    """Read back what :func:`write` wrote as JSON."""
    payload = json.loads(path.read_text(encoding="utf-8"))
    results = {name: Result(**r) for name, r in payload["workloads"].items()}
    return results, payload["meta"]


def write(results: dict[str, Result], meta: dict[str, Any], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / "results.md", out / "results.json"
    md.write_text(markdown(results, meta), encoding="utf-8")
    js.write_text(to_json(results, meta) + "\n", encoding="utf-8")
    return md, js


if __name__ == "__main__":  # python -m benchmarks.report results.json: render it again
    loaded, loaded_meta = load(Path(sys.argv[1]))
    print(markdown(loaded, loaded_meta))
