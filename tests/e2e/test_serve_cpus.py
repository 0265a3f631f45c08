"""`mockango serve` keeps its threads on one CPU and gives its import worker the rest; `--cpus all` does not pin."""

from __future__ import annotations

import os
import sys

import psutil
import pytest

from tests import serving
from tests.serving import printed

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
        reason="pinning needs Linux and two usable CPUs",
    ),
]

MOCKANGO = [sys.executable, "-m", "mockango.cli"]


def thread_cpus(pid: int) -> list[frozenset[int]]:
    return [frozenset(os.sched_getaffinity(thread.id)) for thread in psutil.Process(pid).threads()]


def import_worker_of(pid: int) -> psutil.Process:
    workers = [p for p in psutil.Process(pid).children() if "mockango.services.import_worker" in p.cmdline()]
    assert len(workers) == 1, [p.cmdline() for p in psutil.Process(pid).children()]
    return workers[0]


def test_serve_runs_on_the_cpu_it_names_and_its_worker_on_every_other(tmp_path):
    allowed = frozenset(os.sched_getaffinity(0))
    serve, banner = serving.start_serve(MOCKANGO, tmp_path)
    try:
        cpu = int(printed(banner, "CPU"))
        assert cpu in allowed
        assert "--cpus all" in banner
        threads = thread_cpus(serve.pid)
        assert len(threads) > 1
        assert set(threads) == {frozenset({cpu})}
        assert frozenset(os.sched_getaffinity(import_worker_of(serve.pid).pid)) == allowed
    finally:
        serving.stop_process(serve)


def test_serve_with_cpus_all_runs_wherever_it_may(tmp_path):
    allowed = frozenset(os.sched_getaffinity(0))
    serve, banner = serving.start_serve(MOCKANGO, tmp_path, "--cpus", "all")
    try:
        assert "CPU:" not in banner
        assert set(thread_cpus(serve.pid)) == {allowed}
        assert frozenset(os.sched_getaffinity(import_worker_of(serve.pid).pid)) == allowed
    finally:
        serving.stop_process(serve)
