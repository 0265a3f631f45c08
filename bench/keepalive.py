"""Which HTTP server should carry `mockango serve`? The same app on four servers, side by side, in one run.

    .venv/bin/python bench/keepalive.py [--requests 1000] [--seconds 10] [--runs 200] [--rounds 5]

Each server runs the same mockango app (an in-memory Hub with the seed's data) in a process of
its own, on a free loopback port, so its CPU is measured alone:

- ``werkzeug (close)``: werkzeug 3.1's threaded server and request handler, HTTP/1.1 answered with
  ``Connection: close`` (mockango before keep-alive);
- ``mockango keep-alive``: :func:`mockango.server.make_wsgi_server`, werkzeug's server with
  mockango's HTTP/1.1 handler (keep-alive, per-request deadlines, drains);
- ``gunicorn gthread``: one worker, 8 threads, keep-alive 5 s (Flask-SocketIO's documented
  production set-up for its threading mode; websockets through simple-websocket);
- ``waitress``: 8 threads (no websocket transport: plugins cannot connect, so no run figures).

Figures per server: a REST GET's round trip (``requests.Session``, as the SDK calls: median and
p99 ms); throughput with 8 client threads (requests/s) and the server's CPU per request (ms);
a whole run through the control API with a plugin_client plugin on a websocket (median and p99 ms);
and a GET's p99 while 16 clients drip one header byte every 0.5 s (with the number of GETs that
failed). Needs ``pip install gunicorn waitress`` (the bench extra). Sends traffic only to
127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOOPBACK = "127.0.0.1"
SERVERS = ("werkzeug (close)", "mockango keep-alive", "gunicorn gthread", "waitress")
THREADS = 8


# ---------------------------------------------------------------------- the servers (child processes)


def _app(port: int, info: str):
    from mockango import Hub
    from mockango.web import create_app

    hub = Hub(seed=0, import_worker=False)
    hub.base_url = f"http://{LOOPBACK}:{port}"
    Path(info).write_text(json.dumps({"key": hub.default_user.api_key, "project": hub.default_project.id}))
    return hub, create_app(hub)


def serve(kind: str, port: int, info: str) -> None:
    """Serve the app with ``kind`` on ``port`` until SIGTERM (the child process's whole life)."""
    logging.disable(logging.CRITICAL)
    if kind == "gunicorn gthread":
        from gunicorn.app.base import BaseApplication

        class Gunicorn(BaseApplication):
            def load_config(self):
                for key, value in {
                    "bind": f"{LOOPBACK}:{port}",
                    "workers": 1,
                    "worker_class": "gthread",
                    "threads": THREADS,
                    "keepalive": 5,
                    "accesslog": None,
                    "errorlog": "-",
                    "loglevel": "critical",
                }.items():
                    self.cfg.set(key, value)

            def load(self):
                return _app(port, info)[1]

        Gunicorn().run()
        return
    hub, app = _app(port, info)
    if kind == "waitress":
        import waitress

        waitress.serve(app, host=LOOPBACK, port=port, threads=THREADS, _quiet=True)
        return
    from mockango.connections import BoundedWSGIServer
    from mockango.server import make_wsgi_server

    if kind == "mockango keep-alive":
        server = make_wsgi_server(hub, LOOPBACK, port)
    else:
        from werkzeug.serving import WSGIRequestHandler

        class ClosingHandler(WSGIRequestHandler):
            """werkzeug's handler as mockango used it before keep-alive."""

            protocol_version = "HTTP/1.1"

            def connection_dropped(self, error, environ=None):
                self.close_connection = True

            def log_request(self, *args):
                pass

        server = BoundedWSGIServer(LOOPBACK, port, app, ClosingHandler)
        server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown, daemon=True).start())
    server.serve_forever(poll_interval=0.1)


class Child:
    """One server kind in a child process on a free loopback port."""

    def __init__(self, kind: str, info: Path) -> None:
        self.kind = kind
        with socket.socket() as probe:
            probe.bind((LOOPBACK, 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://{LOOPBACK}:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--port", str(self.port), "--info", str(info)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(requests.RequestException):
                if requests.get(self.url + "/api/info", timeout=1).status_code in (200, 401):
                    break
            time.sleep(0.1)
        else:
            self.stop()
            raise SystemExit(f"{kind} did not start")
        self.ps = psutil.Process(self.process.pid)
        found = json.loads(info.read_text())
        self.key, self.project = found["key"], found["project"]

    def cpu(self) -> float:
        processes = [self.ps, *self.ps.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in processes)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# ---------------------------------------------------------------------- the measurements


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p99 * 1000


def rest_round_trips(child: Child, path: str, count: int) -> list[float]:
    samples = []
    with requests.Session() as session:
        session.headers["apikey"] = child.key
        for _ in range(count):
            began = time.perf_counter()
            answer = session.get(child.url + path, timeout=10)
            samples.append(time.perf_counter() - began)
            assert answer.status_code == 200, answer.text[:200]
    return samples


def throughput(child: Child, path: str, seconds: float) -> tuple[int, float, float]:
    """(requests answered, seconds, server CPU seconds) with THREADS clients for ``seconds``."""
    done = [0] * THREADS
    until = time.monotonic() + seconds

    def client(index: int) -> None:
        with requests.Session() as session:
            session.headers["apikey"] = child.key
            while time.monotonic() < until:
                if session.get(child.url + path, timeout=10).status_code == 200:
                    done[index] += 1

    cpu_before, began = child.cpu(), time.perf_counter()
    workers = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done), time.perf_counter() - began, child.cpu() - cpu_before


class Runs:
    """A plugin_client plugin connected to one server over a websocket, and whole runs through the control API."""

    def __init__(self, child: Child) -> None:
        from plugin_client import BatchModelPlugin, run

        self.child = child
        self.http = requests.Session()
        self.http.headers["apikey"] = child.key
        made = self.http.post(child.url + "/api/plugins", json={"name": "bench", "classNames": ["Vehicle"]}, timeout=10)
        self.plugin = made.json()
        self.client = BatchModelPlugin(self.plugin["_id"], self.plugin["secret"], lambda data: "ok")
        self.thread = threading.Thread(
            target=run, args=(self.client, child.url), kwargs={"connector": "WS"}, daemon=True
        )
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self._live():
            if time.monotonic() > deadline:
                raise SystemExit(f"the plugin did not go live on {child.kind}")
            time.sleep(0.05)

    def _live(self) -> bool:
        return self.http.get(f"{self.child.url}/api/plugins/{self.plugin['_id']}", timeout=10).json().get("live")

    def measure(self, count: int) -> list[float]:
        samples = []
        for _ in range(count):
            began = time.perf_counter()
            session = self.http.post(
                self.child.url + "/api/runs",
                json={"plugin": self.plugin["_id"], "project": self.child.project, "timeout": 30},
                timeout=10,
            ).json()
            while session["status"] == "running":
                session = self.http.get(
                    f"{self.child.url}/api/sessions/{session['_id']}", params={"wait": 10}, timeout=20
                ).json()
            samples.append(time.perf_counter() - began)
            assert session["status"] == "succeeded", session
        return samples

    def stop(self) -> None:
        self.client.stop()
        self.thread.join(5)
        self.http.close()


def under_slow_drip(child: Child, path: str, count: int = 100, drippers: int = 16) -> tuple[float, int]:
    """(a GET's p99 ms, GETs that failed) while ``drippers`` clients send one header byte every 0.5 s."""
    stop = threading.Event()

    def drip() -> None:
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, child.port)) as sock:
            sock.sendall(b"G")
            for byte in b"ET /api/info HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000:
                if stop.wait(0.5):
                    return
                sock.sendall(bytes([byte]))

    threads = [threading.Thread(target=drip, daemon=True) for _ in range(drippers)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    samples, failed = [], 0
    with requests.Session() as session:
        session.headers["apikey"] = child.key
        for _ in range(count):
            began = time.perf_counter()
            try:
                ok = session.get(child.url + path, timeout=3).status_code == 200
            except requests.RequestException:
                ok = False
            samples.append(time.perf_counter() - began)
            failed += not ok
    stop.set()
    for thread in threads:
        thread.join(2)
    return summary(samples)[1], failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--info", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.serve, options.port, options.info)
        return 0
    logging.basicConfig(level=logging.CRITICAL)
    scratch = Path(tempfile.mkdtemp(prefix="mockango-keepalive-"))
    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    children = {kind: Child(kind, scratch / f"{n}.json") for n, kind in enumerate(SERVERS)}
    plugins = {kind: Runs(child) for kind, child in children.items() if kind != "waitress"}
    paths = {kind: f"/v2/project/{child.project}/assets?page=1&limit=10" for kind, child in children.items()}
    rest = {kind: [] for kind in SERVERS}
    loads = {kind: [0, 0.0, 0.0] for kind in SERVERS}
    whole = {kind: [] for kind in plugins}
    try:
        # Alternating rounds, each server's turn in a rotating order: a load swing on the shared machine
        # falls on every server alike.
        for round_ in range(options.rounds):
            order = SERVERS[round_ % len(SERVERS) :] + SERVERS[: round_ % len(SERVERS)]
            for kind in order:
                child = children[kind]
                rest[kind] += rest_round_trips(child, paths[kind], options.requests // options.rounds)
                answered, took, cpu = throughput(child, paths[kind], options.seconds / options.rounds)
                loads[kind][0] += answered
                loads[kind][1] += took
                loads[kind][2] += cpu
                if kind in plugins:
                    whole[kind] += plugins[kind].measure(options.runs // options.rounds)
            print(f"  round {round_ + 1}/{options.rounds}", file=sys.stderr)
        drips = {kind: under_slow_drip(children[kind], paths[kind]) for kind in SERVERS}
    finally:
        for plugin in plugins.values():
            plugin.stop()
        for child in children.values():
            child.stop()
    results = {}
    for kind in SERVERS:
        answered, took, cpu = loads[kind]
        results[kind] = (
            summary(rest[kind]),
            answered / took,
            cpu / answered * 1000,
            summary(whole[kind]) if whole.get(kind) else None,
            *drips[kind],
        )
    base_rate, base_cpu = results[SERVERS[0]][1], results[SERVERS[0]][2]
    print(
        f"{'server':<22}{'GET ms p50/p99':>16}{'req/s, 8 clients':>20}{'CPU ms/req':>16}"
        f"{'run ms p50/p99':>16}{'GET p99 ms, 16 drippers':>28}"
    )
    for kind, (rest, rate, cpu, whole, drip_p99, drip_failed) in results.items():
        shown_run = f"{whole[0]:.2f}/{whole[1]:.2f}" if whole else "n/a (no ws)"
        print(
            f"{kind:<22}{f'{rest[0]:.2f}/{rest[1]:.2f}':>16}{f'{rate:.0f} ({rate / base_rate:.2f}x)':>20}"
            f"{f'{cpu:.2f} ({cpu / base_cpu:.2f}x)':>16}{shown_run:>16}"
            f"{f'{drip_p99:.1f} ({drip_failed} failed)':>28}"
        )
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
