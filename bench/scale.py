"""Does a request's cost stay flat as a project grows? Issue 8's proof, measured.

    .venv/bin/python bench/scale.py [--sizes 1000,10000,100000,1000000] [--quick] [--sessions 50000]

For each project size, in a fresh child process (so memory is its own):
- **hub**: the Hub in this tree as `mockango serve` keeps it (its SQLite state file; the
  in-memory Hub before that) behind a real HTTP server (``MockAngo``), through the
  public API only: create time of a project with that many assets, resident memory
  (RSS), ``GET /v2/project/{id}/assets`` page 1 and the last page at limit 10 and 1000,
  filtered pages (externalId, batch, isPreLabeled), a one-item import and a 10k-item
  import (``POST /v2/import/labels``), the restart time of a ``mockango serve`` process on
  that state file (beside a fresh start's time), the p99 of ``GET /v2/project/{id}`` on
  that process while another client imports 10,000 items, and the fixture's reset.
- **floor**: the same reads and writes as plain SQLite queries (``sqlite3``, a file in
  WAL mode, an index for each lookup, pages by position), no HTTP: what the machine can
  do at best (a page's total is a stored counter: ``count(*)`` walks the whole index,
  so it is shown on its own). ``offset`` shows the last page read with ``LIMIT/OFFSET``.
Then sessions: 50k sessions (``--sessions``) and ``GET /api/sessions`` page 1, the last
page and a status filter, beside the same SQLite floor.

When the tree's Hub is still the in-memory one with a JSON snapshot, it runs only up to
``--hub-cap`` assets (default 100k: at 1M one JSON save takes ~40 s).

Prints one table (milliseconds unless said), the growth ratio of the largest size to
the smallest, and the goals of issue 8 beside the figures. Not a test: nothing is
asserted. Traffic goes only to 127.0.0.1; every process started is stopped.

``--before REF`` (repeatable) also runs the hub and sessions children on the code at that git ref
(``bench/trees.py``), alternately with this checkout at each size, and prints each version's table
and then every version's medians side by side with the ratio now ÷ before.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from trees import env_for, put_tree_first, tree_of  # noqa: E402

put_tree_first()  # a --before child: that version's mockango

from figures import Summary, machine, sample  # noqa: E402

TOOL = "aaaaaaaaaaaaaaaaaaaaaaaa"
SCHEMA = {"tools": [{"schemaId": TOOL, "tool": "bounding-box", "title": "Box", "color": "#ff0000"}]}
BATCHES = 10
BIG_IMPORT = 10_000
WARM_UP_CALLS = 20


def rss_mb() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def raw_assets(count: int):
    for i in range(count):
        yield {
            "externalId": f"a{i:07}",
            "data": f"https://example.invalid/{i}.png",
            "metadata": {"width": 640, "height": 480},
            "batches": [f"b{i % BATCHES}"],
        }


def item(i: int) -> dict:
    return {
        "externalId": f"a{i:07}",
        "objects": [{"schemaId": TOOL, "bounding-box": {"x": 10, "y": 20, "width": 30, "height": 40}}],
    }


def timed(call, repeat: int) -> dict:
    """The median milliseconds of ``call`` with its 95 % interval: at least ``repeat`` samples, more until
    the median is known to ±``MOCKANGO_BENCH_PRECISION`` (default 5 %), 300 samples or 5 s (one warm-up
    call first). The machine is shared, so a figure carries its spread (bench/figures.py)."""
    precision = float(os.environ.get("MOCKANGO_BENCH_PRECISION", "0.05"))
    return sample(call, least=repeat, most=300, precision=precision, budget=5.0).to_dict()


def json_store_in_tree() -> bool:
    """True while ``mockango serve`` keeps its state in a JSON snapshot (the in-memory Hub)."""
    from mockango import cli

    default = next(option.default for option in cli.serve.params if option.name == "state_path")
    return str(default).endswith(".json")


# ------------------------------------------------------------------ hub child


def open_hub(folder: Path):
    """A Hub as ``mockango serve --state`` keeps it (a SQLite file), or the in-memory Hub; its state file.

    The in-memory Hub's JSON snapshot is written only for the restart figure (see :func:`restart_cost`).
    """
    from mockango.hub import Hub

    if json_store_in_tree():
        return Hub(seed=0), None
    path = folder / "state.sqlite3"
    return Hub(seed=0, state=path), path


def write_json_snapshot(hub, path: Path) -> None:
    """Keep the in-memory ``hub``'s state in ``path`` the way its ``mockango serve --state path`` does."""
    from mockango.persistence import StateFile

    state = StateFile(path)
    state.attach(hub)  # saves once
    state.close()


def hub_child(size: int, repeat: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="mockango-scale-") as folder:
        return measure_hub(Path(folder), size, repeat)


def measure_hub(folder: Path, size: int, repeat: int) -> dict:
    from mockango import MockAngo

    out: dict = {}
    began = time.perf_counter()
    hub, state = open_hub(folder)
    project = hub.create_project("Scale", SCHEMA, raw_assets(size))
    out["create_s"] = time.perf_counter() - began
    out["rss_mb"] = rss_mb()
    server = MockAngo(hub=hub).start()
    try:
        http = requests.Session()
        http.headers["apikey"] = hub.default_user.api_key
        assets_url = f"{server.url}/v2/project/{project.id}/assets"
        for _ in range(20):  # warm up the server (first requests pay for lazy imports and caches)
            http.get(assets_url, params={"limit": 10}, timeout=600).raise_for_status()

        def get(url, **params):
            def call():
                answer = http.get(url, params=params, timeout=600)
                answer.raise_for_status()
                return answer

            return call

        for limit in (10, 1000):
            out[f"page1_l{limit}"] = timed(get(assets_url, page=1, limit=limit), repeat)
            out[f"last_l{limit}"] = timed(get(assets_url, page=math.ceil(size / limit), limit=limit), repeat)
        batch = http.get(f"{server.url}/v2/project/{project.id}").json()["data"]["project"]["batches"][3]["_id"]
        out["by_external_id"] = timed(get(assets_url, filters=json.dumps({"externalId": f"a{size // 2:07}"})), repeat)
        out["by_batch"] = timed(get(assets_url, limit=10, filters=json.dumps({"batches": [batch]})), repeat)
        out["by_prelabeled"] = timed(get(assets_url, limit=10, filters=json.dumps({"isPreLabeled": True})), repeat)

        # Every asset has its task (issue 9): a page of tasks, the last page, and a page at one stage.
        tasks_url = f"{server.url}/v2/project/{project.id}/tasks"
        out["tasks_page1"] = timed(get(tasks_url, page=1, limit=10), repeat)
        out["tasks_last"] = timed(get(tasks_url, page=math.ceil(size / 10), limit=10), repeat)
        out["tasks_stage"] = timed(get(tasks_url, page=1, limit=10, filter=json.dumps({"stage": "Label"})), repeat)

        def post_import(items):
            def call():
                answer = http.post(
                    f"{server.url}/v2/import/labels", timeout=600, json={"project": project.id, "jsonContent": items}
                )
                answer.raise_for_status()

            return call

        out["import_1"] = timed(post_import([item(size // 2)]), repeat)
        big = min(BIG_IMPORT, size)
        out["import_10k"] = timed(post_import([item(i) for i in range(big)]), max(1, repeat // 3))
        out["import_10k_items"] = big
        # After the imports: a page of the pre-labeled assets (1 + big of them).
        out["by_prelabeled"] = timed(get(assets_url, limit=10, filters=json.dumps({"isPreLabeled": True})), repeat)
        out["reset_ms"] = reset_cost()
    finally:
        server.stop()
    out.update(restart_cost(hub, state, folder, project.id, size))
    return out


def latency_during_import(url: str, api_key: str, project_id: str, items: list) -> tuple[float, float, int]:
    """p99 and p50 (ms) of ``GET /v2/project/{id}`` from a second client while a 10k-item import runs (3 times).

    Every GET that overlaps an import counts (it started or ended while one ran). The reader
    warms up first (a server's first requests pay for lazy imports), and the body is encoded
    once up front, so the importing client spends almost nothing in this process.
    """
    latencies: list[float] = []
    importing = threading.Event()
    warm = threading.Event()
    done = threading.Event()
    body = json.dumps({"project": project_id, "jsonContent": items}).encode()
    http = requests.Session()
    http.headers.update({"apikey": api_key, "Content-Type": "application/json"})

    def reader():
        reader_http = requests.Session()
        reader_http.headers["apikey"] = api_key
        for _ in range(WARM_UP_CALLS):
            reader_http.get(f"{url}/v2/project/{project_id}", timeout=600).raise_for_status()
        warm.set()
        while not done.is_set():
            overlapped = importing.is_set()
            began = time.perf_counter()
            reader_http.get(f"{url}/v2/project/{project_id}", timeout=600).raise_for_status()
            if overlapped or importing.is_set():
                latencies.append((time.perf_counter() - began) * 1000)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    warm.wait(600)
    for _ in range(3):
        importing.set()
        http.post(f"{url}/v2/import/labels", data=body, timeout=600).raise_for_status()
        importing.clear()
    done.set()
    thread.join()
    if not latencies:
        return float("nan"), float("nan"), 0
    latencies.sort()
    return latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], statistics.median(latencies), len(latencies)


def reset_cost() -> float:
    """Median ms of the pytest fixture's reset to the seeded data (a fresh host, reset 200 times)."""
    from mockango import MockAngo

    with MockAngo(seed=0) as host:
        times = []
        for _ in range(200):
            began = time.perf_counter()
            host.reset()
            times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def restart_cost(hub, state: Path | None, folder: Path, project_id: str, size: int) -> dict:
    """Seconds until a ``mockango serve`` restarted on this state answers, and a fresh start's seconds.

    The restarted process (a server of its own, as a user runs it) then gives the p99 under an import.
    """
    from crash import Served

    if state is None:
        state = folder / "state.json"
        write_json_snapshot(hub, state)
    else:
        hub.close_store()  # as `mockango serve` does at exit
    began = time.perf_counter()
    served = Served(state, fresh=False)
    restart = time.perf_counter() - began
    p99: dict = {}
    try:
        if size >= BIG_IMPORT:
            p99["p99_during_import"], p99["p50_during_import"], p99["p99_samples"] = latency_during_import(
                served.url, served.api_key, project_id, [item(size - 1 - i) for i in range(BIG_IMPORT)]
            )
    finally:
        served.stop()
    began = time.perf_counter()
    fresh = Served(folder / "fresh.sqlite3", fresh=True)
    baseline = time.perf_counter() - began
    fresh.stop()
    return {"restart_s": restart, "fresh_start_s": baseline, **p99}


# ---------------------------------------------------------------- floor child


FLOOR_SCHEMA = """
CREATE TABLE asset (id TEXT PRIMARY KEY, project TEXT NOT NULL, pos INTEGER NOT NULL, external_id TEXT NOT NULL,
                    data TEXT NOT NULL, metadata TEXT NOT NULL, labels TEXT, created REAL NOT NULL);
CREATE UNIQUE INDEX asset_pos ON asset (project, pos);
CREATE INDEX asset_external ON asset (project, external_id);
CREATE INDEX asset_labeled ON asset (project, labels IS NOT NULL, pos);
CREATE TABLE asset_batch (batch TEXT NOT NULL, project TEXT NOT NULL, pos INTEGER NOT NULL, asset TEXT NOT NULL,
                          PRIMARY KEY (batch, pos)) WITHOUT ROWID;
"""
COLUMNS = "id, external_id, data, metadata, labels, created"


def floor_child(size: int, repeat: int) -> dict:
    """The same reads and writes as plain SQLite statements: the floor under any Hub."""
    import sqlite3

    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="mockango-floor-") as folder:
        path = Path(folder) / "floor.sqlite3"
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(FLOOR_SCHEMA)
        began = time.perf_counter()
        db.execute("BEGIN")
        now = time.time()
        db.executemany(
            "INSERT INTO asset VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
            (
                (f"{i:024x}", "p", i, a["externalId"], a["data"], json.dumps(a["metadata"]), now)
                for i, a in enumerate(raw_assets(size))
            ),
        )
        db.executemany(
            "INSERT INTO asset_batch VALUES (?, 'p', ?, ?)", ((f"b{i % BATCHES}", i, f"{i:024x}") for i in range(size))
        )
        db.execute("COMMIT")
        out["create_s"] = time.perf_counter() - began
        out["rss_mb"] = rss_mb()

        def page(number, limit):
            return lambda: db.execute(
                f"SELECT {COLUMNS} FROM asset WHERE project = 'p' AND pos >= ? ORDER BY pos LIMIT ?",
                ((number - 1) * limit, limit),
            ).fetchall()

        def offset_page(number, limit):
            return lambda: db.execute(
                f"SELECT {COLUMNS} FROM asset WHERE project = 'p' ORDER BY pos LIMIT ? OFFSET ?",
                (limit, (number - 1) * limit),
            ).fetchall()

        for limit in (10, 1000):  # the total is a stored counter here; count(*) is shown on its own
            out[f"page1_l{limit}"] = timed(page(1, limit), repeat)
            out[f"last_l{limit}"] = timed(page(math.ceil(size / limit), limit), repeat)
        out["count_star"] = timed(
            lambda: db.execute("SELECT count(*) FROM asset WHERE project = 'p'").fetchone(), repeat
        )
        out["last_l10_offset"] = timed(offset_page(math.ceil(size / 10), 10), repeat)
        out["by_external_id"] = timed(
            lambda: db.execute(
                f"SELECT {COLUMNS} FROM asset WHERE project = 'p' AND external_id = ?", (f"a{size // 2:07}",)
            ).fetchall(),
            repeat,
        )
        out["by_batch"] = timed(
            lambda: db.execute(
                f"SELECT {COLUMNS} FROM asset_batch JOIN asset ON asset.id = asset_batch.asset "
                "WHERE batch = 'b3' ORDER BY asset_batch.pos LIMIT 10"
            ).fetchall(),
            repeat,
        )

        def store(items):
            def call():
                db.execute("BEGIN IMMEDIATE")
                db.executemany(
                    "UPDATE asset SET labels = ? WHERE project = 'p' AND external_id = ?",
                    ((json.dumps(i), i["externalId"]) for i in items),
                )
                db.execute("COMMIT")

            return call

        out["import_1"] = timed(store([item(size // 2)]), repeat)
        big = min(BIG_IMPORT, size)
        out["import_10k"] = timed(store([item(i) for i in range(big)]), max(1, repeat // 3))
        out["import_10k_items"] = big
        out["by_prelabeled"] = timed(
            lambda: db.execute(
                f"SELECT {COLUMNS} FROM asset WHERE project = 'p' AND (labels IS NOT NULL) = 1 ORDER BY pos LIMIT 10"
            ).fetchall(),
            repeat,
        )
        db.close()
        began = time.perf_counter()
        again = sqlite3.connect(path)
        again.execute("SELECT count(*) FROM asset WHERE project = 'p'").fetchone()
        again.close()
        out["restart_s"] = time.perf_counter() - began
    return out


# ------------------------------------------------------------- sessions child


def sessions_child(count: int, repeat: int) -> dict:
    """``count`` finished sessions, made through the Hub's public API (one in-process plugin link)."""
    from mockango import MockAngo
    from mockango.hub import Hub

    class Answering:
        """A plugin link that answers every run at once (in process, so 50k runs take seconds)."""

        def __init__(self, hub, name):
            self.hub = hub
            self.id = name
            self.pending = []

        def send_run(self, event):
            self.pending.append(event["session"])

    out: dict = {}
    hub = Hub(seed=0)
    plugins = [hub.create_plugin("Bench"), hub.create_plugin("Other")]
    links = [Answering(hub, f"bench-{n}") for n in range(len(plugins))]
    for plugin, link in zip(plugins, links):
        hub.authenticate_plugin(plugin.id, plugin.secret, link)
    began = time.perf_counter()
    for n in range(count):
        hub.start_run(hub.default_user, plugins[n % 2].id, hub.default_project.id)
        link = links[n % 2]
        session_id = link.pending.pop()
        hub.record_response(
            {"session": session_id, "response": "ok", **({"error": "no"} if n % 10 == 0 else {})}, connection_id=link.id
        )
    out["create_s"] = time.perf_counter() - began
    out["rss_mb"] = rss_mb()
    with MockAngo(hub=hub) as server:
        http = requests.Session()
        http.headers["apikey"] = hub.default_user.api_key

        def get(path, **params):
            return lambda: http.get(server.url + path, params=params, timeout=600).raise_for_status()

        last = math.ceil(count / 50)
        failed_last = math.ceil(math.ceil(count / 10) / 50)
        mine = plugins[0].id
        mine_succeeded = sum(1 for n in range(0, count, 2) if n % 10)
        out["sessions_page1"] = timed(get("/api/sessions", limit=50), repeat)
        out["sessions_last"] = timed(get("/api/sessions", limit=50, page=last), repeat)
        out["sessions_middle"] = timed(get("/api/sessions", limit=50, page=last // 2), repeat)
        out["sessions_failed"] = timed(get("/api/sessions", limit=50, status="failed"), repeat)
        out["sessions_failed_last"] = timed(get("/api/sessions", limit=50, status="failed", page=failed_last), repeat)
        out["sessions_plugin_last"] = timed(get("/api/sessions", limit=50, plugin=mine, page=last // 2), repeat)
        out["sessions_plugin_succeeded_last"] = timed(
            get("/api/sessions", limit=50, plugin=mine, status="succeeded", page=math.ceil(mine_succeeded / 50)), repeat
        )
        out["dashboard_sessions"] = timed(get("/sessions"), repeat)
        out["dashboard_sessions_last"] = timed(get("/sessions", page=last), repeat)
        out["dashboard_plugin"] = timed(get(f"/plugins/{mine}"), repeat)
    return out


def sessions_floor(count: int, repeat: int) -> dict:
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.executescript("""CREATE TABLE session (id TEXT PRIMARY KEY, org TEXT, plugin TEXT, status TEXT, started REAL,
                        body TEXT);
                        CREATE INDEX session_org ON session (org, started);
                        CREATE INDEX session_status ON session (org, status, started);""")
    began = time.perf_counter()
    with db:
        db.executemany(
            "INSERT INTO session VALUES (?, 'o', 'p', ?, ?, ?)",
            ((f"{n:024x}", "failed" if n % 10 == 0 else "succeeded", float(n), "{}") for n in range(count)),
        )
    out = {"create_s": time.perf_counter() - began}

    def page(offset, status=None):
        where = "org = 'o'" + (" AND status = ?" if status else "")
        args = (status,) if status else ()
        return lambda: (
            db.execute(
                f"SELECT * FROM session WHERE {where} ORDER BY started DESC LIMIT 50 OFFSET ?", (*args, offset)
            ).fetchall(),
            db.execute(f"SELECT count(*) FROM session WHERE {where}", args).fetchone(),
        )

    out["sessions_page1"] = timed(page(0), repeat)
    out["sessions_last"] = timed(page(count - 50), repeat)
    out["sessions_failed"] = timed(page(0, "failed"), repeat)
    out["sessions_failed_last"] = timed(page(count // 10 - 50, "failed"), repeat)
    return out


# ---------------------------------------------------------------------- parent


def child(kind: str, size: int, repeat: int, timeout: float, tree: Path | None = None) -> dict:
    """Run one measurement in a fresh interpreter (on the code in ``tree``: this checkout when None);
    its result, or why it has none."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(size), "--repeat", str(repeat)]
    try:
        done = subprocess.run(
            # cwd: ``python -m`` children (the import worker) put it first on sys.path
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=tree or HERE.parent,
            env=env_for(tree),
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:g} s"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["exit " + str(done.returncode)])[-1][:100]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_of(value):
    """A figure's median (a timed figure is a median with its interval; others are single values)."""
    return value["median"] if isinstance(value, dict) else value


def fmt(value, unit: str = "ms") -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):  # a median with its 95 % interval: shown as median ±half the interval
        summary = Summary.from_dict(value)
        if summary.n < 3:
            return f"{fmt(summary.median, unit)} (n={summary.n})"
        return f"{fmt(summary.median, unit)} ±{summary.spread * 100:.0f}%"
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "n":
        return f"{value:,}"
    if value < 1:
        return f"{value:.3f}"
    return f"{value:.1f}" if value < 100 else f"{value:,.0f}"


ROWS = [  # key, label, unit, goal (text), goal check on the largest size (None: ratio goal or none)
    ("create_s", "create the project", "s", "1M ≤ 20 s"),
    ("rss_mb", "resident memory (process)", "MB", "1M ≤ 300 MB"),
    ("page1_l10", "GET assets page 1, limit 10", "ms", "≤ 2× of 1k"),
    ("last_l10", "GET assets last page, limit 10", "ms", "≤ 2× of 1k"),
    ("last_l10_offset", "  (floor with LIMIT/OFFSET)", "ms", ""),
    ("count_star", "  (floor: count(*) of the project)", "ms", ""),
    ("page1_l1000", "GET assets page 1, limit 1000", "ms", "≤ 2× of 1k"),
    ("last_l1000", "GET assets last page, limit 1000", "ms", "≤ 2× of 1k"),
    ("by_external_id", "filter externalId", "ms", "≤ 2× of 1k"),
    ("by_batch", "filter batch, limit 10", "ms", "≤ 2× of 1k"),
    ("by_prelabeled", "filter isPreLabeled, limit 10", "ms", "≤ 2× of 1k"),
    ("tasks_page1", "GET tasks page 1, limit 10", "ms", "≤ 2× of 1k"),
    ("tasks_last", "GET tasks last page, limit 10", "ms", "≤ 2× of 1k"),
    ("tasks_stage", "GET tasks at stage Label, page 1", "ms", "≤ 2× of 1k"),
    ("import_1", "import 1 item", "ms", "≤ 2× of 1k"),
    ("import_10k", "import 10k items (1k at 1k)", "ms", ""),
    ("p99_during_import", "p99 GET project during 10k imports (serve)", "ms", "≤ 50 ms"),
    ("p50_during_import", "  (its median)", "ms", ""),
    ("p99_samples", "  (requests it is the p99 of)", "n", ""),
    ("restart_s", "restart (serve until it answers)", "s", "1M ≤ 1 s"),
    ("fresh_start_s", "  (a fresh serve, for comparison)", "s", ""),
    ("reset_ms", "fixture reset", "ms", "≤ 1 ms"),
]
RATIO_KEYS = {
    "page1_l10",
    "last_l10",
    "page1_l1000",
    "last_l1000",
    "by_external_id",
    "by_batch",
    "by_prelabeled",
    "import_1",
    "rss_mb",
    "create_s",
    "restart_s",
    "tasks_page1",
    "tasks_last",
    "tasks_stage",
}


def size_label(size: int) -> str:
    return (
        f"{size // 1_000_000}M"
        if size >= 1_000_000 and size % 1_000_000 == 0
        else f"{size // 1000}k"
        if size >= 1000 and size % 1000 == 0
        else str(size)
    )


def print_table(sizes: list[int], results: dict, hub_name: str) -> None:
    columns = [(kind, size) for size in sizes for kind in ("hub", "floor")]
    head = ["what"] + [f"{kind} {size_label(size)}" for kind, size in columns] + ["hub ratio", "floor ratio", "goal"]
    lines = [head]
    for key, label, unit, goal in ROWS:
        cells = [label]
        for kind, size in columns:
            row = results.get((kind, size), {})
            cells.append("error" if "error" in row and key not in row else fmt(row.get(key), unit))
        ratios = []
        for kind in ("hub", "floor"):
            have = [median_of(results.get((kind, s), {}).get(key)) for s in sizes]
            have = [v for v in have if isinstance(v, (int, float)) and not math.isnan(v)]
            ratios.append(f"{have[-1] / have[0]:.1f}×" if key in RATIO_KEYS and len(have) > 1 and have[0] else "")
        lines.append(cells + ratios + [goal])
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    print(
        f"\nassets per project ({hub_name}; ms unless marked; median ±half its 95 % interval; create, memory and "
        "restart are single measurements; ratio = largest size ÷ smallest it ran, of the medians)"
    )
    for n, line in enumerate(lines):
        print(
            "  ".join(
                str(cell).ljust(widths[0]) if i == 0 else str(cell).rjust(widths[i]) for i, cell in enumerate(line)
            )
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))
    errors = [f"{kind} {size_label(size)}: {row['error']}" for (kind, size), row in results.items() if "error" in row]
    for error in errors:
        print(f"  ! {error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000", help="comma-separated project sizes (assets)")
    parser.add_argument("--quick", action="store_true", help="sizes 1k and 10k, 5k sessions, fewer repeats")
    parser.add_argument("--sessions", type=int, default=50_000)
    parser.add_argument(
        "--hub-cap",
        type=int,
        default=None,
        help="largest size the Hub runs at (default: all, or 100k for the in-memory JSON-snapshot Hub)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="least timed calls per figure (default 9, quick 5)")
    parser.add_argument(
        "--precision",
        type=float,
        default=0.05,
        help="sample until each median is known to this fraction (95 %% interval), or 300 samples or 5 s",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one child may take")
    parser.add_argument("--before", metavar="REF", action="append", default=[], help="also this git ref's code")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SIZE"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    os.environ["MOCKANGO_BENCH_PRECISION"] = str(options.precision)  # the children's timed() reads it
    repeat = options.repeat or (5 if options.quick else 9)
    if options.child:
        kind, size = options.child[0], int(options.child[1])
        work = {"hub": hub_child, "floor": floor_child, "sessions": sessions_child, "sessions-floor": sessions_floor}[
            kind
        ]
        print(json.dumps(work(size, repeat)))
        return 0
    sizes = [1000, 10_000] if options.quick else [int(s) for s in options.sizes.split(",")]
    sessions = 5000 if options.quick else options.sessions
    in_memory = json_store_in_tree()
    cap = options.hub_cap if options.hub_cap is not None else (100_000 if in_memory else max(sizes))
    hub_name = "Hub: in-memory with a JSON snapshot" if in_memory else "Hub: SQLite store"
    print(
        f"bench/scale.py: sizes {', '.join(map(size_label, sizes))}; {hub_name}, run up to {size_label(cap)}; "
        f"at least {repeat} samples, medians to ±{options.precision:.0%}; {machine()}",
        flush=True,
    )
    versions = [("now", None)] + [(f"before ({ref})", tree_of(ref)) for ref in options.before]
    results: dict = {name: {} for name, _ in versions}
    for turn, size in enumerate(sizes):
        began = time.perf_counter()
        floor = child("floor", size, repeat, options.timeout)
        print(f"  floor {size_label(size):>4}: {time.perf_counter() - began:6.1f} s ({machine().split('; ')[-1]})")
        for name, tree in versions if turn % 2 == 0 else versions[::-1]:
            results[name][("floor", size)] = floor
            if size > cap:
                results[name][("hub", size)] = {"error": f"above --hub-cap {size_label(cap)}"}
                continue
            began = time.perf_counter()
            results[name][("hub", size)] = child("hub", size, repeat, options.timeout, tree)
            print(
                f"  hub {name} {size_label(size):>4}: {time.perf_counter() - began:6.1f} s "
                f"({machine().split('; ')[-1]})",
                flush=True,
            )
    for name, _ in versions:
        if len(versions) > 1:
            print(f"\n== {name}")
        print_table(sizes, results[name], hub_name)
    if len(versions) > 1:
        compare_versions(versions, sizes, results)
    sessions_rows = [
        ("create_s", "make them (s)"),
        ("sessions_page1", "GET /api/sessions page 1 (50)"),
        ("sessions_last", "GET /api/sessions last page"),
        ("sessions_middle", "GET /api/sessions middle page"),
        ("sessions_failed", "GET /api/sessions?status=failed"),
        ("sessions_failed_last", "  ?status=failed, last page"),
        ("sessions_plugin_last", "  ?plugin=, last page"),
        ("sessions_plugin_succeeded_last", "  ?plugin=&status=succeeded, last"),
        ("dashboard_sessions", "dashboard /sessions"),
        ("dashboard_sessions_last", "dashboard /sessions last page"),
        ("dashboard_plugin", "dashboard plugin page"),
    ]
    hub_sessions = {name: child("sessions", sessions, repeat, options.timeout, tree) for name, tree in versions}
    floor_sessions = child("sessions-floor", sessions, repeat, options.timeout)
    names = [name for name, _ in versions]
    print(
        f"\n{size_label(sessions)} sessions (ms; median ±half its 95 % interval)  "
        + "".join(f"{'hub ' + name:>22}" for name in names)
        + f"{'floor':>12}   goal"
    )
    for key, label in sessions_rows:
        unit = "s" if key == "create_s" else "ms"
        print(
            f"  {label:36} "
            + "".join(f"{fmt(hub_sessions[name].get(key), unit):>22}" for name in names)
            + f"{fmt(floor_sessions.get(key), unit):>12}   {'' if key == 'create_s' else 'flat in the count'}"
        )
    for name, row in [*hub_sessions.items(), ("floor", floor_sessions)]:
        if "error" in row:
            print(f"  ! {name}: {row['error']}")
    print(f"\n({machine().split('; ')[-1]} at the end)")
    return 0


def compare_versions(versions: list, sizes: list[int], results: dict) -> None:
    """Each hub figure's median per version at each size, and now ÷ the first before."""
    before = versions[1][0]
    print(f"\nhub medians side by side (ms unless marked; ratio = now ÷ {before})")
    for size in sizes:
        print(f"  {size_label(size)}:")
        for key, label, unit, _goal in ROWS:
            values = [median_of(results[name].get(("hub", size), {}).get(key)) for name, _ in versions]
            if all(v is None for v in values):
                continue
            cells = "".join(f"{fmt(v, unit):>14}" for v in values)
            ratio = (
                f"{values[0] / values[1]:.2f}" if all(isinstance(v, (int, float)) and v for v in values[:2]) else "—"
            )
            print(f"    {label:46}{cells}  {ratio:>6}")


if __name__ == "__main__":
    sys.exit(main())
