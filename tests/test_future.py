"""PoolFuture keeps the contract of concurrent.futures.Future: every test runs on both.

PoolFuture is private, but it rewrites the Future methods that wait and notify, so it is held
to the standard library's behaviour directly, one method at a time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent import futures
from typing import Any

import pytest
from support import WAIT

from threadpool._future import PoolFuture

MakeFuture = Callable[[], "futures.Future[Any]"]


@pytest.fixture(params=["stdlib", "pool"])
def make_future(request: pytest.FixtureRequest) -> MakeFuture:
    if request.param == "stdlib":
        return futures.Future
    return lambda: PoolFuture("test")


def test_result_and_exception(make_future: MakeFuture) -> None:
    ok, failed = make_future(), make_future()
    ok.set_result(5)
    error = ValueError("x")
    failed.set_exception(error)
    assert (ok.result(), ok.exception(), ok.done(), ok.cancelled()) == (5, None, True, False)
    assert failed.exception() is error
    with pytest.raises(ValueError):
        failed.result()


def test_timeouts(make_future: MakeFuture) -> None:
    future = make_future()
    with pytest.raises(futures.TimeoutError):
        future.result(timeout=0)
    with pytest.raises(futures.TimeoutError):
        future.exception(timeout=0.01)
    with pytest.raises(futures.TimeoutError):
        future.result(timeout=-1)


@pytest.mark.parametrize("how", ["result", "exception", "cancel"])
def test_blocked_waiters_are_woken(make_future: MakeFuture, how: str) -> None:
    future = make_future()
    seen: list[object] = []
    waiting = threading.Barrier(4)

    def wait() -> None:
        waiting.wait(WAIT)
        try:
            seen.append(future.result(timeout=WAIT))
        except BaseException as exc:
            seen.append(type(exc))

    threads = [threading.Thread(target=wait) for _ in range(3)]
    for t in threads:
        t.start()
    waiting.wait(WAIT)
    if how == "result":
        future.set_result("done")
        expected: object = "done"
    elif how == "exception":
        future.set_exception(KeyError("k"))
        expected = KeyError
    else:
        assert future.cancel()
        expected = futures.CancelledError
    for t in threads:
        t.join(WAIT)
    assert seen == [expected] * 3


def test_cancel_rules(make_future: MakeFuture) -> None:
    pending, running, done = make_future(), make_future(), make_future()
    assert pending.cancel() and pending.cancel() and pending.cancelled()
    assert running.set_running_or_notify_cancel()
    assert not running.cancel() and running.running()
    done.set_result(1)
    assert not done.cancel()
    with pytest.raises(futures.CancelledError):
        pending.result()
    with pytest.raises(futures.CancelledError):
        pending.exception()
    assert not pending.set_running_or_notify_cancel()


def test_set_running_twice_or_after_done_is_an_error(make_future: MakeFuture) -> None:
    running, done = make_future(), make_future()
    assert running.set_running_or_notify_cancel()
    done.set_result(1)
    for future in (running, done):
        with pytest.raises(RuntimeError, match="unexpected state"):
            future.set_running_or_notify_cancel()
    assert running.running() and done.result() == 1


def test_set_twice_is_an_error(make_future: MakeFuture) -> None:
    future = make_future()
    future.set_result(1)
    with pytest.raises(futures.InvalidStateError):
        future.set_result(2)
    with pytest.raises(futures.InvalidStateError):
        future.set_exception(ValueError())
    cancelled = make_future()
    cancelled.cancel()
    with pytest.raises(futures.InvalidStateError):
        cancelled.set_result(1)


def test_done_callbacks_in_order_and_after_done(make_future: MakeFuture) -> None:
    future = make_future()
    calls: list[tuple[str, object]] = []
    future.add_done_callback(lambda f: calls.append(("first", f.result())))
    future.add_done_callback(lambda f: calls.append(("second", f.result())))
    future.set_result(7)
    future.add_done_callback(lambda f: calls.append(("late", f.result())))
    assert calls == [("first", 7), ("second", 7), ("late", 7)]
    cancelled = make_future()
    cancelled.add_done_callback(lambda f: calls.append(("cancelled", f.cancelled())))
    cancelled.cancel()
    assert calls[-1] == ("cancelled", True)


def test_a_raising_done_callback_is_logged_and_the_rest_run(
    make_future: MakeFuture, caplog: pytest.LogCaptureFixture
) -> None:
    future = make_future()
    ran: list[int] = []
    future.add_done_callback(lambda f: 1 / 0)
    future.add_done_callback(lambda f: ran.append(1))
    with caplog.at_level(logging.ERROR):
        future.set_result(None)
    assert ran == [1]
    [record] = caplog.records
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


def test_wait_and_as_completed(make_future: MakeFuture) -> None:
    fs = [make_future() for _ in range(4)]
    fs[0].set_result(0)
    done, not_done = futures.wait(fs, timeout=0)
    assert (done, not_done) == ({fs[0]}, set(fs[1:]))

    def finish() -> None:
        fs[1].set_exception(ValueError())
        fs[2].cancel()
        fs[2].set_running_or_notify_cancel()
        fs[3].set_result(3)

    finisher = threading.Timer(0.01, finish)
    finisher.start()
    assert set(futures.as_completed(fs, timeout=WAIT)) == set(fs)
    finisher.join(WAIT)
    done, _ = futures.wait(fs, timeout=WAIT, return_when=futures.FIRST_EXCEPTION)
    assert fs[1] in done


def test_first_completed_wakes_on_the_first(make_future: MakeFuture) -> None:
    fs = [make_future() for _ in range(3)]
    threading.Timer(0.01, fs[2].set_result, args=(2,)).start()
    done, not_done = futures.wait(fs, timeout=WAIT, return_when=futures.FIRST_COMPLETED)
    assert done == {fs[2]} and len(not_done) == 2


def test_repr_names_the_state(make_future: MakeFuture) -> None:
    future = make_future()
    assert "state=pending" in repr(future)
    future.set_result(1)
    assert "state=finished returned int" in repr(future)
