"""What ``import threadpool`` loads: it should cost what ``import concurrent.futures`` does
(benchmarks/import_time.py measures the time). So, as ``concurrent.futures`` does with its
executors, the package loads each public name's module when the name is first used, and the
heavy modules are loaded only by what needs them: ``asyncio`` by ``run_async()``, ``typing`` by
``OnFull``, ``concurrent.futures.thread`` by ``BrokenThreadPool``."""

from __future__ import annotations

import subprocess
import sys
import typing

import pytest

import threadpool
from threadpool import ThreadPool

HEAVY = ("asyncio", "typing", "dataclasses", "inspect")
"""Modules that cost more to import than all of threadpool's own modules together."""


def modules_loaded_by(statement: str) -> set[str]:
    """The modules in ``sys.modules`` after ``statement`` runs in a fresh interpreter."""
    code = f"{statement}\nimport sys\nprint(*sys.modules)"
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return set(found.stdout.split())


def test_import_threadpool_loads_none_of_its_modules() -> None:
    loaded = modules_loaded_by("import threadpool")
    assert "threadpool" in loaded  # the import did happen
    assert sorted(name for name in loaded if name.startswith("threadpool.")) == []
    assert "asyncio" not in loaded


def test_a_pool_loads_no_heavy_module_that_concurrent_futures_does_not() -> None:
    """Whatever ``import concurrent.futures`` loads anyway costs us nothing more; nothing else
    heavy may come with a pool that runs, submits and maps."""
    ours = modules_loaded_by(
        "from threadpool import ThreadPool\n"
        "with ThreadPool(2) as pool:\n"
        "    pool.run(print, ('',))\n"
        "    assert pool.submit(abs, -1).result() == 1\n"
        "    assert list(pool.map(abs, [-2])) == [2]"
    )
    theirs = modules_loaded_by("import concurrent.futures")
    assert "threadpool._map" in ours  # the pool did map
    assert sorted((ours - theirs).intersection(HEAVY)) == []


def test_the_pool_leaves_to_their_users_the_modules_only_they_need() -> None:
    loaded = modules_loaded_by("from threadpool import ThreadPool")
    loaded -= modules_loaded_by("import concurrent.futures")  # loaded anyway on some Pythons
    for module in (
        "threadpool._broken",  # and with it concurrent.futures.thread, queue and heapq
        "concurrent.futures.thread",
        "queue",
        "threadpool._executor",
        "threadpool._group",
        "threadpool._map",
        "contextvars",
    ):
        assert module not in loaded


@pytest.mark.parametrize("name", threadpool.__all__)
def test_every_public_name_is_its_module_s_object(name: str) -> None:
    value = getattr(threadpool, name)
    module = {"OnFull": "threadpool._pool"}.get(name, getattr(value, "__module__", ""))
    assert getattr(sys.modules[module], name) is value
    assert name in dir(threadpool)



def test_run_async_imports_asyncio_when_first_used() -> None:
    statement = (
        "import threadpool, asyncio\n"
        "with threadpool.ThreadPool(1) as pool:\n"
        "    assert asyncio.run(pool.run_async(int, '5')) == 5"
    )
    assert "asyncio" in modules_loaded_by(statement)


def test_on_full_is_the_literal_of_the_accepted_values() -> None:
    on_full = threadpool.OnFull
    assert typing.get_origin(on_full) is typing.Literal
    assert typing.get_args(on_full) == ("block", "reject", "caller_runs")
    assert on_full is threadpool.OnFull  # made once
    from threadpool import OnFull

    assert OnFull is on_full
    assert "OnFull" in dir(threadpool)


@pytest.mark.parametrize("value", typing.get_args(threadpool.OnFull))
def test_every_on_full_value_is_accepted(value: str) -> None:
    pool = ThreadPool(1, on_full=value)  # type: ignore[arg-type]
    pool.shutdown()


def test_missing_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'threadpool' has no attribute 'OnEmpty'"):
        threadpool.OnEmpty  # type: ignore[attr-defined]  # noqa: B018


def test_an_initializer_failing_at_interpreter_exit_breaks_the_pool() -> None:
    """``BrokenThreadPool``'s module is loaded when a pool with an initializer is made: once
    the interpreter exits, ``concurrent.futures.thread`` can no longer be imported (it registers
    an exit hook), and a worker failing then must still break the pool, not die of that."""
    script = (
        "import threading, threadpool\n"
        "release = threading.Event()\n"
        "def init():\n"
        "    release.wait()\n"
        "    raise OSError('no database')\n"
        "pool = threadpool.ThreadPool(1, initializer=init)\n"
        "future = pool.submit(int)\n"
        "def after_main_thread():\n"
        "    threading.main_thread().join()  # the interpreter is exiting\n"
        "    release.set()\n"
        "    print(type(future.exception(30)).__name__, flush=True)\n"
        "threading.Thread(target=after_main_thread).start()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "BrokenThreadPool\n"
    assert "OSError: no database" in done.stderr  # logged, as any broken pool is
    assert "can't register atexit" not in done.stderr
