"""plugin_client's callback workers: bounded, in order, and daemon threads (a stopped plugin does not wait)."""

from __future__ import annotations

import threading
import time

import pytest

from plugin_client.workers import Workers


def test_at_most_count_calls_run_at_once_and_every_call_runs():
    workers = Workers(2)
    gate, lock, done = threading.Event(), threading.Lock(), threading.Semaphore(0)
    running, most = [0], [0]

    def call(_: int) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        gate.wait(5)
        with lock:
            running[0] -= 1
        done.release()

    for number in range(6):
        workers.submit(call, number)
    deadline = time.monotonic() + 5
    while running[0] < 2 and time.monotonic() < deadline:  # both workers take a call before any ends
        time.sleep(0.01)
    gate.set()
    assert all(done.acquire(timeout=5) for _ in range(6))
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
    assert done.wait(5)
    workers.shutdown()
