"""What the ``mockango`` fixture costs a test suite, next to pytest-httpserver and moto.

    .venv/bin/python bench/fixture_overhead.py [--tests 200] [--starts 10]

Prints one table (milliseconds):
- per test: setup + teardown time pytest reports (median, ``net`` of the baseline, mean, p90) for a test using the ``mockango``
  fixture (shared server, reset before each test), for one using pytest-httpserver's
  ``httpserver`` fixture (shared server, cleared after each test), and for one using no
  fixture (pytest's own cost); ``net`` subtracts that baseline. The three kinds of test
  run in the same pytest session, interleaved, ``--tests`` of each; the first test of
  each kind (which starts the session's server) is left out and shown as a start row;
- cold start + stop: ``MockAngo`` (a new Hub and app each time), pytest-httpserver's
  ``HTTPServer`` and moto's ``ThreadedMotoServer``, ``--starts`` times each after one warm-up;
- a plugin's life in a test: ``serve_plugin`` until live, one run, and leaving the block.

Targets: <= 2 ms per test with the shared server (issue 4), <= 10 ms cold start + stop (issue 21 item 6: werkzeug's
URL builders are compiled once per process, see mockango/web/routing.py).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import statistics
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import pytest

from mockango import MockAngo
from mockango.testing import MockAngoHandle

KINDS = ("mockango", "httpserver", "baseline")
TESTS = textwrap.dedent("""
    import pytest

    @pytest.mark.parametrize("n", range({count}))
    def test_mockango(mockango, n):
        pass

    @pytest.mark.parametrize("n", range({count}))
    def test_httpserver(httpserver, n):
        pass

    @pytest.mark.parametrize("n", range({count}))
    def test_baseline(n):
        pass
""")


class PhaseTimes:
    """A pytest plugin object: setup + teardown durations per test, as pytest reports them."""

    def __init__(self) -> None:
        self.per_test: dict[str, float] = defaultdict(float)
        self.failed: list[str] = []

    def pytest_collection_modifyitems(self, items) -> None:
        # Interleave the three kinds (mockango 0, httpserver 0, baseline 0, mockango 1, ...).
        items.sort(key=lambda item: item.callspec.params["n"])

    def pytest_runtest_logreport(self, report) -> None:
        if report.when in ("setup", "teardown"):
            self.per_test[report.nodeid] += report.duration
        if report.failed:
            self.failed.append(report.nodeid)


def per_test_costs(count: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory(prefix="mockango-bench-") as folder:
        root = Path(folder)
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "test_overhead.py").write_text(TESTS.format(count=count))
        times = PhaseTimes()
        with contextlib.redirect_stdout(io.StringIO()):
            code = pytest.main(
                [
                    str(root),
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    "-p",
                    "no:randomly",
                    "-c",
                    str(root / "pytest.ini"),
                    "--rootdir",
                    str(root),
                ],
                plugins=[times],
            )
        if code != 0:
            raise SystemExit(f"the generated tests failed ({code}): {times.failed}")
    by_kind: dict[str, list[float]] = {kind: [] for kind in KINDS}
    for nodeid, seconds in times.per_test.items():  # in run order
        kind = nodeid.split("::test_", 1)[1].split("[", 1)[0]
        by_kind[kind].append(seconds * 1000)
    return by_kind


def timed(action, repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def mockango_cold() -> None:
    server = MockAngo(seed=0)
    server.start()
    server.stop()


def httpserver_cold() -> None:
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.stop()


def moto_cold() -> None:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    server.stop()


def plugin_life(repeat: int) -> dict[str, list[float]]:
    phases: dict[str, list[float]] = defaultdict(list)
    with MockAngoHandle() as host:
        for index in range(repeat + 1):
            started = time.perf_counter()
            with host.serve_plugin(lambda data: "ok") as plugin:
                live = time.perf_counter()
                plugin.run().assert_succeeded()
                ran = time.perf_counter()
            ended = time.perf_counter()
            host.reset()
            if index:  # the first one warms imports and connections up
                phases["serve_plugin: enter until live"].append((live - started) * 1000)
                phases["one run (trigger -> response)"].append((ran - live) * 1000)
                phases["serve_plugin: exit (plugin stopped)"].append((ended - ran) * 1000)
    return phases


def row(name: str, samples: list[float], net: float | None = None) -> str:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    net_text = f"{net:9.3f}" if net is not None else " " * 9
    return (
        f"{name:<52} {statistics.median(samples):9.3f} {net_text} {statistics.fmean(samples):9.3f} "
        f"{p90:9.3f} {len(samples):5d}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", type=int, default=200, help="tests of each kind (default 200)")
    parser.add_argument("--starts", type=int, default=10, help="cold starts of each server (default 10)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)  # plugin_client's INFO lines would fill the screen
    print(f"load average at start: {', '.join(f'{load:.2f}' for load in os.getloadavg())}")

    costs = per_test_costs(args.tests)
    base = statistics.median(costs["baseline"][1:])
    header = f"{'':<52} {'median':>9} {'net':>9} {'mean':>9} {'p90':>9} {'n':>5}"
    print(header)
    print("-" * len(header))
    print("per test (setup + teardown, ms)")
    print(
        row(
            "  mockango fixture (shared server, reset)",
            costs["mockango"][1:],
            statistics.median(costs["mockango"][1:]) - base,
        )
    )
    print(
        row(
            "  pytest-httpserver httpserver fixture (clear)",
            costs["httpserver"][1:],
            statistics.median(costs["httpserver"][1:]) - base,
        )
    )
    print(row("  no fixture (pytest's own cost)", costs["baseline"][1:]))
    print(row("  first mockango test (starts the session server)", costs["mockango"][:1]))
    print(row("  first httpserver test (starts the session server)", costs["httpserver"][:1]))
    print("cold start + stop of a server (ms)")
    print(row("  MockAngo (new Hub + app, start, stop)", timed(mockango_cold, args.starts)))
    print(row("  pytest-httpserver HTTPServer start + stop", timed(httpserver_cold, args.starts)))
    print(row("  moto ThreadedMotoServer start + stop", timed(moto_cold, args.starts)))
    print(f"load average at the end: {', '.join(f'{load:.2f}' for load in os.getloadavg())}")
    print("a plugin in a test (ms)")
    for name, samples in plugin_life(max(10, args.starts * 2)).items():
        print(row("  " + name, samples))


if __name__ == "__main__":
    main()
