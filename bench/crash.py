"""Crash safety of a real ``mockango serve``: kill it during a stream of writes, restart, check nothing acknowledged is lost.

    .venv/bin/python bench/crash.py [--trials 50] [--signal KILL|TERM] [--seed 0]

Each trial starts ``mockango serve`` on a free loopback port with its state file in a
fresh temporary folder, makes a project and a plugin, connects that plugin through
``plugin_client`` and streams writes from one client: plugin creation, multi-item label
imports, runs (the plugin's callback posts log lines and imports labels with the run's
key, then answers). At a random moment (seeded) the process gets SIGKILL (or SIGTERM,
then may stop by itself). It is started again on the same state file and every write
the client saw acknowledged (a 2xx answer) must be there: plugins with their secrets,
sessions, finished runs with their status, log lines, imported labels. Every import,
acknowledged or cut off, must be stored whole or not at all (each import labels its own
slice of assets, so a partly labeled slice is a half-stored import), and a SQLite state
file must pass ``PRAGMA integrity_check``.

Prints one line per trial and a summary; exits 1 when any trial lost something.
Traffic goes only to 127.0.0.1, and every process started is stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from plugin_client import BatchModelPlugin, run  # noqa: E402

SLICE = 10  # assets per import: an import is "half stored" when its slice is partly labeled
SLICES = 300  # the project's assets = SLICE * SLICES
TOOL = "aaaaaaaaaaaaaaaaaaaaaaaa"
START_TIMEOUT = 30.0  # seconds for `mockango serve` to answer (a restart on a big JSON state is slow)
SQLITE_HEADER = b"SQLite format 3\x00"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """One ``mockango serve`` process on a free port, its output drained by a thread."""

    def __init__(
        self, state: Path, *, fresh: bool, options: tuple[str, ...] = (), env: dict[str, str] | None = None
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [
            sys.executable,
            "-m",
            "mockango.cli",
            "serve",
            "--port",
            str(self.port),
            "--state",
            str(state),
            *options,
        ]
        if fresh:
            command.append("--fresh")
        self.process = subprocess.Popen(
            command,
            cwd=state.parent,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"},
        )
        self.output: list[str] = []
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()
        self.api_key = self._wait_ready()

    def _drain(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    def _wait_ready(self) -> str:
        end = time.monotonic() + START_TIMEOUT
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"mockango serve exited with {self.process.returncode}:\n{''.join(self.output)}")
            found = re.search(r"API key:\s+(\S+)", "".join(self.output))
            if found:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(self.url + "/api/info", headers={"apikey": found.group(1)}, timeout=2).ok:
                        return found.group(1)
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"mockango serve did not answer within {START_TIMEOUT:g} s:\n{''.join(self.output)}")

    def signal(self, number: int, wait: float = 15.0) -> int:
        """Send ``number`` and wait for the process to end (SIGKILL it if it does not); its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(number)
        try:
            return self.process.wait(wait)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return self.process.returncode

    def stop(self) -> None:
        self.signal(signal.SIGINT)


@dataclass
class Acknowledged:
    """Every write the client got a 2xx answer for, and every import it started."""

    plugins: dict[str, str] = field(default_factory=dict)  # id -> secret
    sessions: dict[str, str | None] = field(default_factory=dict)  # id -> final status seen (None: running)
    logs: list[tuple[str, str]] = field(default_factory=list)  # (session id, message)
    imports: dict[int, str | None] = field(default_factory=dict)  # slice -> session that imported it
    started_slices: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def count(self) -> int:
        return len(self.plugins) + len(self.sessions) + len(self.logs) + len(self.imports)


def project_body() -> dict:
    return {
        "name": "Crash test",
        "categorySchema": {"tools": [{"schemaId": TOOL, "tool": "bounding-box", "title": "Box", "color": "#ff0000"}]},
        "assets": [
            {
                "externalId": f"a{n:05}",
                "data": f"https://example.invalid/{n}.png",
                "metadata": {"width": 640, "height": 480},
            }
            for n in range(SLICE * SLICES)
        ],
    }


def slice_items(number: int) -> list[dict]:
    box = {"x": number % 500, "y": 10, "width": 50, "height": 40}
    return [
        {"externalId": f"a{number * SLICE + i:05}", "objects": [{"schemaId": TOOL, "bounding-box": box}]}
        for i in range(SLICE)
    ]


class Stream:
    """The client side of a trial: writes one after another until stopped or the host dies."""

    def __init__(self, url: str, api_key: str, project: str, plugin: str, acked: Acknowledged) -> None:
        self.url, self.project, self.plugin, self.acked = url, project, plugin, acked
        self.http = requests.Session()
        self.http.headers["apikey"] = api_key
        self.next_slice = 0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def take_slice(self) -> int | None:
        with self.acked.lock:
            if self.next_slice >= SLICES:
                return None
            number, self.next_slice = self.next_slice, self.next_slice + 1
            self.acked.started_slices.add(number)
            return number

    def callback(self, **data):
        """The plugin's side of a run: log lines and an import, both over HTTP with the run's key."""
        key, session = data["apiKey"], data["session"]
        number = json.loads(data["configJSON"])["slice"]
        http = requests.Session()
        http.headers["apikey"] = key
        with contextlib.suppress(requests.RequestException):  # the host may be killed at any moment
            for line in range(3):
                message = f"line {line} of {session}"
                if http.post(
                    self.url + "/v2/pluginLog", json={"session": session, "level": "INFO", "msg": message}, timeout=10
                ).ok:
                    with self.acked.lock:
                        self.acked.logs.append((session, message))
            if http.post(
                self.url + "/v2/import/labels",
                timeout=30,
                json={"project": self.project, "jsonContent": slice_items(number)},
            ).ok:
                with self.acked.lock:
                    self.acked.imports[number] = session
        return "done"

    def _loop(self) -> None:
        turn = 0
        with contextlib.suppress(requests.RequestException):
            while not self.stopped.is_set():
                turn += 1
                if turn % 5 == 1:
                    answer = self.http.post(self.url + "/api/plugins", json={"name": f"plugin {turn}"}, timeout=10)
                    if answer.status_code == 201:
                        with self.acked.lock:
                            self.acked.plugins[answer.json()["_id"]] = answer.json()["secret"]
                number = self.take_slice()
                if number is None:
                    return
                if turn % 2:
                    answer = self.http.post(
                        self.url + "/v2/import/labels",
                        timeout=30,
                        json={"project": self.project, "jsonContent": slice_items(number)},
                    )
                    if answer.ok:
                        with self.acked.lock:
                            self.acked.imports[number] = None
                    continue
                answer = self.http.post(
                    self.url + "/api/runs",
                    timeout=10,
                    json={"plugin": self.plugin, "project": self.project, "config": {"slice": number}, "timeout": 20},
                )
                if answer.status_code != 201:
                    continue
                session = answer.json()["_id"]
                with self.acked.lock:
                    self.acked.sessions[session] = None
                answer = self.http.get(self.url + f"/api/sessions/{session}", params={"wait": 10}, timeout=15)
                if answer.ok and answer.json()["status"] != "running":
                    with self.acked.lock:
                        self.acked.sessions[session] = answer.json()["status"]


def every_asset(http: requests.Session, url: str, project: str) -> list[dict]:
    assets: list[dict] = []
    while True:
        answer = http.get(
            url + f"/api/projects/{project}/assets", params={"page": len(assets) // 1000 + 1, "limit": 1000}, timeout=30
        )
        answer.raise_for_status()
        body = answer.json()
        assets += body["assets"]
        if not body["assets"] or len(assets) >= body["total"]:
            return assets


def check(url: str, api_key: str, project: str, acked: Acknowledged) -> list[str]:
    """What the restarted host lost or half stored, as plain sentences (empty: nothing)."""
    problems: list[str] = []
    http = requests.Session()
    http.headers["apikey"] = api_key
    for plugin_id, secret in acked.plugins.items():
        answer = http.get(url + f"/api/plugins/{plugin_id}", timeout=10)
        if answer.status_code != 200:
            problems.append(f"acknowledged plugin {plugin_id} is gone ({answer.status_code})")
        elif answer.json()["secret"] != secret:
            problems.append(f"plugin {plugin_id} came back with another secret")
    logs_of: dict[str, list[str]] = {}
    for session_id, status in acked.sessions.items():
        answer = http.get(url + f"/api/sessions/{session_id}", timeout=10)
        if answer.status_code != 200:
            problems.append(f"acknowledged session {session_id} is gone ({answer.status_code})")
            continue
        body = answer.json()
        logs_of[session_id] = [entry.get("msg") for entry in body["logs"]]
        if status is not None and body["status"] != status:
            problems.append(f"session {session_id} was acknowledged {status}, came back {body['status']}")
    lost_logs = [(s, m) for s, m in acked.logs if s in logs_of and m not in logs_of[s]]
    lost_logs += [(s, m) for s, m in acked.logs if s not in logs_of]
    if lost_logs:
        problems.append(f"{len(lost_logs)} acknowledged log line(s) lost, e.g. {lost_logs[0][1]!r}")
    if http.get(url + f"/v2/project/{project}", timeout=10).status_code != 200:
        return problems + [f"the acknowledged project {project} (and so every import) is gone"]
    assets = every_asset(http, url, project)
    for number in sorted(acked.started_slices):
        chunk = assets[number * SLICE : (number + 1) * SLICE]
        labeled = sum(a["isPreLabeled"] for a in chunk)
        if 0 < labeled < SLICE:
            problems.append(f"import of slice {number} is half stored: {labeled} of {SLICE} assets labeled")
        elif number in acked.imports and labeled == 0:
            problems.append(f"acknowledged import of slice {number} is lost")
        elif (
            number in acked.imports
            and acked.imports[number] is not None
            and labeled
            and {a["labeledBySession"] for a in chunk} != {acked.imports[number]}
        ):
            problems.append(f"slice {number} lost the session that imported it")
    stray = [
        a["externalId"] for n, a in enumerate(assets) if a["isPreLabeled"] and n // SLICE not in acked.started_slices
    ]
    if stray:
        problems.append(f"{len(stray)} asset(s) labeled that no import named, e.g. {stray[0]}")
    return problems


def integrity(state: Path) -> str | None:
    """None when the state file is sound; else why not. A SQLite file must pass integrity_check."""
    if not state.exists():
        return f"{state} does not exist"
    with state.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        try:
            json.loads(state.read_text())
        except ValueError as exc:
            return f"the JSON state file does not parse: {exc}"
        return None
    connection = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    return None if verdict == "ok" else f"integrity_check: {verdict}"


@dataclass
class Trial:
    number: int
    signal_name: str
    after: float  # seconds from the first write to the signal
    acknowledged: int
    exit_code: int | None
    restart: float  # seconds until the restarted host answered
    problems: list[str]

    def line(self) -> str:
        verdict = (
            "ok"
            if not self.problems
            else "LOST: "
            + "; ".join(self.problems[:3])
            + (f" (+{len(self.problems) - 3} more)" if len(self.problems) > 3 else "")
        )
        return (
            f"trial {self.number:3}  SIG{self.signal_name:<4} at {self.after:5.2f} s  "
            f"{self.acknowledged:4} acknowledged writes  exit {self.exit_code!s:>4}  "
            f"restart {self.restart:5.2f} s  {verdict}"
        )


def run_trial(
    number: int, *, seed: int = 0, signal_name: str = "KILL", earliest: float = 0.2, latest: float = 1.5
) -> Trial:
    """One trial in a fresh temporary folder; the signal comes ``earliest``..``latest`` s into the stream."""
    rng = random.Random(f"{seed}:{signal_name}:{number}")
    after = rng.uniform(earliest, latest)
    with tempfile.TemporaryDirectory(prefix="mockango-crash-") as folder:
        state = Path(folder) / "state.sqlite3"
        first = Served(state, fresh=True)
        plugin = None
        try:
            http = requests.Session()
            http.headers["apikey"] = first.api_key
            project = http.post(first.url + "/api/projects", json=project_body(), timeout=60).json()["_id"]
            made = http.post(first.url + "/api/plugins", json={"name": "Crash runner"}, timeout=10).json()
            acked = Acknowledged(plugins={made["_id"]: made["secret"]})
            stream = Stream(first.url, first.api_key, project, made["_id"], acked)
            plugin = BatchModelPlugin(made["_id"], made["secret"], stream.callback)
            threading.Thread(
                target=run, args=(plugin,), kwargs={"host": first.url, "connector": "WS"}, daemon=True
            ).start()
            end = time.monotonic() + 10
            while not http.get(first.url + f"/api/plugins/{made['_id']}", timeout=10).json()["live"]:
                if time.monotonic() > end:
                    raise RuntimeError("the crash-test plugin did not go live within 10 s")
                time.sleep(0.02)
            stream.thread.start()
            time.sleep(after)
            exit_code = first.signal(getattr(signal, f"SIG{signal_name}"))
            stream.stopped.set()
        finally:
            if plugin is not None:
                plugin.stop()
            first.signal(signal.SIGKILL)
        stream.thread.join(timeout=30)
        with acked.lock:
            snapshot = Acknowledged(
                plugins=dict(acked.plugins),
                sessions=dict(acked.sessions),
                logs=list(acked.logs),
                imports=dict(acked.imports),
                started_slices=set(acked.started_slices),
            )
        began = time.monotonic()
        try:
            second = Served(state, fresh=False)
        except RuntimeError as exc:
            return Trial(
                number, signal_name, after, snapshot.count, exit_code, 0.0, [f"the state did not open again: {exc}"]
            )
        restart = time.monotonic() - began
        try:
            problems = check(second.url, second.api_key, project, snapshot)
        finally:
            second.stop()
        broken = integrity(state)
        if broken:
            problems.append(broken)
        return Trial(number, signal_name, after, snapshot.count, exit_code, restart, problems)


def quiet_plugin_client() -> None:
    """The killed host makes the plugin's client log errors by design: keep the table readable."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("plugin_client").setLevel(logging.CRITICAL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--signal", choices=["KILL", "TERM"], default="KILL")
    parser.add_argument("--seed", type=int, default=0)
    options = parser.parse_args()
    quiet_plugin_client()
    trials = []
    for number in range(options.trials):
        trial = run_trial(number, seed=options.seed, signal_name=options.signal)
        trials.append(trial)
        print(trial.line(), flush=True)
    failed = [t for t in trials if t.problems]
    writes = sum(t.acknowledged for t in trials)
    print(
        f"\n{len(trials) - len(failed)} of {len(trials)} trials kept every acknowledged write "
        f"(SIG{options.signal}, seed {options.seed}, {writes} acknowledged writes in all); "
        f"median restart {sorted(t.restart for t in trials)[len(trials) // 2]:.2f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
