"""Load and soak: many plugins, many runs, concurrent imports, against `mockango serve` on loopback.

    .venv/bin/python bench/load.py [--plugins 50] [--runs 1000] [--concurrency 16] [--soak SECONDS]

Starts ``mockango serve`` in its own process (so its memory, threads and file
descriptors are measured alone), creates a project with one asset per run, connects
``--plugins`` plugin_client plugins (Socket.IO) in this process and starts ``--runs``
runs from ``--concurrency`` threads through the control API, spread over the plugins.
Each run's callback logs two lines naming its session, fetches its asset through the
SDK and imports a label for it over REST, so imports run concurrently with runs.

Then it checks that no run was lost (every one succeeded), stuck (none still running)
or misattributed (each answer, log line and import belongs to the session and plugin
it names, and each asset is labelled by the session that was given it), and prints
p50/p99 run latency, runs/s, and the server's RSS, threads and file descriptors at
each stage: idle, plugins connected, after the runs, after the plugins left, and after
a second cycle of plugins connecting, running and leaving (which must leave no more
threads or descriptors than the first: pools may stay filled, nothing may grow).

``--soak SECONDS`` then keeps runs going at ``--soak-concurrency`` for that long and
samples the server every 10 s. Sends traffic only to 127.0.0.1; stops by itself
(``--deadline`` bounds the whole script).

``--sweep 4,16 --rounds 7 --runs 300`` measures throughput against concurrency instead (issue 21
item 2): the same server and plugins, ``--runs`` runs per round at each concurrency in turn
(the order alternating from round to round, so a change in the machine's load hits both), and
prints per concurrency the median [95 % interval] of runs/s, of the server's CPU milliseconds per
run, and of the rounds' p50/p99 latency; every run is still checked (lost/stuck/misattributed).
``--before REF`` (repeatable, with ``--sweep``) also serves the code at that git ref
(``bench/trees.py``), each version with its own server and plugins, all up at once; every round
measures each version at each concurrency, the order alternating, so the versions share the
machine's load. ``--all-cpus`` (with ``--sweep``) also serves this checkout with ``serve --cpus all``, so
the server pinned to one CPU (the default) and spread over all are measured side by side. The plugins are this checkout's plugin_client for every version.
Every figure is printed with the machine and its load average.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import re
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

from plugin_client import SDK, BatchModelPlugin, run  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from figures import machine, median_interval  # noqa: E402
from trees import env_for, tree_of  # noqa: E402

LOOPBACK = "127.0.0.1"
TOOL = {"schemaId": "car-box", "tool": "bounding-box", "title": "Car"}
BOX = {"x": 10, "y": 20, "width": 30, "height": 40}
SETTLE_SECONDS = 40  # engine.io keeps a ping task per socket for its ping interval (25 s) after a close


class Server:
    """``mockango serve`` in a child process on a free loopback port."""

    def __init__(
        self, state_dir: str, run_timeout: float, tree: Path | None = None, options: tuple[str, ...] = ()
    ) -> None:
        command = [
            sys.executable,
            "-m",
            "mockango.cli",
            "serve",
            "--host",
            LOOPBACK,
            "--port",
            "0",
            "--fresh",
            "--state",
            os.path.join(state_dir, "state"),
            "--run-timeout",
            str(run_timeout),
            *options,
        ]
        # ``-m`` puts the working directory first on sys.path: another version's server runs in its tree.
        self.process = subprocess.Popen(
            command,
            cwd=tree or ROOT,
            env=env_for(tree),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = []
        for line in self.process.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        text = "".join(lines)
        found = re.search(r"serving at (http://\S+)", text), re.search(r"API key:\s+(\S+)", text)
        if not all(found):
            self.stop()
            raise SystemExit(f"mockango serve did not start:\n{text}")
        self.url, self.api_key = found[0].group(1), found[1].group(1)
        if not self.url.startswith(f"http://{LOOPBACK}:"):
            self.stop()
            raise SystemExit(f"refusing to load anything but loopback, got {self.url}")
        threading.Thread(target=self._drain, daemon=True).start()
        self.ps = psutil.Process(self.process.pid)

    def _drain(self) -> None:
        for _ in self.process.stdout:
            pass

    def figures(self) -> dict:
        return {
            "rss_mb": self.ps.memory_info().rss / 2**20,
            "threads": self.ps.num_threads(),
            "fds": self.ps.num_fds(),
            "cpu_s": sum(self.ps.cpu_times()[:2]),
        }

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_callback(url: str, plugin_id: str):
    """The load's plugin callback: two log lines naming the session, an asset lookup and a one-item import
    through the SDK, then an answer naming the session and the plugin."""

    def callback(data: dict) -> str:
        session, logger = data["session"], data["logger"]
        asset = json.loads(data["configJSON"])["asset"]
        logger.info(f"session {session} plugin {plugin_id}: start on {asset}")
        with SDK(data["apiKey"], url) as sdk:
            found = sdk.get_assets(data["projectId"], external_id=asset)["data"]["assets"]
            if [a["externalId"] for a in found] != [asset]:
                raise RuntimeError(f"asked for {asset}, got {found}")
            schema_id = data["categorySchema"][0]["schemaId"]
            sdk.import_labels(
                data["projectId"], [{"externalId": asset, "objects": [{"schemaId": schema_id, "bounding-box": BOX}]}]
            )
        logger.info(f"session {session} plugin {plugin_id}: imported {asset}")
        return f"done {session} by {plugin_id}"

    return callback


class Plugins:
    """``count`` plugin_client plugins in threads of this process, each with its own callback."""

    def __init__(self, server: Server, http: requests.Session, count: int) -> None:
        self.server, self.clients, self.threads = server, [], []
        self.ids = []
        for index in range(count):
            made = http.post(f"{server.url}/api/plugins", json={"name": f"load-{index:02d}", "classNames": ["Car"]})
            made.raise_for_status()
            plugin = made.json()
            client = BatchModelPlugin(plugin["_id"], plugin["secret"], self._callback(plugin["_id"]))
            thread = threading.Thread(
                target=run, args=(client, server.url), kwargs={"connector": "WS"}, daemon=True, name=f"plugin-{index}"
            )
            thread.start()
            self.clients.append(client)
            self.threads.append(thread)
            self.ids.append(plugin["_id"])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            live = [p for p in http.get(f"{server.url}/api/plugins").json()["plugins"] if p["live"]]
            if len(live) == count:
                return
            time.sleep(0.2)
        raise SystemExit(f"only {len(live)} of {count} plugins went live within 60 s")

    def _callback(self, plugin_id: str):
        return run_callback(self.server.url, plugin_id)

    def stop(self) -> None:
        for client in self.clients:
            client.stop()
        for thread in self.threads:
            thread.join(10)


class Runs:
    """Runs started through the control API from many threads; remembers what each was given."""

    def __init__(self, server: Server, project_id: str, plugin_ids: list[str], assets: list[str]) -> None:
        self.server, self.project_id, self.plugin_ids, self.assets = server, project_id, plugin_ids, assets
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.given: dict[str, tuple[str, str]] = {}  # session id -> (plugin id, asset)
        self.problems: list[str] = []
        self._counter = itertools.count()

    def one(self, http: requests.Session) -> None:
        index = next(self._counter)
        plugin_id, asset = self.plugin_ids[index % len(self.plugin_ids)], self.assets[index % len(self.assets)]
        started = time.perf_counter()
        answer = http.post(
            f"{self.server.url}/api/runs",
            json={
                "plugin": plugin_id,
                "project": self.project_id,
                "classMapping": {"Car": "Car"},
                "config": {"asset": asset},
                "timeout": 60,
            },
        )
        if answer.status_code != 201:
            with self.lock:
                self.problems.append(f"run {index}: POST /api/runs answered {answer.status_code}: {answer.text[:200]}")
            return
        session = answer.json()
        with self.lock:
            self.given[session["_id"]] = (plugin_id, asset)
        while session["status"] == "running":
            session = http.get(f"{self.server.url}/api/sessions/{session['_id']}", params={"wait": 30}).json()
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies.append(elapsed)
            if session["status"] != "succeeded":
                self.problems.append(f"session {session['_id']}: {session['status']} ({session['reason']})")

    def drive(self, threads: int, *, count: int | None = None, until: float | None = None) -> float:
        """Run ``count`` runs (or until the monotonic time ``until``) from ``threads`` threads; returns seconds."""
        budget = itertools.count() if count is None else iter(range(count))
        budget_lock = threading.Lock()

        def worker():
            http = requests.Session()
            http.headers["apikey"] = self.server.api_key
            while True:
                with budget_lock:
                    if next(budget, None) is None or (until is not None and time.monotonic() >= until):
                        return
                self.one(http)

        began = time.perf_counter()
        workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return time.perf_counter() - began


def every_page(http: requests.Session, url: str, key: str) -> list[dict]:
    """Every row of a paged control API listing (``page``, ``limit``, ``total``)."""
    rows: list[dict] = []
    for page in itertools.count(1):
        body = http.get(url, params={"page": page, "limit": 1000}).json()
        rows += body[key]
        if not body[key] or len(rows) >= body["total"]:
            return rows


def check_attribution(
    server: Server, http: requests.Session, runs: Runs, project_id: str, unique_assets: bool
) -> list[str]:
    """Every session answered, logged and imported as itself, on the plugin it was sent to."""
    problems = []
    sessions = {s["_id"]: s for s in every_page(http, f"{server.url}/api/sessions", "sessions")}
    stuck = [sid for sid, s in sessions.items() if s["status"] == "running"]
    if stuck:
        problems.append(f"{len(stuck)} sessions still running: {stuck[:5]}")
    for sid, (plugin_id, _asset) in runs.given.items():
        s = sessions.get(sid)
        if s is None:
            problems.append(f"session {sid} is missing from /api/sessions")
            continue
        if s["plugin"] != plugin_id or s["message"] != f"done {sid} by {plugin_id}":
            problems.append(f"session {sid} for {plugin_id} answered {s['message']!r} (plugin {s['plugin']})")
        ours = [entry for entry in s["logs"] if entry.get("msg", "").startswith("session ")]
        if [e["msg"].split(":")[0] for e in ours] != [f"session {sid} plugin {plugin_id}"] * 2:
            problems.append(f"session {sid}: log lines {[e['msg'] for e in ours]}")
        if len(s["imports"]) != 1 or (s["imports"][0]["items"], s["imports"][0]["objects"]) != (1, 1):
            problems.append(f"session {sid}: imports {s['imports']}")
    if unique_assets:
        by_asset = {asset: sid for sid, (_, asset) in runs.given.items()}
        assets = every_page(http, f"{server.url}/api/projects/{project_id}/assets", "assets")
        for a in assets:
            if a["externalId"] in by_asset and a["labeledBySession"] != by_asset[a["externalId"]]:
                problems.append(
                    f"asset {a['externalId']} labelled by {a['labeledBySession']}, given to {by_asset[a['externalId']]}"
                )
    return problems


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def settle(server: Server, baseline: dict, seconds: float, *, steady: bool = False) -> tuple[dict, float]:
    """Wait until threads and fds are back to the baseline (or, with ``steady``, have not changed
    for 5 s), or ``seconds`` pass; return the figures and the time waited."""
    began = time.monotonic()
    last, since = None, began
    while True:
        now = server.figures()
        waited = time.monotonic() - began
        if (now["threads"], now["fds"]) != last:
            last, since = (now["threads"], now["fds"]), time.monotonic()
        back = now["threads"] <= baseline["threads"] and now["fds"] <= baseline["fds"]
        if back or (steady and time.monotonic() - since >= 5 and waited >= 26) or waited >= seconds:
            return now, waited
        time.sleep(0.5)


def show(stage: str, f: dict) -> None:
    print(f"| {stage} | {f['rss_mb']:.1f} | {f['threads']} | {f['fds']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plugins", type=int, default=50)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16, help="threads starting runs")
    parser.add_argument("--soak", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--soak-concurrency", type=int, default=4)
    parser.add_argument("--deadline", type=float, default=1800.0, help="the whole script stops after this")
    parser.add_argument("--sweep", metavar="C1,C2", help="throughput at these concurrencies instead (see above)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds per concurrency with --sweep")
    parser.add_argument(
        "--before", metavar="REF", action="append", default=[], help="with --sweep: also this git ref's code"
    )
    parser.add_argument(
        "--all-cpus",
        action="store_true",
        help="with --sweep: also this checkout's server with `serve --cpus all` (the server on every CPU)",
    )
    options = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    threading.Timer(options.deadline, lambda: os._exit(3)).start()

    if (options.before or options.all_cpus) and not options.sweep:
        parser.error("--before and --all-cpus go with --sweep")
    versions: list[tuple[str, Path | None, tuple[str, ...]]] = [("now", None, ())]
    if options.all_cpus:
        versions.append(("now, --cpus all", None, ("--cpus", "all")))
    versions += [(f"before ({ref})", tree_of(ref), ()) for ref in options.before]
    with tempfile.TemporaryDirectory(prefix="mockango-load-") as state_dir:
        servers = []
        try:
            for index, (_name, tree, serve_options) in enumerate(versions):
                os.mkdir(os.path.join(state_dir, str(index)))
                servers.append(Server(os.path.join(state_dir, str(index)), 60, tree, serve_options))
            if options.sweep:
                return sweep([(name, server) for (name, _, _), server in zip(versions, servers)], options)
            return measure(servers[0], options)
        finally:
            for server in servers:
                server.stop()


def make_project(http: requests.Session, server: Server, count: int) -> tuple[str, list[str]]:
    assets = [f"load-{i:05d}.png" for i in range(count)]
    made = http.post(
        f"{server.url}/api/projects",
        json={
            "name": "Load",
            "categorySchema": {"tools": [TOOL]},
            "assets": [{"externalId": a, "data": f"https://assets.example/{a}"} for a in assets],
        },
    )
    made.raise_for_status()
    return made.json()["_id"], assets


def sweep(servers: list[tuple[str, Server]], options) -> int:
    """Runs/s and server CPU per run at each concurrency, in alternating rounds, for each version's server."""
    levels = [int(c) for c in options.sweep.split(",")]
    setups = []
    for name, server in servers:
        http = requests.Session()
        http.headers["apikey"] = server.api_key
        project_id, assets = make_project(http, server, options.runs)
        plugins = Plugins(server, http, options.plugins)
        Runs(server, project_id, plugins.ids, assets).drive(max(levels), count=min(50, options.runs))  # warm up
        setups.append((name, server, http, project_id, assets, plugins))
    print(f"bench/load.py --sweep on {machine()}")
    print(
        f"{options.plugins} plugins per server, {options.runs} runs per round, {options.rounds} rounds per "
        f"concurrency; versions: {', '.join(name for name, _ in servers)}\n",
        flush=True,
    )
    figures: dict[tuple[str, int], dict[str, list[float]]] = {
        (name, c): {"runs/s": [], "cpu ms/run": [], "p50": [], "p99": []} for name, _ in servers for c in levels
    }
    problems: list[str] = []
    turns = [(setup, level) for setup in setups for level in levels]
    for round_ in range(options.rounds):
        for (name, server, http, project_id, assets, plugins), level in turns if round_ % 2 == 0 else turns[::-1]:
            runs = Runs(server, project_id, plugins.ids, assets)
            cpu_before = server.figures()["cpu_s"]
            seconds = runs.drive(level, count=options.runs)
            cpu = server.figures()["cpu_s"] - cpu_before
            problems += runs.problems + check_attribution(server, http, runs, project_id, unique_assets=False)
            got = figures[name, level]
            got["runs/s"].append(len(runs.latencies) / seconds)
            got["cpu ms/run"].append(cpu * 1000 / max(len(runs.latencies), 1))
            got["p50"].append(statistics.median(runs.latencies) * 1000)
            got["p99"].append(percentile(runs.latencies, 0.99) * 1000)
            print(
                f"  round {round_ + 1}, {name}, {level:>2} threads: {got['runs/s'][-1]:6.1f} runs/s, "
                f"{got['cpu ms/run'][-1]:5.1f} ms CPU/run, p50 {got['p50'][-1]:6.1f} ms, p99 {got['p99'][-1]:7.1f} ms "
                f"({machine().split('; ')[-1]})",
                flush=True,
            )
    for setup in setups:
        setup[-1].stop()
    print(f"\nmedian [95 % interval] over {options.rounds} rounds ({machine().split('; ')[-1]} at the end):")
    print(f"{'version':>24} {'threads':>8} {'runs/s':>26} {'server CPU ms per run':>26} {'p50 ms':>26} {'p99 ms':>26}")
    for name, _ in servers:
        for level in levels:
            got = figures[name, level]
            cells = [str(median_interval(got[k])) for k in ("runs/s", "cpu ms/run", "p50", "p99")]
            print(f"{name:>24} {level:>8} " + " ".join(f"{c:>26}" for c in cells))
    if len(levels) > 1:
        low, high = levels[0], levels[-1]
        print(
            f"\n{high} against {low} threads, median [95 % interval] of the rounds' ratios (each round measures "
            "both, back to back): the goal is runs/s >= 1 and CPU a run flat"
        )
        print(f"{'version':>24} {'runs/s':>26} {'rounds with runs/s >=':>22} {'server CPU ms per run':>26}")
        for name, _ in servers:
            ratios = {
                k: [h / lo for h, lo in zip(figures[name, high][k], figures[name, low][k])]
                for k in ("runs/s", "cpu ms/run")
            }
            at_least = f"{sum(r >= 1 for r in ratios['runs/s'])} of {len(ratios['runs/s'])}"
            print(
                f"{name:>24} {str(median_interval(ratios['runs/s'])):>26} {at_least:>22} "
                f"{str(median_interval(ratios['cpu ms/run'])):>26}"
            )
    for problem in problems[:20]:
        print("PROBLEM:", problem)
    return 1 if problems else 0


def measure(server: Server, options) -> int:
    http = requests.Session()
    http.headers["apikey"] = server.api_key
    project_id, assets = make_project(http, server, options.runs)
    # Warm up: the first socket starts engine.io's service thread for good; let one plugin
    # come, run and go, and wait out its ping task, so "idle" already counts what stays.
    warm = Plugins(server, http, 1)
    Runs(server, project_id, warm.ids, assets).drive(1, count=1)
    warm.stop()
    idle, _ = settle(server, {"threads": 0, "fds": 0}, SETTLE_SECONDS, steady=True)

    plugins = Plugins(server, http, options.plugins)
    connected = server.figures()
    runs = Runs(server, project_id, plugins.ids, assets)
    runs.drive(1, count=min(10, options.runs))  # warm up, sequential
    warm = len(runs.latencies)
    seconds = runs.drive(options.concurrency, count=options.runs - warm)
    measured = runs.latencies[warm:]
    after_runs = server.figures()
    problems = runs.problems + check_attribution(server, http, runs, project_id, unique_assets=True)

    print(
        f"mockango load: {options.plugins} plugins, {options.runs} runs from {options.concurrency} threads, "
        f"each run a GET and a label import over REST ({server.url}); {machine()}\n"
    )
    print(f"runs: {len(runs.latencies)} finished, {len(runs.given)} started, lost/stuck/misattributed: {len(problems)}")
    print(
        f"run latency (trigger -> answer): p50 {statistics.median(measured) * 1000:.1f} ms, "
        f"p99 {percentile(measured, 0.99) * 1000:.1f} ms; {len(measured) / seconds:.1f} runs/s"
    )
    print(f"server CPU during the runs: {after_runs['cpu_s'] - connected['cpu_s']:.1f} s\n")

    soak_samples = []
    if options.soak:
        soak_runs = Runs(server, project_id, plugins.ids, assets)
        soak_done = threading.Event()
        began = time.monotonic()

        def sample():
            while not soak_done.wait(10):
                f = server.figures()
                soak_samples.append((time.monotonic() - began, f, len(soak_runs.latencies)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        soak_runs.drive(options.soak_concurrency, until=began + options.soak)
        soak_done.set()
        sampler.join()
        soak_problems = soak_runs.problems + check_attribution(server, http, soak_runs, project_id, unique_assets=False)
        problems += soak_problems

    plugins.stop()
    left, waited = settle(server, idle, SETTLE_SECONDS)
    # A bounded pool (the store's reader connections) may stay above idle; a leak grows with
    # every cycle. So connect, run and leave once more, and compare with the first departure.
    again = Plugins(server, http, options.plugins)
    second = Runs(server, project_id, again.ids, assets)
    second.drive(options.concurrency, count=min(200, options.runs))
    problems += second.problems + check_attribution(server, http, second, project_id, unique_assets=False)
    again.stop()
    left_again, waited_again = settle(server, left, SETTLE_SECONDS)

    print("| stage | server RSS (MiB) | threads | fds |\n|---|---:|---:|---:|")
    show("idle (project of %d assets)" % options.runs, idle)
    show(f"{options.plugins} plugins connected", connected)
    show(f"after {options.runs} runs", after_runs)
    if soak_samples:
        show(f"after a {options.soak:g} s soak", soak_samples[-1][1])
    show(f"plugins gone ({waited:.0f} s later)", left)
    show(
        f"{options.plugins} plugins back, {len(second.latencies)} runs, gone again ({waited_again:.0f} s later)",
        left_again,
    )
    leaked = left_again["threads"] > left["threads"] or left_again["fds"] > left["fds"]
    print(
        f"\nthreads/fds leaked by a second connect-run-leave cycle: {'YES' if leaked else 'none'} "
        f"(threads {left['threads']} -> {left_again['threads']}, fds {left['fds']} -> {left_again['fds']}; "
        f"idle was {idle['threads']} threads, {idle['fds']} fds)"
    )

    if soak_samples:
        print(
            f"\nsoak: {len(soak_runs.latencies)} runs in {options.soak:g} s from {options.soak_concurrency} threads "
            f"(p50 {statistics.median(soak_runs.latencies) * 1000:.1f} ms, "
            f"p99 {percentile(soak_runs.latencies, 0.99) * 1000:.1f} ms), server sampled every 10 s:"
        )
        print("| t (s) | runs so far | RSS (MiB) | threads | fds |\n|---:|---:|---:|---:|---:|")
        for t, f, done in soak_samples:
            print(f"| {t:.0f} | {done} | {f['rss_mb']:.1f} | {f['threads']} | {f['fds']} |")
        first, last = soak_samples[0], soak_samples[-1]
        if last[2] > first[2]:
            per_run = (last[1]["rss_mb"] - first[1]["rss_mb"]) * 1024 / (last[2] - first[2])
            print(
                f"RSS growth over the soak: {last[1]['rss_mb'] - first[1]['rss_mb']:+.1f} MiB "
                f"({per_run:+.2f} KiB per run; the host keeps every session with its logs)"
            )

    for problem in problems[:20]:
        print("PROBLEM:", problem)
    return 1 if problems or leaked else 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)
