"""A finished run leaves nothing in the host's Python memory: its data is in the store, not in books.

Counted structures, not timings: the Hub's in-process books (``Hub.held_in_memory``) and the
Socket.IO server's sockets and rooms, after real runs over a real socket, end however they end.
"""

from __future__ import annotations

import threading
import time

import pytest

from mockango.records.journal import Journal
from mockango.runs.clock import SessionClock
from tests.support import answer_or_fail, held_callback, plugin_running

# A thread that dies of an exception (the run clock, a plugin's event handler) would leave things behind.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


def socket_books(host) -> dict[str, int]:
    """What the Socket.IO server keeps per socket (and would keep per run if it leaked)."""
    socketio = host._server.app.extensions["socketio"]
    rooms = socketio.server.manager.rooms
    return {
        "engine.io sockets": len(socketio.server.eio.sockets),
        "rooms": sum(len(by_room) for by_room in rooms.values()),
        "namespace sids": sum(len(sids) for by_room in rooms.values() for sids in by_room.values()),
    }


def books_without_journal(host) -> dict[str, int]:
    held = host.hub.held_in_memory()
    held.pop("journal entries")  # bounded, and it grows with requests until its bound: checked below
    return {**held, **socket_books(host)}


def test_finished_runs_leave_no_python_objects_behind(host):
    plugin = host.create_plugin("Runs")
    with plugin_running(host, plugin.id, plugin.secret, answer_or_fail):
        host.run(plugin.id, config='"ok"', timeout=30)  # the first run fills pools and caches
        after_one = books_without_journal(host)
        assert after_one["run timers"] == 0 and after_one["connections"] == 1
        for number in range(12):
            session = host.run(plugin.id, config='"fail"' if number % 3 == 0 else '"ok"', timeout=30)
            assert session.status == ("failed" if number % 3 == 0 else "succeeded")
        assert books_without_journal(host) == after_one
    # The plugin has stopped; the host sees its socket close a moment later (seen to lag on a loaded machine).
    deadline = time.monotonic() + 5
    while host.hub.held_in_memory()["connections"] and time.monotonic() < deadline:
        time.sleep(0.02)
    after_leaving = books_without_journal(host)
    assert after_leaving["connections"] == after_leaving["run timers"] == 0


def test_timed_out_and_dropped_runs_leave_no_timer_either(host):
    plugin = host.create_plugin("Slow")
    release = threading.Event()
    with plugin_running(host, plugin.id, plugin.secret, held_callback(release, "late")):
        timed_out = host.run(plugin.id, timeout=0.3)
        assert timed_out.status == "timed_out"
        release.set()
        host.hub.wait_session(timed_out.id, timeout=5)
        release.clear()
        in_flight = host.start_run(plugin.id, timeout=60)
        assert host.hub.held_in_memory()["run timers"] == 1
    # the plugin left with its run in flight: the run failed (once the host has seen the socket close;
    # waiting cannot reach the run's 60 s limit), and its timer went with it
    assert host.hub.wait_session(in_flight.id, timeout=30).status == "failed"
    assert host.hub.held_in_memory()["run timers"] == 0


def test_the_clock_forgets_ended_runs_and_compacts_its_heap():
    fired: list[str] = []
    clock = SessionClock(fired.append)
    try:
        for number in range(1000):
            clock.add(f"s{number}", 1e12)  # never due
            clock.forget(f"s{number}")
        clock.add("kept", 1e12)
        assert len(clock) == 1
        assert len(clock._due) <= 2 * len(clock) + 32, "forgotten entries pile up in the heap"
    finally:
        clock.close()
    assert fired == []


@pytest.mark.parametrize("size", [3, 50])
def test_the_journal_keeps_only_its_last_entries(size):
    journal = Journal(size=size)
    for number in range(size * 4):
        journal.add("GET", f"/v2/thing/{number}", 200, "", None)
    assert len(journal) == size
    assert [entry["path"] for entry in journal.entries()] == [f"/v2/thing/{n}" for n in range(size * 3, size * 4)]


def test_a_far_deadline_does_not_stop_the_clock():
    """A wait longer than threading.TIMEOUT_MAX raises OverflowError: the clock must not die of it."""
    fired: list[str] = []
    clock = SessionClock(fired.append)
    try:
        clock.add("far", 1e12)
        time.sleep(0.05)  # the clock's thread is waiting for "far" now
        clock.add("soon", time.monotonic() + 0.05)
        deadline = time.monotonic() + 10
        while not fired and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fired == ["soon"]
    finally:
        clock.close()
