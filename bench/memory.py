"""What a finished run leaves in the host's Python memory: tracemalloc over runs, in process.

    .venv/bin/python bench/memory.py [--warmup 300] [--runs 1000] [--threads 4] [--top 15]

Starts a Hub on a SQLite file (as ``mockango serve`` does) behind a real MockAngo server,
connects one plugin_client plugin over Socket.IO, and runs the load bench's run (two log
lines, an asset lookup and a one-item label import through the SDK, then the answer)
through the control API from ``--threads`` threads. After ``--warmup`` runs (pools,
caches and lazy imports fill), it takes a tracemalloc snapshot, does ``--runs`` more,
and prints what Python memory grew by per run, split between the host (``mockango/``,
Flask, Socket.IO, werkzeug) and this process's clients, with the biggest allocation
sites and the sizes of the Hub's in-memory books. Sends traffic only to 127.0.0.1.
SQLite's own memory (its page caches) is outside tracemalloc: ``bench/load.py --soak``
measures the whole process's RSS.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import logging
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from load import run_callback  # noqa: E402  (the load bench's run, so both measure the same work)
from scale import rss_mb  # noqa: E402

from mockango import MockAngo  # noqa: E402
from mockango.hub import Hub  # noqa: E402
from mockango.records.journal import Journal  # noqa: E402
from plugin_client import BatchModelPlugin, run  # noqa: E402

CLIENT_PARTS = (
    "plugin_client",
    "requests",
    "urllib3",
    "socketio/client",
    "engineio/client",
    "websocket",
    "bench/memory.py",
    "bench/load.py",
    "http/client",
    "simple_websocket/ws",
)


def drive(
    url: str,
    api_key: str,
    plugin_id: str,
    project_id: str,
    assets: list[str],
    count: int,
    threads: int,
    counter: itertools.count,
) -> list[str]:
    problems: list[str] = []
    budget = iter(range(count))
    lock = threading.Lock()

    def worker():
        with requests.Session() as http:
            http.headers["apikey"] = api_key
            while True:
                with lock:
                    if next(budget, None) is None:
                        return
                    index = next(counter)
                made = http.post(
                    f"{url}/api/runs",
                    json={
                        "plugin": plugin_id,
                        "project": project_id,
                        "classMapping": {"Car": "Car"},
                        "config": {"asset": assets[index % len(assets)]},
                        "timeout": 60,
                    },
                )
                session = made.json()
                while made.status_code == 201 and session["status"] == "running":
                    session = http.get(f"{url}/api/sessions/{session['_id']}", params={"wait": 30}).json()
                if session.get("status") != "succeeded":
                    with lock:
                        problems.append(f"run {index}: {made.status_code} {str(session)[:200]}")

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return problems


def books(hub: Hub) -> dict[str, int]:
    """The sizes of the Hub's in-memory structures that could grow with runs."""
    return hub.held_in_memory()


class Answering:
    """A plugin link in process (the Hub's I/O boundary): it keeps the session ids it is sent."""

    def __init__(self, name: str) -> None:
        self.id = name
        self.pending: list[str] = []

    def send_run(self, event: dict) -> None:
        self.pending.append(event["session"])


def rss_over_runs(total: int, every: int) -> None:
    """Resident memory of a Hub on a file over ``total`` runs made in process (no HTTP): is it flat?"""
    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder) / "state.sqlite3"
        hub = Hub(state=state, files_dir=Path(folder) / "files", run_timeout=60)
        plugin = hub.create_plugin("rss")
        link = Answering("rss-link")
        hub.authenticate_plugin(plugin.id, plugin.secret, link)
        print(
            f"bench/memory.py --rss-runs: {total} runs in process on a SQLite file (each: start, two log "
            "lines, the answer), RSS every {every}:".replace("{every}", str(every))
        )
        print("| runs | RSS (MiB) | state file (MiB) | Python objects | Hub books |\n|---:|---:|---:|---:|---|")
        began = time.perf_counter()
        for n in range(total + 1):
            if n % every == 0:
                size = sum(p.stat().st_size for p in Path(folder).glob("state.sqlite3*")) / 2**20
                print(
                    f"| {n} | {rss_mb():.1f} | {size:.1f} | {len(gc.get_objects())} | "
                    f"{', '.join(f'{k} {v}' for k, v in books(hub).items())} |",
                    flush=True,
                )
            if n == total:
                break
            hub.start_run(hub.default_user, plugin.id, hub.default_project.id)
            session_id = link.pending.pop()
            for line in range(2):
                hub.record_log({"session": session_id, "msg": f"line {line} of run {n}"}, connection_id=link.id)
            hub.record_response({"session": session_id, "response": f"done {n}"}, connection_id=link.id)
        print(f"{total} runs in {time.perf_counter() - began:.1f} s")
        hub.close_store()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--frames", action="store_true", help="show whole tracebacks, library frames too")
    parser.add_argument(
        "--journal",
        type=int,
        default=None,
        metavar="N",
        help="a journal of N entries instead of the host's 10,000, so it is full after the warm-up "
        "and what it holds (bounded) is not counted as growth",
    )
    parser.add_argument(
        "--rss-runs",
        type=int,
        default=0,
        metavar="N",
        help="instead: N runs in process on a SQLite file, printing RSS as they go",
    )
    parser.add_argument("--every", type=int, default=10_000)
    options = parser.parse_args()
    if options.rss_runs:
        rss_over_runs(options.rss_runs, options.every)
        return 0
    logging.getLogger("plugin_client").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        hub = Hub(state=Path(folder) / "state.sqlite3", files_dir=Path(folder) / "files", run_timeout=60)
        if options.journal is not None:
            hub.journal = Journal(size=options.journal)
        with MockAngo(hub=hub) as server:
            project = hub.create_project(
                "memory",
                {"tools": [{"schemaId": "car-box", "tool": "bounding-box", "title": "Car"}]},
                assets=[{"data": f"https://example.com/{n}.jpg", "externalId": f"a{n}"} for n in range(200)],
            )
            plugin = hub.create_plugin("memory", class_names=["Car"])
            client = BatchModelPlugin(plugin.id, plugin.secret, run_callback(server.url, plugin.id))
            thread = threading.Thread(target=run, args=(client, server.url), kwargs={"connector": "WS"}, daemon=True)
            thread.start()
            hub.wait_live(plugin.id, timeout=20)
            assets = [f"a{n}" for n in range(200)]
            counter = itertools.count()
            go = (server.url, server.api_key, plugin.id, project.id, assets)
            problems = drive(*go, options.warmup, options.threads, counter)
            gc.collect()
            tracemalloc.start(12)
            before_books = books(hub)
            first = tracemalloc.take_snapshot()
            began = time.perf_counter()
            problems += drive(*go, options.runs, options.threads, counter)
            seconds = time.perf_counter() - began
            time.sleep(0.5)  # the last answers' notifications settle
            gc.collect()
            second = tracemalloc.take_snapshot()
            after_books = books(hub)
            tracemalloc.stop()
            client.stop()
            thread.join(10)
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = second.filter_traces(filters).compare_to(first.filter_traces(filters), "traceback")
    host = client_side = 0
    host_stats = []
    for stat in stats:
        files = [frame.filename for frame in stat.traceback]
        if any(part in name for name in files for part in CLIENT_PARTS):
            client_side += stat.size_diff
        else:
            host += stat.size_diff
            host_stats.append(stat)
    print(
        f"bench/memory.py: {options.warmup} warm-up runs, then {options.runs} runs from {options.threads} threads "
        f"in {seconds:.1f} s; {len(problems)} problems"
    )
    for problem in problems[:5]:
        print(f"  ! {problem}")
    print(
        f"Python memory kept after the runs (tracemalloc): host {host / 1024:+.1f} KiB "
        f"({host / options.runs:+.1f} B per run); clients in this process {client_side / 1024:+.1f} KiB"
    )
    print("Hub books (before -> after): " + ", ".join(f"{k} {before_books[k]} -> {v}" for k, v in after_books.items()))
    print(f"\nbiggest growth on the host side (top {options.top}):")
    for stat in sorted(host_stats, key=lambda s: -s.size_diff)[: options.top]:
        newest_first = list(reversed(stat.traceback))
        frames = (
            newest_first
            if options.frames
            else ([f for f in newest_first if "site-packages" not in f.filename] or newest_first)
        )
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in frames[: None if options.frames else 3])
        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
