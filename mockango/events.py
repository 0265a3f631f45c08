"""What changed on a host, as typed events, and the one notifier that tells listeners and wakes waiters.

Each event is a frozen dataclass: a listener tells kinds apart by type (``isinstance``), so a
kind cannot be misspelled, and each names the *topics* it concerns (a session, a plugin).
Whoever waits for something (a run to end, a plugin to go live) waits on its topic only: a
log line of one run wakes nobody, and the end of one run wakes only that run's waiters
(issue 21 measured waking every ``?wait=`` waiter on every change at 30 % of a busy host's CPU).

Publish after the change is committed, outside any store lock: listeners read the store.
"""

from __future__ import annotations

import dataclasses
import threading
import traceback
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

__all__ = [
    "Event",
    "SessionChanged",
    "LogAdded",
    "LateAnswer",
    "LabelsImported",
    "ProjectChanged",
    "PluginChanged",
    "LiveChanged",
    "TaskChanged",
    "WorkflowChanged",
    "HostReset",
    "Notifier",
    "session_topic",
    "plugin_topic",
]


def session_topic(session_id: str) -> Hashable:
    """What waiters for one session wait on."""
    return ("session", session_id)


def plugin_topic(plugin_id: str) -> Hashable:
    """What waiters for one plugin's connections wait on."""
    return ("plugin", plugin_id)


@dataclass(frozen=True)
class Event:
    """Something that changed. ``kind`` is the event's name in :meth:`Notifier.subscribe_plain`'s view."""

    kind: ClassVar[str] = "event"
    wakes_everyone: ClassVar[bool] = False

    def topics(self) -> tuple[Hashable, ...]:
        """The topics whose waiters this event wakes (none by default)."""
        return ()

    def fields(self) -> dict[str, Any]:
        """The event's fields as a plain dict (fields left at None are left out)."""
        return {key: value for key, value in dataclasses.asdict(self).items() if value is not None}


@dataclass(frozen=True)
class SessionChanged(Event):
    """A session started (``running``) or ended (its final status)."""

    kind: ClassVar[str] = "session"
    id: str
    status: str

    def topics(self) -> tuple[Hashable, ...]:
        return (session_topic(self.id),)


@dataclass(frozen=True)
class LogAdded(Event):
    """A plugin logged a line on a session."""

    kind: ClassVar[str] = "log"
    session: str
    entry: dict | None


@dataclass(frozen=True)
class LateAnswer(Event):
    """A response came after its session had ended; it is kept beside the session."""

    kind: ClassVar[str] = "late"
    session: str


@dataclass(frozen=True)
class LabelsImported(Event):
    """Labels were imported into a project (by a run's key when ``session`` is set)."""

    kind: ClassVar[str] = "labels"
    project: str | None
    session: str | None = None


@dataclass(frozen=True)
class ProjectChanged(Event):
    """A project was created, changed (assets, batches, ontology) or deleted."""

    kind: ClassVar[str] = "project"
    id: str
    deleted: bool = False


@dataclass(frozen=True)
class PluginChanged(Event):
    """A plugin was registered or deleted."""

    kind: ClassVar[str] = "plugin"
    id: str
    deleted: bool = False


@dataclass(frozen=True)
class LiveChanged(Event):
    """A plugin went live (its first connection) or its connection closed (``live`` is what it is now)."""

    kind: ClassVar[str] = "live"
    id: str
    live: bool

    def topics(self) -> tuple[Hashable, ...]:
        return (plugin_topic(self.id),)


@dataclass(frozen=True)
class TaskChanged(Event):
    """Tasks of a project changed: one (``task``, now at ``stage`` when it may have moved), or many (``requeued``)."""

    kind: ClassVar[str] = "task"
    project: str
    task: str | None = None
    stage: str | None = None
    requeued: int | None = None


@dataclass(frozen=True)
class WorkflowChanged(Event):
    """A project's workflow stages were replaced."""

    kind: ClassVar[str] = "workflow"
    project: str


@dataclass(frozen=True)
class HostReset(Event):
    """Everything was replaced (a reset, a state import): every waiter looks again."""

    kind: ClassVar[str] = "reset"
    wakes_everyone: ClassVar[bool] = True


Listener = Callable[[Event], None]


class Notifier:
    """Tells listeners about every event and wakes the waiters of its topics, for one host.

    Waiters register before they look (:meth:`watch`), so a change between their look and
    their wait is never missed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._waiters: dict[Hashable, set[threading.Event]] = {}

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(event)`` after every event (in the publishing thread; exceptions are printed)."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

    def subscribe_plain(self, listener: Callable[[str, dict], None]) -> None:
        """Call ``listener(kind, fields)`` after every event: the events as plain names and dicts, for scripts."""
        self.subscribe(lambda event: listener(event.kind, event.fields()))

    @property
    def listener_count(self) -> int:
        return len(self._listeners)

    def publish(self, event: Event) -> None:
        """Wake the waiters of the event's topics (all of them for a reset), then tell the listeners."""
        if event.wakes_everyone:
            self.wake_all()
        else:
            for topic in event.topics():
                self.wake(topic)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a broken listener must not break the host
                traceback.print_exc()

    def wake(self, topic: Hashable) -> None:
        """Wake whoever waits on ``topic`` (without telling listeners: nothing they track changed)."""
        with self._lock:
            waiting = self._waiters.get(topic)
            if waiting:
                for flag in waiting:
                    flag.set()

    def wake_all(self) -> None:
        with self._lock:
            for waiting in self._waiters.values():
                for flag in waiting:
                    flag.set()

    @contextmanager
    def watch(self, topic: Hashable) -> Iterator[threading.Event]:
        """A flag set by the next event on ``topic``: register, look at the state, then ``flag.wait()``."""
        flag = threading.Event()
        with self._lock:
            self._waiters.setdefault(topic, set()).add(flag)
        try:
            yield flag
        finally:
            with self._lock:
                waiting = self._waiters.get(topic)
                if waiting is not None:
                    waiting.discard(flag)
                    if not waiting:
                        del self._waiters[topic]

    @property
    def waiter_count(self) -> int:
        with self._lock:
            return sum(len(waiting) for waiting in self._waiters.values())
