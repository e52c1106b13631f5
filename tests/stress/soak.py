"""Soak the pool before a release: run the stress suite and the model-based test again and
again, for a number of minutes or of rounds, and report every failure and every hang.

    python tests/stress/soak.py --minutes 10            # until 10 minutes have passed
    python tests/stress/soak.py --rounds 20             # 20 consecutive runs
    python tests/stress/soak.py --minutes 30 --scale 5  # each run 5 times as many rounds
    python tests/stress/soak.py --rounds 3 -- -k "not fork"   # after --: extra pytest args

Each round is a fresh ``python -m pytest tests/stress tests/model`` with
``THREADPOOL_STRESS_ROUNDS=<scale>`` and ``THREADPOOL_MODEL_EXAMPLES=<examples>``, killed if it
runs longer than ``--round-timeout`` (a hang). The output of each failed or hung round is kept
in ``--log-dir``. The exit status is 0 only if every round passed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    limit = parser.add_mutually_exclusive_group(required=True)
    limit.add_argument("--minutes", type=float, help="start rounds until this much time passed")
    limit.add_argument("--rounds", type=int, help="run exactly this many rounds")
    parser.add_argument("--scale", type=int, default=1, help="THREADPOOL_STRESS_ROUNDS")
    parser.add_argument("--examples", type=int, default=100, help="THREADPOOL_MODEL_EXAMPLES")
    parser.add_argument("--round-timeout", type=float, default=600.0, help="seconds; then a hang")
    parser.add_argument(
        "--log-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "threadpool-soak",
        help="where the output of failed and hung rounds is kept",
    )
    return parser.parse_args(argv), extra


def run_round(number: int, args: argparse.Namespace, extra: list[str]) -> tuple[str, float]:
    """One pytest run; returns ``("pass" | "fail" | "hang", seconds)``."""
    env = dict(
        os.environ,
        THREADPOOL_STRESS_ROUNDS=str(args.scale),
        THREADPOOL_MODEL_EXAMPLES=str(args.examples),
    )
    command = [sys.executable, "-m", "pytest", "tests/stress", "tests/model", "-q"]
    command += ["-p", "no:cacheprovider", *extra]
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=args.round_timeout,
            check=False,
        )
        outcome, output = ("pass" if done.returncode == 0 else "fail"), done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        outcome, output = "hang", _text(exc.stdout) + _text(exc.stderr)
    seconds = time.monotonic() - started
    if outcome != "pass":
        args.log_dir.mkdir(parents=True, exist_ok=True)
        log = args.log_dir / f"round-{number:04d}-{outcome}.log"
        log.write_text(output)
        summary = output.strip().splitlines()[-1] if output.strip() else "(no output)"
        print(f"    {summary}\n    full output: {log}", flush=True)
    return outcome, seconds


def _text(data: str | bytes | None) -> str:
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data or ""


def main(argv: list[str]) -> int:
    args, extra = parse(argv)
    deadline = None if args.minutes is None else time.monotonic() + 60 * args.minutes
    tally = {"pass": 0, "fail": 0, "hang": 0}
    started = time.monotonic()
    number = 0
    while (args.rounds is not None and number < args.rounds) or (
        deadline is not None and time.monotonic() < deadline
    ):
        number += 1
        outcome, seconds = run_round(number, args, extra)
        tally[outcome] += 1
        print(f"round {number}: {outcome} in {seconds:.1f} s", flush=True)
    total = time.monotonic() - started
    print(
        f"soak: {number} rounds in {total / 60:.1f} min (scale {args.scale}, "
        f"{args.examples} model examples): {tally['pass']} passed, {tally['fail']} failed, "
        f"{tally['hang']} hung",
        flush=True,
    )
    return 0 if tally["pass"] == number else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
