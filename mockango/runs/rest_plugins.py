"""Plugins served over HTTP (the REST connector, ango-host-facts §3).

A plugin registered with a callback URL does not call in: the host calls it.

* Liveness: :class:`RestPluginWatcher` asks ``GET {url}/heartbeat`` (header ``Secret``)
  every ``interval`` seconds, in one background thread per host. A plugin is live while
  the answer is 200 with the body ``"ok"``; the first failed check drops it.
* Runs: :class:`RestPluginConnection` sends each run event as ``POST {url}/plugin``
  (header ``Secret``, the event as JSON) from a thread of its own, so no lock of the
  host is held while a plugin works. The answer ``{"response": ..., "session": ...}``
  ends the session; any other answer, or no answer, fails it with the reason.
* Export plugins, and Model plugins in workflow mode, answer ``null`` there: their answer comes
  through ``POST /v2/pluginResponse`` or ``POST /v2/annotate/{taskId}``.
* Logs (and error responses, for clients that send them) come in like any SDK call,
  on ``POST /v2/pluginLog`` and ``POST /v2/pluginResponse`` with the run's API key.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

import requests

from .. import input_limits
from ..errors import InvalidRequest

if TYPE_CHECKING:
    from .engine import RunEngine

log = logging.getLogger(__name__)

SECRET_HEADER = "Secret"
CONNECT_TIMEOUT = 5.0
SHOWN_BODY = 300  # characters of a plugin's answer quoted in a failure reason


def _heartbeat_ok(response: requests.Response) -> bool:
    """200 with ``"ok"``: a JSON string (the official client) or plain text."""
    if response.status_code != 200:
        return False
    text = response.text.strip()
    try:
        return input_limits.loads(text) == "ok"
    except InvalidRequest:
        return text == "ok"


def _quote(response: requests.Response) -> str:
    text = response.text.strip()
    if len(text) > SHOWN_BODY:
        text = text[:SHOWN_BODY] + "..."
    return text or "(empty body)"


class RestPluginConnection:
    """A plugin's callback URL, as the host sees it (a :class:`~mockango.runs.links.PluginConnection`)."""

    def __init__(self, engine: RunEngine, plugin_id: str, url: str, secret: str) -> None:
        self.id = f"rest:{plugin_id}"
        self.plugin_id = plugin_id
        self.url = url.rstrip("/")
        self._secret = secret
        self._engine = engine

    def check_heartbeat(self, http: requests.Session, timeout: float) -> tuple[bool, str]:
        """``GET {url}/heartbeat``: (live?, why not)."""
        try:
            response = http.get(f"{self.url}/heartbeat", headers={SECRET_HEADER: self._secret}, timeout=timeout)
        except requests.RequestException as exc:
            return False, f"GET {self.url}/heartbeat failed: {exc}"
        if _heartbeat_ok(response):
            return True, ""
        return False, f"GET {self.url}/heartbeat answered HTTP {response.status_code}: {_quote(response)}"

    def send_run(self, event: dict) -> None:
        """Start delivering the run; the session ends when the plugin answers (or cannot)."""
        thread = threading.Thread(
            target=self._deliver, args=(event,), daemon=True, name=f"mockango run {event.get('session')}"
        )
        thread.start()

    def _deliver(self, event: dict) -> None:
        session_id: str = event["session"]  # runs/engine.py builds every event with it
        url = f"{self.url}/plugin"
        try:
            remaining = self._engine.get(session_id).deadline - time.monotonic()
        except Exception:  # the session is gone (the host was reset): nothing to deliver
            return
        try:
            response = requests.post(
                url,
                json=event,
                headers={SECRET_HEADER: self._secret},
                timeout=(CONNECT_TIMEOUT, max(remaining, 0.0) + 1.0),
            )
        except requests.Timeout as exc:
            if isinstance(exc, requests.ConnectTimeout):
                self._fail(session_id, f"could not reach the plugin at {url}: {exc}")
            # A read timeout: the run's own time limit ends the session (timed_out).
            return
        except requests.RequestException as exc:
            self._fail(session_id, f"could not reach the plugin at {url}: {exc}")
            return
        if response.status_code == 401:
            self._fail(
                session_id,
                f"the plugin refused the run (HTTP 401 from {url}): the Secret did not match; "
                f"is it running with this plugin's secret? Answer: {_quote(response)}",
            )
            return
        if response.status_code != 200:
            hint = " (its callback probably raised: see the session's logs)" if response.status_code == 500 else ""
            self._fail(
                session_id, f"the plugin answered HTTP {response.status_code}{hint} from {url}: {_quote(response)}"
            )
            return
        try:  # strict: a NaN or a 100,000-deep answer must not reach the session
            body = input_limits.loads(response.content, where="the plugin's answer")
        except InvalidRequest as exc:
            self._fail(session_id, f"{exc.message} (from {url}): {_quote(response)}")
            return
        if body is None and self._answers_elsewhere(session_id):
            return  # answered by POST /v2/pluginResponse (Export) or /v2/annotate (Model, workflow)
        if not isinstance(body, dict) or not ("response" in body or "error" in body):
            self._fail(
                session_id,
                f"the plugin's answer from {url} is not a JSON object with 'response' and "
                f"'session': {_quote(response)}",
            )
            return
        self._record({**body, "session": session_id})

    def _answers_elsewhere(self, session_id: str) -> bool:
        """Whether this run's answer comes through the REST API rather than the HTTP reply (a ``null`` body)."""
        try:
            session = self._engine.get(session_id)
            return self._engine.kinds.get(session.plugin_type).answers_elsewhere(session.event)
        except Exception:
            return False

    def _fail(self, session_id: str, reason: str) -> None:
        self._record({"error": reason, "session": session_id})

    def _record(self, payload: dict[str, Any]) -> None:
        try:
            # The host made this call itself, so no connection or key needs checking.
            self._engine.record_response(payload)
        except Exception:  # the session is gone (the host was reset)
            log.debug("dropped the answer for session %s", payload.get("session"), exc_info=True)


class RestPluginWatcher:
    """Checks every callback-URL plugin of one host for liveness, in one background thread.

    The thread starts with :meth:`wake` (called when such a plugin is registered) and ends by
    itself once the host has no such plugin, or at :meth:`close` (a later :meth:`wake` starts it again).
    """

    def __init__(self, engine: RunEngine, *, interval: float = 1.0, timeout: float = 2.0) -> None:
        self.interval = interval
        self.timeout = timeout
        self._engine = engine
        self._guard = threading.Lock()
        self._wakeup = threading.Event()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self._connections: dict[str, RestPluginConnection] = {}
        self.last_problem: dict[str, str] = {}  # plugin id -> why its last heartbeat failed

    @property
    def running(self) -> bool:
        return self._thread is not None

    def wake(self) -> None:
        """Check now, and keep checking (starts the thread when it is not running)."""
        with self._guard:
            self._wakeup.set()
            if self._stop is None or self._stop.is_set():  # none, or one that is stopping
                self._stop = threading.Event()
                self._thread = threading.Thread(
                    target=self._loop, args=(self._stop,), daemon=True, name="mockango heartbeats"
                )
                self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop checking and wait for the thread to end."""
        with self._guard:
            thread, stop = self._thread, self._stop
            if stop is not None:
                stop.set()
            self._wakeup.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _plugins(self) -> list[tuple[str, str, str]]:
        return self._engine.plugins.with_callback()

    def _loop(self, stop: threading.Event) -> None:
        http = requests.Session()
        try:
            while True:
                self._wakeup.clear()
                plugins = self._plugins()  # reads the store, never inside our guard
                with self._guard:
                    if stop.is_set() or (not plugins and not self._wakeup.is_set()):
                        if self._stop is stop:
                            self._thread = self._stop = None
                        return
                self._check(http, plugins, stop)
                self._wakeup.wait(self.interval)
        finally:
            http.close()

    def _check(self, http: requests.Session, plugins: list[tuple[str, str, str]], stop: threading.Event) -> None:
        for gone in set(self._connections) - {p[0] for p in plugins}:
            del self._connections[gone]
            self.last_problem.pop(gone, None)
        for plugin_id, url, secret in plugins:
            if stop.is_set():
                return
            connection = self._connections.get(plugin_id)
            if connection is None or connection.url != url.rstrip("/"):
                connection = self._connections[plugin_id] = RestPluginConnection(self._engine, plugin_id, url, secret)
            live, problem = connection.check_heartbeat(http, self.timeout)
            if live:
                self.last_problem.pop(plugin_id, None)
                try:
                    self._engine.authenticate_plugin(plugin_id, secret, connection)
                except Exception:  # deleted meanwhile
                    self._connections.pop(plugin_id, None)
            else:
                self.last_problem[plugin_id] = problem
                self._engine.connection_closed(connection.id)
