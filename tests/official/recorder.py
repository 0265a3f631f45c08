"""A tiny stand-in host that records everything a plugin client sends.

It is used to document (docs/official-client.md) and compare what clients put
on the wire: HTTP requests (method, path, query, headers, body), the Socket.IO
handshake (URL, headers, auth) and every event on namespace ``/plugin``.
It answers the few REST calls the batch-model sample makes with canned data.

Standalone use (prints a JSON trace):

    python tests/official/recorder.py --run-python PY --script SCRIPT [--http-status 400] [--disconnect]

This is deliberately independent of mockango so it can be used to check what
the official client does even while the host is being written.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any

from flask import Flask, jsonify, request
from flask_socketio import SocketIO
from werkzeug.serving import WSGIRequestHandler, make_server


class _Handler(WSGIRequestHandler):
    def connection_dropped(self, error, environ=None):  # see measured-pitfalls
        self.close_connection = True

    def log_request(self, *args, **kwargs):
        pass


def _asset(i: int, project: str) -> dict:
    return {
        "_id": "%024x" % (0xA55E7000 + i),
        "externalId": "image-%02d.jpg" % i,
        "data": "http://example.invalid/image-%02d.jpg" % i,
        "project": project,
        "batches": [],
        "metadata": {"width": 640, "height": 480},
        "isPreLabeled": False,
    }


class Recorder:
    PROJECT = "5f0e9c3a1b2c3d4e5f6a7b8c"
    ORG = "5f0e9c3a1b2c3d4e5f6a0000"
    USER = "5f0e9c3a1b2c3d4e5f6a1111"
    API_KEY = "recorder-api-key"
    SCHEMA_ID = "1a2b3c4d5e6f7a8b9c0d1e2f"

    def __init__(self, http_status: int = 200):
        self.records: list[dict] = []
        self.http_status = http_status
        self.refuse_connect = False  # True: refuse the namespace connect (client gets CONNECT_ERROR)
        self._lock = threading.Lock()
        self.sids: list[str] = []
        app = Flask("recorder")
        self.app = app
        self.sio = SocketIO(app, async_mode="threading")
        self._routes()
        self._events()
        inner = app.wsgi_app

        def middleware(environ, start_response):
            body = b""
            if environ.get("CONTENT_LENGTH"):
                body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"]))
                import io

                environ["wsgi.input"] = io.BytesIO(body)
            headers = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
            if environ.get("CONTENT_TYPE"):
                headers["Content-Type"] = environ["CONTENT_TYPE"]
            if environ.get("CONTENT_LENGTH"):
                headers["Content-Length"] = environ["CONTENT_LENGTH"]
            self._add(
                "http",
                method=environ["REQUEST_METHOD"],
                path=environ.get("PATH_INFO"),
                raw_uri=environ.get("RAW_URI") or environ.get("REQUEST_URI"),
                query=environ.get("QUERY_STRING"),
                headers=headers,
                body=body.decode("utf-8", "replace"),
            )
            return inner(environ, start_response)

        app.wsgi_app = middleware
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Handler)
        self.port = self.server.server_port
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    # -- recording -------------------------------------------------------
    def _add(self, kind: str, **fields: Any) -> None:
        with self._lock:
            self.records.append({"kind": kind, "t": time.monotonic(), **fields})

    def events(self, name: str | None = None) -> list[dict]:
        with self._lock:
            return [r for r in self.records if r["kind"] == "sio" and (name is None or r["event"] == name)]

    def wait_for(self, pred, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.02)
        return False

    # -- REST --------------------------------------------------------------
    def _routes(self) -> None:
        app = self.app

        def answer(data):
            if self.http_status != 200:
                return jsonify({"status": "fail", "message": "forced error"}), self.http_status
            return jsonify({"status": "success", "data": data})

        @app.get("/v2/project/<pid>/assets")
        def assets(pid):
            page = int(request.args.get("page", 1))
            limit = int(request.args.get("limit", 10))
            items = [_asset(i, pid) for i in range(25)][(page - 1) * limit : page * limit]
            return answer({"assets": items, "total": 25})

        @app.get("/v2/project/<pid>")
        def project(pid):
            return answer(
                {
                    "project": {
                        "_id": pid,
                        "name": "Recorded",
                        "batches": [],
                        "categorySchema": {"tools": [], "classifications": [], "relations": []},
                    }
                }
            )

        @app.get("/v2/listProjects")
        def list_projects():
            return answer({"projects": [], "total": 0})

        @app.post("/v2/import/labels")
        def import_labels():
            return answer({"imported": len((request.get_json(silent=True) or {}).get("jsonContent") or [])})

        @app.post("/v2/pluginLog")
        def plugin_log():
            return answer({})

        @app.post("/v2/pluginResponse")
        def plugin_response():
            return answer({})

    # -- Socket.IO -----------------------------------------------------------
    def _events(self) -> None:
        sio = self.sio

        @sio.on("connect", namespace="/plugin")
        def on_connect(auth=None):
            self.sids.append(request.sid)
            self._add("sio-connect", sid=request.sid, auth=auth, query=request.environ.get("QUERY_STRING"))
            if self.refuse_connect:
                return False

        @sio.on("disconnect", namespace="/plugin")
        def on_disconnect(*args):
            self._add("sio-disconnect", sid=request.sid)

        @sio.on("*", namespace="/plugin")
        def on_any(event, *args):
            self._add("sio", event=event, sid=request.sid, args=list(args))

    def run_event(self, **overrides: Any) -> dict:
        data = {
            "projectId": self.PROJECT,
            "categorySchema": [{"schemaId": self.SCHEMA_ID, "modelClass": "Vehicle"}],
            "apiKey": self.API_KEY,
            "orgId": self.ORG,
            "runBy": self.USER,
            "session": "5f0e9c3a1b2c3d4e5f6a2222",
            "batches": [],
            "tags": [],
            "configJSON": json.dumps({"dummy-bounding-box": {"x": 20, "y": 30, "width": 50, "height": 60}}),
        }
        data.update(overrides)
        return data

    def emit_plugin(self, data: dict, sid: str | None = None) -> None:
        self.sio.emit("plugin", data, namespace="/plugin", to=sid or self.sids[-1])

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run-python", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--http-status", type=int, default=200)
    ap.add_argument("--wait", type=float, default=3.0)
    ap.add_argument(
        "--disconnect", action="store_true", help="disconnect the plugin's socket from the host side after the run"
    )
    args = ap.parse_args()
    with Recorder(http_status=args.http_status) as rec:
        env = dict(os.environ, ANGO_HOST=rec.url, PLUGIN_ID="5f0e9c3a1b2c3d4e5f6a3333", PLUGIN_SECRET="s3cret")
        proc = subprocess.Popen(
            [args.run_python, args.script], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        t0 = time.monotonic()
        ok = rec.wait_for(lambda: rec.events("heartbeat"), 30)
        t_live = time.monotonic() - t0
        if ok:
            rec.emit_plugin(rec.run_event())
            rec.wait_for(lambda: rec.events("response"), args.wait)
            time.sleep(0.3)
            if args.disconnect:
                rec.sio.server.disconnect(rec.sids[-1], namespace="/plugin")
                time.sleep(2)
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        t_first = rec.records[0]["t"] if rec.records else 0
        for r in rec.records:
            r["t"] = round(r["t"] - t_first, 3)
        print(
            json.dumps(
                {
                    "seconds_to_first_heartbeat": round(t_live, 3),
                    "returncode": proc.returncode,
                    "records": rec.records,
                    "output": out[-6000:],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
