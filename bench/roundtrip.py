"""How long a whole run takes, and its parts, over loopback.

    .venv/bin/python bench/roundtrip.py [--runs 300]

Prints median and p99 (milliseconds) of:
- a whole run of the seed's sample through plugin_client (trigger -> response, 10 assets
  fetched, 10 labels validated and stored), and, side by side, the official ``ango``
  1.4.10 client running the vendor's sample against the same host (when its virtual
  environment from tests/official exists);
- a whole run of each other plugin type through plugin_client (Model: one asset, its answer
  validated and stored; File Explorer: a listing checked; Markdown: a CSV in base64; Input:
  options recorded; Export: the project's 25 tasks exported, the file uploaded and kept),
  and the official 1.4.10 client's Model plugin;
- its parts: a plugin connecting until live, one REST call (plugin_client's SDK, against
  a plain ``requests.get`` per call, as a user would write it; the server closes every
  connection either way, see mockango/server.py),
  and one socket round trip (a run whose callback returns at once).

``--before REF`` (repeatable) measures the code at that git ref too (``bench/trees.py``): each
version in a child process of its own, ``--rounds`` times (default 3), the order alternating, each
round ``--runs``/``--rounds`` runs per figure; the table shows each version's median and p99 side
by side. The clients (plugin_client, the official one) are this checkout's for every version.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from trees import env_for, put_tree_first, tree_of  # noqa: E402

put_tree_first()  # a --before child: that version's mockango

from figures import machine  # noqa: E402

from mockango import MockAngo  # noqa: E402
from plugin_client import (  # noqa: E402
    SDK,
    AnnotationPayload,
    Answer,
    BatchModelPlugin,
    ExportPlugin,
    ExportResponse,
    FileExplorerPlugin,
    InputPlugin,
    MarkdownPlugin,
    ModelPlugin,
    run,
)
from tests.support import DEMO_CONFIG, load_sample  # noqa: E402

OFFICIAL_CACHE = Path(os.environ.get("MOCKANGO_OFFICIAL_CACHE", ROOT / ".cache" / "official-clients"))
OFFICIAL_PYTHON = OFFICIAL_CACHE / "ango-1.4.10" / "bin" / "python"
OFFICIAL_SAMPLE = ROOT / "tests" / "official" / "samples" / "batch_model_ango_1_4.py"
OFFICIAL_MODEL_SAMPLE = ROOT / "tests" / "official" / "samples" / "model_ango_1_4.py"
CSV = b"name,city\n" + b"".join(b"person %d,town %d\n" % (i, i) for i in range(10))


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p99 * 1000


def timed(action, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return samples


def start_plugin(
    host: MockAngo, plugin, callback, plugin_class=BatchModelPlugin
) -> tuple[BatchModelPlugin, threading.Thread]:
    client = plugin_class(plugin.id, plugin.secret, callback)
    thread = threading.Thread(target=run, args=(client, host.url), kwargs={"connector": "WS"}, daemon=True)
    thread.start()
    host.wait_live(plugin.id, timeout=10)
    return client, thread


def whole_runs(host: MockAngo, plugin, count: int) -> list[float]:
    def one():
        session = host.run(plugin.id, class_mapping={"Vehicle": "Vehicle"}, timeout=30)
        assert session.status == "succeeded", (session.status, session.reason, session.logs)

    one()  # warm up
    return timed(one, count)


def bench_plugin_client(host: MockAngo, count: int) -> dict:
    plugin = host.create_plugin("bench", class_names=["Vehicle"], default_config=DEMO_CONFIG)
    sample = load_sample(host.url, plugin.id, plugin.secret)
    client, thread = start_plugin(host, plugin, sample["run_model"])
    try:
        return {"whole": whole_runs(host, plugin, count)}
    finally:
        client.stop()
        thread.join(5)


def bench_official(host: MockAngo, count: int) -> dict | None:
    if not (OFFICIAL_PYTHON.exists() and OFFICIAL_SAMPLE.exists()):
        return None
    plugin = host.create_plugin("bench-official", class_names=["Vehicle"], default_config=DEMO_CONFIG)
    env = {**os.environ, "ANGO_HOST": host.url, "PLUGIN_ID": plugin.id, "PLUGIN_SECRET": plugin.secret}
    process = subprocess.Popen(
        [str(OFFICIAL_PYTHON), str(OFFICIAL_SAMPLE)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        host.wait_live(plugin.id, timeout=30)
        return {"whole": whole_runs(host, plugin, count)}
    finally:
        process.kill()
        process.wait()


def _box(data):
    return AnnotationPayload(
        answer=Answer(
            objects=[
                {
                    "schemaId": data["categorySchema"][0]["schemaId"],
                    "bounding-box": {"x": 20, "y": 30, "width": 50, "height": 60},
                }
            ]
        )
    )


TYPE_RUNS = {
    # type: (plugin_client class, callback, run options)
    "model": (ModelPlugin, _box, {"class_mapping": {"Vehicle": "Vehicle"}}),
    "file-explorer": (
        FileExplorerPlugin,
        lambda data: {"folders": ["a/"], "files": [f"{data['folder']}{i}.png" for i in range(50)], "scrollToken": None},
        {"bucket": "photos", "folder": "2024/"},
    ),
    "markdown": (
        MarkdownPlugin,
        lambda data: f"{len(data['inputFile'])} characters",
        {"input_file": CSV, "markdown_text": "# |name| of |city|"},
    ),
    "input": (InputPlugin, lambda data: data["fileExplorerOptions"], {"file_explorer_options": {"files": ["a.png"]}}),
    "export": (
        ExportPlugin,
        lambda data: ExportResponse(file=json.dumps(list(data["jsonExport"])).encode(), file_name="export.json"),
        {"stage": "Label"},
    ),
}


def bench_types(host: MockAngo, count: int) -> dict:
    """A whole run of each plugin type through plugin_client (Model: a different asset each run)."""
    out = {}
    assets = [a["_id"] for a in host.assets()]
    for kind, (plugin_class, callback, options) in TYPE_RUNS.items():
        plugin = host.create_plugin(f"bench {kind}", type=kind, class_names=["Vehicle"] if kind == "model" else ())
        client, thread = start_plugin(host, plugin, callback, plugin_class)
        turn = iter(range(10**9))

        def one():
            extra = {"asset": assets[next(turn) % len(assets)]} if kind == "model" else {}
            session = host.run(plugin.id, timeout=30, **options, **extra)
            assert session.status == "succeeded", (kind, session.status, session.reason)

        try:
            one()
            out[kind] = timed(one, count)
        finally:
            client.stop()
            thread.join(5)
    return out


def bench_official_model(host: MockAngo, count: int) -> list[float] | None:
    if not (OFFICIAL_PYTHON.exists() and OFFICIAL_MODEL_SAMPLE.exists()):
        return None
    plugin = host.create_plugin("bench-official-model", type="model", class_names=["Vehicle"])
    env = {**os.environ, "ANGO_HOST": host.url, "PLUGIN_ID": plugin.id, "PLUGIN_SECRET": plugin.secret}
    process = subprocess.Popen(
        [str(OFFICIAL_PYTHON), str(OFFICIAL_MODEL_SAMPLE)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assets = [a["_id"] for a in host.assets()]
    turn = iter(range(10**9))

    def one():
        session = host.run(
            plugin.id, timeout=30, asset=assets[next(turn) % len(assets)], class_mapping={"Vehicle": "Vehicle"}
        )
        assert session.status == "succeeded", (session.status, session.reason)

    try:
        host.wait_live(plugin.id, timeout=30)
        one()
        return timed(one, count)
    finally:
        process.kill()
        process.wait()


def bench_parts(host: MockAngo, count: int) -> dict:
    plugin = host.create_plugin("parts", class_names=["Vehicle"])

    connect = []
    for _ in range(max(20, count // 10)):
        began = time.perf_counter()
        client, thread = start_plugin(host, plugin, lambda data: "ok")
        connect.append(time.perf_counter() - began)
        client.stop()
        thread.join(5)
        while host.is_live(plugin.id):
            time.sleep(0.001)

    sdk = SDK(host.api_key, host.url)
    url = f"{host.url}/v2/project/{host.project_id}/assets"
    rest_sdk = timed(lambda: sdk.get_assets(host.project_id), count)
    rest_new_connection = timed(lambda: requests.get(url, headers={"apikey": host.api_key}).json(), count)

    client, thread = start_plugin(host, plugin, lambda data: "ok")
    try:
        socket_round_trip = timed(lambda: host.run(plugin.id, timeout=10), count)
    finally:
        client.stop()
        thread.join(5)
    return {"connect": connect, "rest_sdk": rest_sdk, "rest_new": rest_new_connection, "socket": socket_round_trip}


def measure(runs: int) -> list[tuple[str, list[float]]]:
    """Every figure's samples (seconds), in the table's order."""
    with MockAngo(seed=1) as host:
        gc.collect()
        gc.freeze()  # measured: without it, a full collection adds 30-40 ms spikes to p99
        ours = bench_plugin_client(host, runs)
        official = bench_official(host, runs)
        types = bench_types(host, runs)
        official_model = bench_official_model(host, runs)
        parts = bench_parts(host, runs)

    rows = [("whole run, seed sample, plugin_client (trigger -> response, 10 assets)", ours["whole"])]
    if official:
        rows.append(("whole run, vendor sample, official ango 1.4.10", official["whole"]))
    titles = {
        "model": "Model, one asset answered, validated, stored",
        "file-explorer": "File Explorer, 50 files listed",
        "markdown": "Markdown, 10-row CSV in base64",
        "input": "Input, options answered",
        "export": "Export, 25 tasks exported, uploaded, signed URL",
    }
    rows += [(f"whole run, {titles[kind]}, plugin_client", samples) for kind, samples in types.items()]
    if official_model:
        rows.append(("whole run, Model, one asset, official ango 1.4.10", official_model))
    rows += [
        ("plugin connect until live (plugin_client)", parts["connect"]),
        ("REST GET 10 assets, plugin_client SDK (one requests.Session)", parts["rest_sdk"]),
        ("REST GET 10 assets, plain requests.get each time", parts["rest_new"]),
        ("socket round trip (run with a callback that returns at once)", parts["socket"]),
    ]
    return rows


def versions_side_by_side(refs: list[str], runs: int, rounds: int) -> None:
    """Each version in a child of its own, in alternating rounds; one table with every version's figures."""
    versions = [("now", None)] + [(f"before ({ref})", tree_of(ref)) for ref in refs]
    pooled: dict[str, dict[str, list[float]]] = {name: {} for name, _ in versions}
    order: list[str] = []
    for round_ in range(rounds):
        for name, tree in versions if round_ % 2 == 0 else versions[::-1]:
            done = subprocess.run(
                [sys.executable, __file__, "--child", "--runs", str(max(1, runs // rounds))],
                env=env_for(tree),
                cwd=tree or ROOT,  # ``python -m`` children put it first on sys.path
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
            for row, samples in json.loads(done.stdout.strip().splitlines()[-1]):
                pooled[name].setdefault(row, []).extend(samples)
                if row not in order:
                    order.append(row)
            print(f"  round {round_ + 1}, {name} done ({machine().split('; ')[-1]})", file=sys.stderr, flush=True)
    print(f"mockango round trip, {runs} runs per figure per version in {rounds} alternating rounds; {machine()}")
    head = "".join(f" {name + ' median':>24} {'p99':>8}" for name, _ in versions)
    print(f"{'what (ms)':<66}{head} {'now ÷ ' + versions[1][0]:>22}")
    for row in order:
        cells, medians = "", []
        for name, _ in versions:
            samples = pooled[name].get(row)
            if not samples:
                cells += f" {'—':>24} {'—':>8}"
                medians.append(None)
                continue
            median, p99 = summary(samples)
            medians.append(median)
            cells += f" {median:>24.2f} {p99:>8.2f}"
        ratio = f"{medians[0] / medians[1]:.2f}" if medians[0] and medians[1] else "—"
        print(f"{row[:66]:<66}{cells} {ratio:>22}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300, help="runs per figure (default 300)")
    parser.add_argument("--before", metavar="REF", action="append", default=[], help="also this git ref's code")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds with --before (default 3)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.before:
        versions_side_by_side(args.before, args.runs, args.rounds)
        return
    rows = measure(args.runs)
    if args.child:
        print(json.dumps(rows))
        return
    print(f"mockango round trip, {args.runs} runs per figure; {machine()}")
    print(f"{'what':<72} {'n':>5} {'median ms':>10} {'p99 ms':>8}")
    for name, samples in rows:
        median, p99 = summary(samples)
        print(f"{name:<72} {len(samples):>5} {median:>10.2f} {p99:>8.2f}")
    if not any("official" in name for name, _ in rows):
        print("(official client not measured: run `pytest tests/official -m official` once to build its venv)")


if __name__ == "__main__":
    main()
