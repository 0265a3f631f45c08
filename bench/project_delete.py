"""Deleting a whole big project: how long do other writes wait meanwhile? (issue 21, item 5)

    .venv/bin/python bench/project_delete.py [--sizes 100000,1000000] [--before REF] [--rounds 1]

For each size, a state file holds a big project (that many assets in ten batches, 10,000 of
them labelled, so tasks carry history) and a small one (1,000 assets). ``mockango serve`` runs
on it; one client imports one label item at a time into the small project without pause, while
another deletes the big project (``DELETE /v2/project/{id}``). Printed per code version: the
delete's answer time, whether the project answers 404 right after, the seconds until its rows
are gone from the file (read directly, read-only), and the other client's import latency
quiet (before the delete) and from the delete until the rows are gone: median [95 % interval],
p99, max, and the longest a write waited. ``--before REF`` runs the code at that git ref the
same way, alternately with this checkout. Loopback only; every process started is stopped.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from figures import machine, median_interval, percentile  # noqa: E402
from made import SCHEMA, assets, label, label_first  # noqa: E402
from trees import env_for, tree_of  # noqa: E402

if TYPE_CHECKING:
    from crash import Served

SMALL = 1000
LABELLED = 10_000
QUIET_SECONDS = 4.0
GONE_TIMEOUT = 600.0


def build(size: int, folder: str) -> dict:
    """The state file (run with the code version under test): the big and the small project."""
    from mockango.hub import Hub

    hub = Hub(seed=0, state=Path(folder) / "state.sqlite3")
    big = hub.create_project("Big", SCHEMA, assets(size))
    label_first(hub, big.id, min(LABELLED, size))
    small = hub.create_project(
        "Small", SCHEMA, ({"externalId": f"s{i:05}", "data": f"https://example.invalid/s{i}.png"} for i in range(SMALL))
    )
    hub.close_store()
    return {"big": big.id, "small": small.id}


def rows_left(path: Path, project_id: str) -> bool:
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return db.execute("SELECT EXISTS (SELECT 1 FROM assets WHERE project_id = ?)", (project_id,)).fetchone()[0]
    finally:
        db.close()


def measure(size: int, tree: Path | None) -> dict:
    env = env_for(tree)
    with tempfile.TemporaryDirectory(prefix="mockango-delete-") as folder:
        made = subprocess.run(
            [sys.executable, __file__, "--child", str(size), folder], env=env, capture_output=True, text=True
        )
        if made.returncode:
            raise SystemExit(made.stderr)
        ids = json.loads(made.stdout.strip().splitlines()[-1])
        state = Path(folder) / "state.sqlite3"
        from crash import Served  # here: it puts this checkout first on sys.path

        served = Served(state, fresh=False, env=env)
        try:
            return drive(served, state, ids)
        finally:
            served.stop()


def drive(served: Served, state: Path, ids: dict) -> dict:
    http = requests.Session()
    http.headers["apikey"] = served.api_key
    writes: list[tuple[float, float]] = []  # (start, seconds)
    stop = threading.Event()

    def writer() -> None:
        client = requests.Session()
        client.headers["apikey"] = served.api_key
        n = 0
        while not stop.is_set():
            body = {"project": ids["small"], "jsonContent": [label(f"s{n % SMALL:05}")]}
            began = time.monotonic()
            client.post(f"{served.url}/v2/import/labels", json=body, timeout=GONE_TIMEOUT).raise_for_status()
            writes.append((began, time.monotonic() - began))
            n += 1

    for n in range(20):  # warm up: the first import of a process is slow (~100 ms), and it is no delete's
        http.get(f"{served.url}/v2/project/{ids['small']}").raise_for_status()
        body = {"project": ids["small"], "jsonContent": [label(f"s{n:05}")]}
        http.post(f"{served.url}/v2/import/labels", json=body, timeout=GONE_TIMEOUT).raise_for_status()
    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    time.sleep(QUIET_SECONDS)
    began = time.monotonic()
    answer = http.delete(f"{served.url}/v2/project/{ids['big']}", timeout=GONE_TIMEOUT)
    answered = time.monotonic() - began
    answer.raise_for_status()
    after = http.get(f"{served.url}/v2/project/{ids['big']}").status_code
    while rows_left(state, ids["big"]) and time.monotonic() - began < GONE_TIMEOUT:
        time.sleep(0.1)
    gone = time.monotonic() - began
    stop.set()
    thread.join()
    quiet = [s * 1000 for t, s in writes if t < began]
    during = [s * 1000 for t, s in writes if t >= began - 1 and t + s >= began and t < began + gone]
    return {
        "answer_ms": answered * 1000,
        "status_after": after,
        "gone_s": gone,
        "quiet": quiet,
        "during": during,
    }


def describe(samples: list[float]) -> str:
    if not samples:
        return "no write finished"
    return (
        f"median {median_interval(samples)}, p99 {percentile(samples, 0.99):,.1f}, max {max(samples):,.1f} ms "
        f"({len(samples)} writes)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--before", metavar="REF", help="also run the code at this git ref (e.g. main)")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds per version and size")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(build(int(options.child[0]), options.child[1])))
        return 0
    trees = [("now", None)] + ([(f"before ({options.before})", tree_of(options.before))] if options.before else [])
    print(f"bench/project_delete.py on {machine()}")
    for size in map(int, options.sizes.split(",")):
        for round_ in range(options.rounds):
            for name, tree in trees if round_ % 2 == 0 else trees[::-1]:
                out = measure(size, tree)
                print(
                    f"\n{size:,} assets, {name}, round {round_ + 1} (load after: {machine().split('; ')[-1]}):\n"
                    f"  DELETE answered in {out['answer_ms']:,.1f} ms; GET right after: {out['status_after']}; "
                    f"rows gone after {out['gone_s']:.1f} s\n"
                    f"  other writes, quiet:  {describe(out['quiet'])}\n"
                    f"  other writes, during: {describe(out['during'])}",
                    flush=True,
                )
                if out["quiet"] and out["during"]:
                    print(
                        f"  during / quiet median: {statistics.median(out['during']) / statistics.median(out['quiet']):.1f}×"
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
