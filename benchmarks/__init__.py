"""Benchmark suite for :mod:`threadpool`.

Run ``python -m benchmarks`` (full, a few minutes) or ``python -m benchmarks --quick``
(smoke mode, seconds).  See ``docs/performance.md`` for what is measured and how.
"""
