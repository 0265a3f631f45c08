"""Does a big label import slow the host's other requests? ``mockango serve`` with its import worker and without.

    .venv/bin/python bench/import_worker.py [--assets 20000] [--items 10000] [--rounds 3]

One state file with a project of ``--assets`` assets. Each round starts ``mockango serve`` on
it three times: with the import worker (the default), with ``--no-import-worker`` (imports
parsed and validated in the request's thread), and with the worker but the server's threads on
every CPU (``--cpus all``; by default they are kept on one, the worker gets the others), and measures on each, as ``bench/scale.py``
does, the latency of ``GET /v2/project/{id}`` from one client while another imports
``--items`` label items three times (every GET overlapping an import counts), and how long
the imports took. Prints each run and the medians side by side. Not a test: nothing is
asserted. Traffic goes only to 127.0.0.1; every process started is stopped.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from crash import Served  # noqa: E402
from scale import SCHEMA, item, latency_during_import, raw_assets  # noqa: E402

WAYS = {"worker": (), "thread": ("--no-import-worker",), "worker, all CPUs": ("--cpus", "all")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.items > args.assets:
        parser.error("--items must not exceed --assets (one item per asset)")

    from mockango.hub import Hub

    print(
        f"bench/import_worker.py: {args.assets} assets, imports of {args.items} items, {args.rounds} rounds, "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    results: dict[str, list[tuple[float, float, float]]] = {way: [] for way in WAYS}
    with tempfile.TemporaryDirectory(prefix="mockango-import-worker-") as folder:
        state = Path(folder) / "state.sqlite3"
        hub = Hub(seed=0, state=state, import_worker=False)
        project = hub.create_project("Imports", SCHEMA, raw_assets(args.assets))
        hub.close_store()
        items = [item(args.assets - 1 - i) for i in range(args.items)]
        for round_ in range(args.rounds):
            for way, options in WAYS.items():
                served = Served(state, fresh=False, options=options)
                try:
                    began = time.perf_counter()
                    p99, p50, samples = latency_during_import(served.url, served.api_key, project.id, items)
                    took = time.perf_counter() - began
                finally:
                    served.stop()
                results[way].append((p99, p50, took))
                print(
                    f"  round {round_ + 1} {way:16}: p99 {p99:6.1f} ms, median {p50:5.1f} ms, {samples} GETs; "
                    f"3 imports + warm-up {took:.2f} s; load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )

    print("\nGET /v2/project/{id} during imports (ms; medians of the rounds)")
    print(f"{'':28}" + "".join(f"{way:>18}" for way in WAYS) + "   goal")
    rows = (("p99", 0, "≤ 50 ms (issue 8)"), ("median", 1, ""), ("3 imports + warm-up (s)", 2, ""))
    for name, index, goal in rows:
        cells = "".join(f"{statistics.median(r[index] for r in results[way]):18.2f}" for way in WAYS)
        print(f"  {name:26}{cells}   {goal}")


if __name__ == "__main__":
    main()
