"""Recording what a plugin client sends to a mockango host, as shapes that can be compared.

:class:`RecordingHost` is a Hub served the way :class:`mockango.MockAngo` serves it
(``make_wsgi_server``), with two taps installed from outside, changing nothing the
host does:

* a WSGI middleware around the Flask app that notes every HTTP request (method,
  path, header names, query parameter names, JSON body field paths), the
  Socket.IO handshake included;
* a wrapper around the ``/plugin`` namespace's ``trigger_event`` that notes every
  Socket.IO event a client sends (name, payload field paths).

:func:`shape` folds a recording into names only (ids in paths become ``{id}``), which
is what tests/protocol/test_traffic.py compares between plugin_client and the official
client (the official shape is kept in ``official_traffic.json``).
"""

from __future__ import annotations

import io
import json
import re
import threading
from typing import Any
from urllib.parse import parse_qsl

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mockango import Hub, make_wsgi_server
from mockango.server import POLL_INTERVAL

OBJECT_ID = re.compile(r"\b[0-9a-f]{24}\b")


def field_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value: ``{"a": [{"b": 1}]}`` → ``{"a", "a[].b"}``."""
    paths: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.add(path)
            paths |= field_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            paths |= field_paths(item, f"{prefix}[]")
    return paths


class RecordingHost:
    """A mockango host on 127.0.0.1 that keeps a record of everything clients send it."""

    def __init__(self, *, seed: int = 1, run_timeout: float = 30.0) -> None:
        self.hub = Hub(seed=seed, run_timeout=run_timeout)
        self.server = make_wsgi_server(self.hub)
        self.url = self.hub.base_url
        self.records: list[dict] = []
        self._lock = threading.Lock()
        app = self.server.app
        app.wsgi_app = self._http_tap(app.wsgi_app)
        namespace = app.extensions["socketio"].server.namespace_handlers["/plugin"]
        namespace.trigger_event = self._event_tap(namespace.trigger_event)
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            daemon=True,
            name=f"recording host {self.url}",
        )

    # ------------------------------------------------------------------ taps

    def _add(self, record: dict) -> None:
        with self._lock:
            self.records.append(record)

    def _http_tap(self, inner):
        def middleware(environ, start_response):
            body = b""
            length = environ.get("CONTENT_LENGTH")
            if length:
                body = environ["wsgi.input"].read(int(length))
                environ["wsgi.input"] = io.BytesIO(body)
            headers = {k[5:].replace("_", "-").lower() for k in environ if k.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers.add("content-type")
            if length:
                headers.add("content-length")
            try:
                fields = field_paths(json.loads(body)) if body else set()
            except ValueError:
                fields = {"<not JSON>"}
            self._add(
                {
                    "kind": "http",
                    "method": environ["REQUEST_METHOD"],
                    "path": environ.get("PATH_INFO", ""),
                    "headers": headers,
                    "query": {k for k, _ in parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)},
                    "body": fields,
                }
            )
            return inner(environ, start_response)

        return middleware

    def _event_tap(self, trigger):
        def tapped(event, *args):
            if event == "connect":  # args: sid, environ[, auth]
                payload = args[2] if len(args) > 2 else None
            elif event == "disconnect":
                payload = None
            else:
                payload = args[1] if len(args) > 1 else None
            self._add({"kind": "sio", "event": event, "fields": field_paths(payload), "type": type(payload).__name__})
            return trigger(event, *args)

        return tapped

    # ------------------------------------------------------------- lifecycle

    def __enter__(self) -> RecordingHost:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.hub.close()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def clear(self) -> None:
        with self._lock:
            self.records.clear()


def _route(method: str, path: str) -> str:
    return f"{method} {OBJECT_ID.sub('{id}', path)}"


def shape(records: list[dict]) -> dict:
    """Names only, as sorted lists: ``{"http": {route: {headers, query, body}}, "sio": {event: fields}}``."""
    http: dict[str, dict[str, set]] = {}
    sio: dict[str, set] = {}
    for r in records:
        if r["kind"] == "http":
            entry = http.setdefault(_route(r["method"], r["path"]), {"headers": set(), "query": set(), "body": set()})
            for part in ("headers", "query", "body"):
                entry[part] |= r[part]
        elif r["event"] != "disconnect":  # carries nothing, and whether it is seen depends on timing
            sio.setdefault(r["event"], set()).update(r["fields"])
    return {
        "http": {
            route: {part: sorted(names) for part, names in sorted(parts.items())}
            for route, parts in sorted(http.items())
        },
        "sio": {event: sorted(fields) for event, fields in sorted(sio.items())},
    }


def extra_names(ours: dict, official: dict) -> list[str]:
    """Everything in shape ``ours`` that shape ``official`` does not have, one line each."""
    extra = []
    for route, parts in ours["http"].items():
        theirs = official["http"].get(route)
        if theirs is None:
            extra.append(f"HTTP route {route!r}")
            continue
        for part, names in parts.items():
            for name in sorted(set(names) - set(theirs[part])):
                extra.append(f"{route}: {part} {name!r}")
    for event, fields in ours["sio"].items():
        theirs = official["sio"].get(event)
        if theirs is None:
            extra.append(f"Socket.IO event {event!r}")
            continue
        for name in sorted(set(fields) - set(theirs)):
            extra.append(f"Socket.IO {event!r}: field {name!r}")
    return extra


class AnswerTap:
    """A forwarding proxy in front of a REST plugin that records what the plugin answers.

    The host is given the proxy's URL as the plugin's callback URL; each answer is kept
    as ``"METHOD /path -> status"`` with its content type and body shape.
    """

    def __init__(self, plugin_port: int) -> None:
        self.target = f"http://127.0.0.1:{plugin_port}"
        self.answers: list[dict] = []
        self._lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True, name=f"answer tap {self.url}"
        )

    @Request.application
    def _app(self, request: Request) -> Response:
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("secret", "content-type")}
        try:
            answer = requests.request(
                request.method,
                self.target + request.full_path.rstrip("?"),
                data=request.get_data(),
                headers=headers,
                timeout=60,
            )
        except requests.ConnectionError:
            return Response("plugin down", status=502)
        try:
            body = answer.json()
            fields = field_paths(body) | {f"<{type(body).__name__}>"}
        except ValueError:
            fields = {"<not JSON>"}
        with self._lock:
            self.answers.append(
                {
                    "route": f"{request.method} {request.path} -> {answer.status_code}",
                    "content-type": answer.headers.get("Content-Type", "").split(";")[0],
                    "body": fields,
                }
            )
        return Response(answer.content, status=answer.status_code, content_type=answer.headers.get("Content-Type"))

    def probe(self, secret: str) -> None:
        """The answers a host never provokes itself: a missing or wrong secret, a body that is no object."""
        requests.get(f"{self.url}/heartbeat", timeout=10)
        requests.get(f"{self.url}/heartbeat", headers={"Secret": secret + "x"}, timeout=10)
        requests.post(f"{self.url}/plugin", json={"session": "x"}, headers={"Secret": secret + "x"}, timeout=10)
        requests.post(f"{self.url}/plugin", json=[], headers={"Secret": secret}, timeout=10)

    def shape(self) -> dict:
        out: dict[str, dict[str, set]] = {}
        with self._lock:
            for a in self.answers:
                entry = out.setdefault(a["route"], {"content-type": set(), "body": set()})
                entry["content-type"].add(a["content-type"])
                entry["body"] |= a["body"]
        return {route: {part: sorted(v) for part, v in sorted(parts.items())} for route, parts in sorted(out.items())}

    def __enter__(self) -> AnswerTap:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)


def extra_answers(ours: dict, official: dict) -> list[str]:
    """Answers (route + status), content types and body fields ours has and the official client's lack."""
    extra = []
    for route, parts in ours.items():
        theirs = official.get(route)
        if theirs is None:
            extra.append(f"answer {route!r}")
            continue
        for part, names in parts.items():
            for name in sorted(set(names) - set(theirs[part])):
                extra.append(f"answer {route}: {part} {name!r}")
    return extra
