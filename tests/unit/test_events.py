"""Typed events and the notifier: a waiter wakes only for its own session (issue 21 item 2)."""

from __future__ import annotations

import threading
import time

from mockango import Hub
from mockango.events import HostReset, LiveChanged, LogAdded, Notifier, SessionChanged, session_topic
from tests.support import FakeConnection


def test_a_session_event_wakes_only_that_sessions_waiters():
    notifier = Notifier()
    with notifier.watch(session_topic("a")) as a, notifier.watch(session_topic("b")) as b:
        notifier.publish(SessionChanged("a", "succeeded"))
        notifier.publish(LogAdded("b", {"msg": "a log line wakes nobody"}))
        assert a.is_set() and not b.is_set()
        notifier.publish(HostReset())  # everything was replaced: everyone looks again
        assert b.is_set()
    assert notifier.waiter_count == 0


def test_listeners_get_typed_events_and_the_plain_view_keeps_names_and_fields():
    notifier = Notifier()
    typed, plain = [], []
    notifier.subscribe(typed.append)
    notifier.subscribe_plain(lambda kind, fields: plain.append((kind, fields)))
    notifier.publish(LiveChanged("p1", live=False))
    assert typed == [LiveChanged("p1", live=False)]
    assert plain == [("live", {"id": "p1", "live": False})]


def test_a_broken_listener_does_not_stop_the_others(capsys):
    notifier = Notifier()
    seen = []
    notifier.subscribe(lambda event: 1 / 0)
    notifier.subscribe(seen.append)
    notifier.publish(HostReset())
    assert seen == [HostReset()]
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_waiters_on_one_run_are_not_woken_by_the_logs_and_end_of_another():
    """16 waiters on one running session while another session logs 200 lines and ends: no waiter reads its
    session again (before issue 18 every change woke every waiter, and each re-read its session)."""
    hub = Hub()
    user = hub.default_user
    plugin = hub.create_plugin("Waited on")
    hub.authenticate_plugin(plugin.id, plugin.secret, FakeConnection())
    waited = hub.start_run(user, plugin.id, hub.default_project.id, timeout=30)
    busy = hub.start_run(user, plugin.id, hub.default_project.id, timeout=30)
    reads = []
    read = hub.sessions.get

    def counted(session_id, **options):
        reads.append(session_id)
        return read(session_id, **options)

    hub.sessions.get = counted
    waiters = [
        threading.Thread(target=hub.wait_session, args=(waited.id,), kwargs={"timeout": 30}, daemon=True)
        for _ in range(16)
    ]
    for thread in waiters:
        thread.start()
    while reads.count(waited.id) < 16:  # each waiter has looked once and waits
        time.sleep(0.001)
    time.sleep(0.05)
    looked = reads.count(waited.id)
    for line in range(200):
        hub.record_log({"session": busy.id, "msg": f"line {line}"})
    hub.record_response({"session": busy.id, "response": "done"})
    time.sleep(0.05)
    assert reads.count(waited.id) == looked == 16  # nobody looked again
    hub.record_response({"session": waited.id, "response": "done"})
    for thread in waiters:
        thread.join(5)
    assert not any(thread.is_alive() for thread in waiters)
    assert hub.notifier.waiter_count == 0
    hub.close()
