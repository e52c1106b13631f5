"""``PoolStats`` is a value: immutable, and compared, hashed, printed and pickled by its
fields, as the frozen dataclass it used to be."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

from threadpool import PoolState, PoolStats, ThreadPool

FIELDS = (
    "state",
    "max_workers",
    "workers",
    "idle",
    "retiring",
    "pending",
    "assigned",
    "running",
    "in_callers",
    "blocked",
    "submitted",
    "completed",
    "failed",
    "cancelled",
    "rejected",
)


def snapshot(**changes: object) -> PoolStats:
    values: dict[str, object] = dict.fromkeys(FIELDS, 0)
    values["state"] = PoolState.RUNNING
    values.update(changes)
    return PoolStats(**values)  # type: ignore[arg-type]


def test_fields_are_set_by_keyword_and_by_position() -> None:
    values = [PoolState.CLOSING, *range(1, len(FIELDS))]
    by_position = PoolStats(*values)
    assert [getattr(by_position, name) for name in FIELDS] == values
    assert by_position == snapshot(**dict(zip(FIELDS, values, strict=True)))


def test_it_cannot_be_changed() -> None:
    stats = snapshot()
    with pytest.raises(AttributeError, match="'failed'"):
        stats.failed = 3  # type: ignore[misc]  # type checkers reject it too
    with pytest.raises(AttributeError, match="'failed'"):
        del stats.failed
    with pytest.raises(AttributeError):
        stats.extra = 1  # type: ignore[attr-defined]
    assert stats.failed == 0


def test_equal_snapshots_compare_and_hash_alike() -> None:
    assert snapshot(failed=1) == snapshot(failed=1)
    assert hash(snapshot(failed=1)) == hash(snapshot(failed=1))
    assert snapshot(failed=1) != snapshot(failed=2)
    assert snapshot() != tuple(getattr(snapshot(), name) for name in FIELDS)
    assert len({snapshot(), snapshot(), snapshot(idle=1)}) == 2


def test_repr_names_every_field() -> None:
    text = repr(snapshot(rejected=4))
    assert text.startswith("PoolStats(state=<PoolState.RUNNING: 'running'>, max_workers=0, ")
    assert text.endswith(", cancelled=0, rejected=4)")
    assert all(f"{name}=" in text for name in FIELDS)


def test_it_pickles() -> None:
    stats = snapshot(completed=7)
    assert pickle.loads(pickle.dumps(stats)) == stats


def test_match_args_are_the_fields_in_order() -> None:
    assert PoolStats.__match_args__ == FIELDS


def test_a_pool_reports_one(make_pool: Callable[..., ThreadPool]) -> None:
    pool = make_pool(2)
    assert pool.submit(int, "1").result(10) == 1
    pool.close()
    assert pool.join(10)
    stats = pool.stats()
    assert (stats.state, stats.max_workers, stats.submitted, stats.completed) == (
        PoolState.TERMINATED,
        2,
        1,
        1,
    )
