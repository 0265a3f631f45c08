"""A project's export at scale: time, the server's memory, other requests meanwhile (issue 21, item 1).

    .venv/bin/python bench/export.py [--sizes 10000,100000] [--before REF] [--rounds 1] [--client]

For each size, a state file holds one project of that many assets in ten batches, 10,000 of
them labelled (so their tasks carry history). ``mockango serve`` runs on it, and one client asks
for the export the way plugin_client's ``SDK.export`` and the official client do (``GET
/v2/export``, NDJSON, history and metadata included) and downloads the zip it names, while a
second client keeps reading ``GET /v2/project/{id}``. Printed per code version and size:

- the export's seconds (until the answer names the file) and the download's;
- the server's resident memory before, its peak during the export (``VmHWM``: the process's
  high-water mark, so each export runs in a fresh server), and the peak of any process the
  server started meanwhile (an export worker);
- the other client's latency, quiet (before) and during the export: median [95 % interval], p99;
- with ``--client``: the peak memory of a process that reads the whole export through
  ``plugin_client``'s ``SDK.export``, row by row.

``--before REF`` runs the code at that git ref the same way, alternately with this checkout.
Loopback only; every process started is stopped.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures import machine, median_interval, percentile  # noqa: E402
from made import SCHEMA, assets, label_first  # noqa: E402
from trees import env_for, tree_of  # noqa: E402

if TYPE_CHECKING:
    from crash import Served

LABELLED = 10_000
QUIET_SECONDS = 3.0
PARAMS = {"format": "ndjson", "type": "task", "includeHistory": "true", "includeMetadata": "true"}


def build(size: int, folder: str) -> dict:
    from mockango.hub import Hub

    hub = Hub(seed=0, state=Path(folder) / "state.sqlite3")
    project = hub.create_project("Export", SCHEMA, assets(size, metadata=True))
    label_first(hub, project.id, min(LABELLED, size))
    hub.close_store()
    return {"project": project.id}


def read_with_sdk(url: str, api_key: str, project_id: str) -> dict:
    """Every row of the export through plugin_client's SDK.export; this process's peak memory."""
    from plugin_client import SDK

    began = time.perf_counter()
    with SDK(api_key, url) as sdk:
        rows, count = sdk.export(project_id)
        seen = sum(1 for _ in rows)
    return {"rows": seen, "count": count, "seconds": time.perf_counter() - began, "peak_mb": peak_mb(psutil.Process())}


def peak_mb(process: psutil.Process) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(size: int, tree: Path | None, client: bool) -> dict:
    env = env_for(tree)
    with tempfile.TemporaryDirectory(prefix="mockango-export-") as folder:
        made = subprocess.run(
            [sys.executable, __file__, "--child", "build", str(size), folder], env=env, capture_output=True, text=True
        )
        if made.returncode:
            raise SystemExit(made.stderr)
        ids = json.loads(made.stdout.strip().splitlines()[-1])
        from crash import Served  # here: it puts this checkout first on sys.path

        served = Served(Path(folder) / "state.sqlite3", fresh=False, env=env)
        try:
            out = drive(served, ids["project"])
            if client:
                read = subprocess.run(
                    [sys.executable, __file__, "--child", "read", served.url, served.api_key, ids["project"]],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                out["client"] = (
                    json.loads(read.stdout.strip().splitlines()[-1])
                    if read.returncode == 0
                    else {"error": read.stderr.strip().splitlines()[-1:]}
                )
            return out
        finally:
            served.stop()


def drive(served: Served, project_id: str) -> dict:
    server = psutil.Process(served.process.pid)
    latencies: list[tuple[float, float]] = []
    stop = threading.Event()
    children_peak = {"mb": 0.0}

    def reader() -> None:
        http = requests.Session()
        http.headers["apikey"] = served.api_key
        while not stop.is_set():
            began = time.monotonic()
            http.get(f"{served.url}/v2/project/{project_id}", timeout=600).raise_for_status()
            latencies.append((began, (time.monotonic() - began) * 1000))
            time.sleep(0.005)

    def watch_children() -> None:
        while not stop.is_set():
            try:
                for child in server.children(recursive=True):
                    children_peak["mb"] = max(children_peak["mb"], child.memory_info().rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.05)

    http = requests.Session()
    http.headers["apikey"] = served.api_key
    for _ in range(20):
        http.get(f"{served.url}/v2/project/{project_id}").raise_for_status()
    rss_before = server.memory_info().rss / 2**20
    threads = [threading.Thread(target=reader, daemon=True), threading.Thread(target=watch_children, daemon=True)]
    for thread in threads:
        thread.start()
    time.sleep(QUIET_SECONDS)
    began = time.monotonic()
    answer = http.get(f"{served.url}/v2/export", params={"project": project_id, **PARAMS}, timeout=3600)
    answer.raise_for_status()
    built = time.monotonic() - began
    link = answer.json()["data"]["exportPath"]
    download_began = time.monotonic()
    size = 0
    with requests.get(link, stream=True, timeout=3600) as download:
        download.raise_for_status()
        for piece in download.iter_content(1 << 20):
            size += len(piece)
    downloaded = time.monotonic() - download_began
    ended = time.monotonic()
    stop.set()
    for thread in threads:
        thread.join()
    quiet = [ms for t, ms in latencies if t < began]
    during = [ms for t, ms in latencies if began <= t < ended]
    return {
        "built_s": built,
        "download_s": downloaded,
        "zip_mb": size / 2**20,
        "rss_before_mb": rss_before,
        "rss_peak_mb": peak_mb(server),
        "children_peak_mb": children_peak["mb"],
        "quiet": quiet,
        "during": during,
    }


def describe(samples: list[float]) -> str:
    if not samples:
        return "none"
    return f"median {median_interval(samples)}, p99 {percentile(samples, 0.99):,.1f} ms ({len(samples)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--before", metavar="REF", help="also run the code at this git ref (e.g. main)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--client", action="store_true", help="also read the export through SDK.export")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, *args = options.child
        if kind == "build":
            print(json.dumps(build(int(args[0]), args[1])))
        else:
            print(json.dumps(read_with_sdk(*args)))
        return 0
    trees = [("now", None)] + ([(f"before ({options.before})", tree_of(options.before))] if options.before else [])
    print(f"bench/export.py on {machine()}")
    for size in map(int, options.sizes.split(",")):
        for round_ in range(options.rounds):
            for name, tree in trees if round_ % 2 == 0 else trees[::-1]:
                out = measure(size, tree, options.client)
                print(
                    f"\n{size:,} tasks, {name}, round {round_ + 1} ({machine().split('; ')[-1]} after):\n"
                    f"  export {out['built_s']:.2f} s, download {out['download_s']:.2f} s ({out['zip_mb']:.1f} MB zip)\n"
                    f"  server RSS {out['rss_before_mb']:.0f} MB before, peak {out['rss_peak_mb']:.0f} MB "
                    f"(+{out['rss_peak_mb'] - out['rss_before_mb']:.0f} MB); "
                    f"its child processes' peak {out['children_peak_mb']:.0f} MB\n"
                    f"  GET /v2/project/{{id}} quiet:  {describe(out['quiet'])}\n"
                    f"  GET /v2/project/{{id}} during: {describe(out['during'])}",
                    flush=True,
                )
                if "client" in out:
                    print(f"  SDK.export read: {out['client']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
