"""`mockango serve` runs on one CPU, its workers on the others (mockango/cpu_affinity.py).

Pinning acts on a whole process, so every pin here happens in a child process, never in the test's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mockango import Hub
from mockango.cpu_affinity import allow_cpus, busy_ticks, quietest_cpu
from mockango.services import exports, worker_process
from mockango.services.import_worker import ImportWorker

ROOT = Path(__file__).resolve().parents[2]
can_pin = pytest.mark.skipif(
    not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
    reason="pinning needs Linux and two usable CPUs",
)

# /proc/stat of a 4-CPU machine: user nice system idle iowait irq softirq steal guest guest_nice
STAT = """cpu  500 0 100 9000 40 0 10 0 0 0
cpu0 100 0 20 2000 10 0 5 0 0 0
cpu1 300 0 50 1000 20 0 3 1 7 0
cpu2 50 0 10 3000 5 0 1 0 0 0
cpu3 50 0 20 3000 5 0 1 0 0 0
intr 12345 0 0
ctxt 999
"""


def test_busy_ticks_count_what_is_neither_idle_nor_waiting_for_io():
    assert busy_ticks(STAT) == {0: 125, 1: 354, 2: 61, 3: 71}  # guest time is already in user time


def test_busy_ticks_read_the_short_lines_of_old_kernels():
    assert busy_ticks("cpu0 10 0 5 100\ncpu1 1 0 1 100 3\n") == {0: 15, 1: 2}


def test_the_quietest_allowed_cpu_is_picked():
    before = {0: 100, 1: 100, 2: 100, 3: 100}
    after = {0: 150, 1: 110, 2: 105, 3: 180}
    assert quietest_cpu({0, 1, 2, 3}, before, after, tiebreak=0) == 2
    assert quietest_cpu({0, 1, 3}, before, after, tiebreak=0) == 1  # 2 is not allowed


def test_on_an_idle_machine_servers_started_together_spread_over_the_cpus():
    idle = {0: 5, 1: 5, 2: 5}
    picked = {quietest_cpu({0, 1, 2}, idle, idle, tiebreak=pid) for pid in (4001, 4002, 4003)}
    assert picked == {0, 1, 2}


def _run_child(code: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@can_pin
def test_every_thread_of_a_pinned_process_runs_on_one_cpu_and_so_do_threads_started_after():
    seen = _run_child(
        """
        import json, os, threading
        from mockango.cpu_affinity import OneCpu
        allowed = sorted(os.sched_getaffinity(0))
        hold = threading.Event()
        early = threading.Thread(target=hold.wait); early.start()
        pinned = OneCpu().pin(watch_at_least=0.01)
        late_cpus = []
        late = threading.Thread(target=lambda: late_cpus.extend(os.sched_getaffinity(0))); late.start(); late.join()
        tasks = {int(t): sorted(os.sched_getaffinity(int(t))) for t in os.listdir("/proc/self/task")}
        hold.set(); early.join()
        print(json.dumps({"cpu": pinned.cpu, "before": sorted(pinned.before), "allowed": allowed,
                          "tasks": list(tasks.values()), "late": sorted(late_cpus)}))
        """
    )
    assert seen["before"] == seen["allowed"]
    assert seen["cpu"] in seen["allowed"]
    assert len(seen["tasks"]) >= 2  # the main thread and the one started before the pin
    assert all(cpus == [seen["cpu"]] for cpus in seen["tasks"])
    assert seen["late"] == [seen["cpu"]]


@can_pin
def test_a_worker_is_given_back_the_cpus_it_may_use():
    allowed = frozenset(os.sched_getaffinity(0))
    one = min(allowed)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        allow_cpus(child.pid, frozenset({one}))
        assert os.sched_getaffinity(child.pid) == {one}
        allow_cpus(child.pid, allowed)
        assert os.sched_getaffinity(child.pid) == allowed
        allow_cpus(child.pid, None)  # nothing was pinned: left as it is
        assert os.sched_getaffinity(child.pid) == allowed
    finally:
        child.kill()
        child.wait()
    allow_cpus(child.pid, allowed)  # a worker that already ended: no error


@can_pin
def test_the_import_worker_runs_on_the_cpus_it_was_given(tmp_path):
    one = frozenset({min(os.sched_getaffinity(0))})
    worker = ImportWorker(tmp_path / "state.sqlite3", cpus=one)
    worker.start()
    try:
        assert os.sched_getaffinity(worker._process.pid) == one
    finally:
        worker.close()


@can_pin
def test_each_export_worker_runs_on_the_cpus_the_host_was_given(tmp_path, monkeypatch):
    one = frozenset({min(os.sched_getaffinity(0))})
    seen: list[frozenset[int]] = []

    def allow_and_look(pid: int, cpus: frozenset[int] | None) -> None:
        allow_cpus(pid, cpus)
        seen.append(frozenset(os.sched_getaffinity(pid)))  # the worker waits for its request: still alive

    monkeypatch.setattr(worker_process, "allow_cpus", allow_and_look)
    monkeypatch.setattr(exports, "WORKER_MIN_TASKS", 1)
    hub = Hub(state=tmp_path / "state.sqlite3", files_dir=tmp_path / "files", worker_cpus=one)
    try:
        project = hub.require_default("project")
        hub.exports.build(hub.default_user, project.id, {"format": "ndjson"})
    finally:
        hub.close_store()
    assert seen == [one]
