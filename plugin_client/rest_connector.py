"""The REST connector (``CONNECTOR=REST``): the plugin serves HTTP and the host calls it.

Routes, as the official client serves them (ango-host-facts §3):

* ``GET /heartbeat`` with header ``Secret`` → ``200`` and the JSON string ``"ok"``;
* ``POST /plugin`` with header ``Secret`` and the run event as a JSON object →
  ``200`` ``{"response": <what the callback returned>, "session": <id>}``. When the
  callback raises, its traceback goes to the session's logs and the answer is ``500``;
* a Model plugin in workflow mode answers ``200`` ``null``: its ``POST /v2/annotate`` was the answer;
  an Export plugin sends its answer to ``POST /v2/pluginResponse`` and answers ``200`` ``null``;
* a wrong or missing secret → ``401`` ``{"detail": ...}``; a body that is not a
  JSON object → ``422`` ``{"detail": ...}``.

Each log line of a run is a ``POST {host}/v2/pluginLog`` with header ``apikey`` (the
run event's ``apiKey``), sent before the run's answer, so logs arrive in order.

The server is werkzeug's threaded WSGI server on ``$HOST:$PORT`` (defaults
``127.0.0.1:8080``; the official client binds every interface, so set
``HOST=0.0.0.0`` when the host runs on another machine). ``PORT=0`` picks a free port.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import socket
import threading

import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .contract import RunsEvents

log = logging.getLogger("plugin_client")

SECRET_HEADER = "Secret"
LOG_TIMEOUT = 30.0


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        log.debug('"%s" %s %s', self.requestline, code, size)


def _json(body, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _bind(bind: str, port: int, app) -> BaseWSGIServer:
    """werkzeug's threaded server on a socket bound here: a taken port raises ``OSError``
    (werkzeug itself would print and exit the process)."""
    family = socket.AF_INET6 if ":" in bind else socket.AF_INET
    try:
        listener = socket.create_server((bind, port), family=family, backlog=128)
    except OSError as exc:
        raise OSError(
            exc.errno, f"cannot serve the plugin on {bind}:{port}: {exc.strerror} (set PORT to a free port)"
        ) from exc
    try:
        server = make_server(
            bind, listener.getsockname()[1], app, threaded=True, request_handler=_QuietHandler, fd=listener.fileno()
        )
    finally:
        listener.close()  # the server keeps its own duplicate of the socket
    return server  # threaded: a ThreadedWSGIServer, whose request threads are daemons


class RestConnector:
    """Serves one plugin over HTTP until :meth:`stop`."""

    def __init__(
        self,
        plugin: RunsEvents,
        host: str,
        *,
        port: int | None = None,
        bind: str | None = None,
        poll_interval: float = 0.05,
    ) -> None:
        self.plugin, self.host = plugin, host
        if port is None:
            port = int(os.environ.get("PORT") or 8080)
        bind = bind or os.environ.get("HOST") or "127.0.0.1"
        self.poll_interval = poll_interval
        self._runs = threading.BoundedSemaphore(max(plugin.workers, 1))
        self._local = threading.local()  # one requests.Session per server thread
        self._guard = threading.Lock()
        self._stopping = False
        self._serving = False
        self._server: BaseWSGIServer = _bind(bind, port, Request.application(self._respond))
        self.port = self._server.port
        shown = f"[{bind}]" if ":" in bind else bind
        self.url = f"http://{shown}:{self.port}"

    # ------------------------------------------------------------- lifecycle

    def serve_forever(self) -> None:
        with self._guard:
            if self._stopping:
                self._server.server_close()
                return
            self._serving = True
        log.info("plugin %s serving runs on %s (host %s)", self.plugin.id, self.url, self.host)
        try:
            self._server.serve_forever(poll_interval=self.poll_interval)
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving (returns within about ``poll_interval``; runs in flight are abandoned)."""
        with self._guard:
            self._stopping = True
            serving = self._serving
        if serving:
            self._server.shutdown()
        else:
            self._server.server_close()

    # ---------------------------------------------------------------- routes

    def _respond(self, request: Request) -> Response:
        if request.path not in ("/heartbeat", "/plugin"):
            return _json({"detail": "Not Found"}, 404)
        allowed = "GET" if request.path == "/heartbeat" else "POST"
        if request.method != allowed:
            return _json({"detail": "Method Not Allowed"}, 405)
        if not self._secret_ok(request.headers.get(SECRET_HEADER)):
            return _json({"detail": "Unauthorized: the Secret header does not match this plugin's secret"}, 401)
        if request.path == "/heartbeat":
            return _json("ok")
        event = request.get_json(silent=True)
        if not isinstance(event, dict):
            return _json({"detail": "the body must be a JSON object: the run event"}, 422)
        with self._runs:
            answer = self.plugin.handle_run(event, lambda entry: self._send_log(event, entry))
        if answer is None:  # answered through the REST API (a Model plugin in workflow mode)
            return _json(None)
        if answer.get("error"):
            return Response(
                "Internal Server Error: the plugin's callback raised (its traceback is in the session's logs)",
                status=500,
                mimetype="text/plain",
            )
        if self.plugin.answers_rest_through_sdk:
            return self._send_answer(event, answer)
        return _json(answer)

    def _secret_ok(self, given: str | None) -> bool:
        if given is None:
            return False
        return hmac.compare_digest(given.encode(), self.plugin.secret.encode())

    # ------------------------------------------------------------------ host

    def _http(self) -> requests.Session:
        session = getattr(self._local, "http", None)
        if session is None:
            session = self._local.http = requests.Session()
        return session

    def _send_answer(self, event: dict, answer: dict) -> Response:
        """``POST /v2/pluginResponse`` (how Export plugins answer over REST); the HTTP reply is null."""
        problem = self._post(event, "/v2/pluginResponse", answer, "the run's answer")
        if problem:
            return Response(problem, status=502, mimetype="text/plain")
        return _json(None)

    def _send_log(self, event: dict, entry: dict) -> None:
        self._post(event, "/v2/pluginLog", entry, "a log line")

    def _post(self, event: dict, path: str, body: dict, what: str) -> str | None:
        """POST ``body`` to the host with the run's key; None when it was taken, else what went wrong."""
        url = f"{self.host}{path}"
        try:
            response = self._http().post(
                url, json=body, headers={"apikey": str(event.get("apiKey") or "")}, timeout=LOG_TIMEOUT
            )
        except requests.RequestException as exc:
            log.error("could not send %s to %s: %s", what, url, exc)
            return f"could not send {what} to {url}: {exc}"
        if not response.ok:
            log.error("the host refused %s (HTTP %s from %s): %s", what, response.status_code, url, response.text[:300])
            return f"the host refused {what} (HTTP {response.status_code})"
        return None
