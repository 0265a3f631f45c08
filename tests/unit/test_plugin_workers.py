"""plugin_client's callback workers: bounded, in order, and daemon threads (a stopped plugin does not wait)."""

from __future__ import annotations

import threading

import pytest

from plugin_client.workers import Workers
from tests.support import WAIT


def test_at_most_count_calls_run_at_once_and_every_call_runs():
    workers = Workers(2)
    gate, changed, done = threading.Event(), threading.Condition(), threading.Semaphore(0)
    running, most = [0], [0]

    def call(_: int) -> None:
        with changed:
            running[0] += 1
            most[0] = max(most[0], running[0])
            changed.notify_all()
        assert gate.wait(WAIT)  # held until both workers are busy: a third call would have to run beside them
        with changed:
            running[0] -= 1
        done.release()

    for number in range(6):
        workers.submit(call, number)
    with changed:
        assert changed.wait_for(lambda: running[0] >= 2, WAIT), "the second worker never took a call"
    gate.set()
    assert all(done.acquire(timeout=WAIT) for _ in range(6))
    assert most[0] == 2
    assert all(thread.daemon for thread in workers._threads) and len(workers._threads) == 2
    workers.shutdown()
    with pytest.raises(RuntimeError):
        workers.submit(call, 7)


def test_a_raising_call_leaves_the_worker_alive():
    workers = Workers(1)
    done = threading.Event()
    workers.submit(lambda: 1 / 0)
    workers.submit(done.set)
    assert done.wait(WAIT)
    workers.shutdown()
