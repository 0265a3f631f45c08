"""Abuse against a real `mockango serve`, and what a legitimate client sees meanwhile (issue 17).

    .venv/bin/python bench/abuse.py [--seconds 8] [--drippers 300] [--idle 1000] [--floods 20] [--journal 2500]
                                    [--only "bad-heartbeat flood"]... [--before REF]...

Starts ``mockango serve`` on 127.0.0.1 in its own process (fresh state in a temporary folder)
and, one after another, four abusive clients, each in a process of its own and speaking from
another loopback address (127.0.0.2, as a second machine would):

- slow drip: ``--drippers`` connections each sending one header byte every 0.5 s;
- idle connections: ``--idle`` connections opened and left silent (reopened when closed);
- bad-heartbeat floods: ``--floods`` websockets sending wrong heartbeats for a real plugin as
  fast as the host answers, reconnecting whenever they are closed;
- oversized journal entries: unauthenticated 404s with a 30 KB path and a 60 KB User-Agent, for
  the whole phase and at least ``--journal`` of them (a fixed count would end the abuse sooner on
  a faster server, and leave the rest of the phase quiet).

Meanwhile a legitimate client (127.0.0.1, ``requests.Session``, the SDK's way) sends
``GET /v2/listProjects`` one after another. Printed for each abuse, before it (quiet), during it
and after it: the legitimate GET's p50 and p99, how many of its GETs failed (and how many were
503), and the server's threads and RSS. Goals (issue 17): the p99 during each abuse within 2× the
quiet p99; threads and RSS back to the quiet baseline after; no 503 to the legitimate client.
Sends traffic only to 127.0.0.0/8; every phase is bounded in time and the script stops by itself.

``--before REF`` (repeatable) also serves the code at that git ref (``bench/trees.py``): each abuse
is run against each version in turn, back to back, with the same load.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import multiprocessing
import os
import re
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing.synchronize import Event as StopFlag
from pathlib import Path

import psutil
import requests
import websocket

LOOPBACK = "127.0.0.1"
ABUSER = "127.0.0.2"
SETTLE = 6.0  # seconds after an abuse stops before "after" is measured (the keep-alive timeout is 5 s)
RSS_SLACK_MB = 16.0
ABUSER_PROCESSES = multiprocessing.get_context("fork")  # a child with the Server handle, no pickling
THREAD_SLACK = 3


class Server:
    """``mockango serve`` on a free loopback port (bench/crash.py's ``Served``), with its plugin id and the
    figures this bench samples."""

    def __init__(self, folder: str, tree: Path | None = None) -> None:
        from crash import Served
        from trees import env_for

        self.served = Served(Path(folder) / "state.sqlite3", fresh=True, env=env_for(tree))
        self.url, self.api_key, self.port = self.served.url, self.served.api_key, self.served.port
        end = time.monotonic() + 10
        while "Press Ctrl+C" not in "".join(self.served.output):  # the banner's last line: it has the plugin
            if time.monotonic() > end:
                self.stop()
                raise SystemExit("mockango serve printed no plugin:\n" + "".join(self.served.output))
            time.sleep(0.02)
        self.plugin_id = re.search(r"Plugin:\s+(\S+)", "".join(self.served.output)).group(1)
        self.ps = psutil.Process(self.served.process.pid)

    def figures(self) -> tuple[int, float]:
        """(threads, RSS MiB) of the server process and its children (the import worker)."""
        processes = [self.ps, *self.ps.children(recursive=True)]
        return self.ps.num_threads(), sum(p.memory_info().rss for p in processes) / 2**20

    def stop(self) -> None:
        self.served.stop()


class Legit:
    """A legitimate client timing GETs until told to stop; each phase reads its samples."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.samples: list[float] = []
        self.failed = 0
        self.refused = 0
        self._stop = threading.Event()

    def measure(self, seconds: float) -> tuple[float, float, int, int]:
        """(p50 ms, p99 ms, failed, of which 503) of GETs sent one after another for ``seconds``."""
        samples, failed, refused = [], 0, 0
        until = time.monotonic() + seconds
        with requests.Session() as session:
            session.headers["apikey"] = self.server.api_key
            while time.monotonic() < until:
                began = time.perf_counter()
                try:
                    answer = session.get(self.server.url + "/v2/listProjects", timeout=10)
                    status = answer.status_code
                except requests.RequestException:
                    status = 0
                samples.append(time.perf_counter() - began)
                if status != 200:
                    failed += 1
                    refused += status == 503
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return statistics.median(ordered) * 1000, p99 * 1000, failed, refused


# ---------------------------------------------------------------------- the abusers (each in a child process)


def _connect(server: Server) -> socket.socket | None:
    try:
        sock = socket.create_connection((LOOPBACK, server.port), timeout=2, source_address=(ABUSER, 0))
    except OSError:
        return None
    sock.setblocking(False)
    return sock


def slow_drip(server: Server, stop: StopFlag, count: int) -> None:
    """``count`` connections, one header byte each every 0.5 s; a closed one is reopened."""
    request = b"GET /v2/listProjects HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100_000
    conns: dict[socket.socket, int] = {}
    while not stop.is_set():
        while len(conns) < count and not stop.is_set():
            sock = _connect(server)
            if sock is None:
                break
            conns[sock] = 0
        for sock, sent in list(conns.items()):
            try:
                sock.send(request[sent : sent + 1])
                conns[sock] = sent + 1
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                sock.close()
                del conns[sock]
        stop.wait(0.5)
    for sock in conns:
        sock.close()


def idle(server: Server, stop: StopFlag, count: int) -> None:
    """``count`` silent connections; those the server closes (or refuses) are reopened."""
    selector = selectors.DefaultSelector()
    open_ = 0
    while not stop.is_set():
        while open_ < count and not stop.is_set():
            sock = _connect(server)
            if sock is None:
                break
            selector.register(sock, selectors.EVENT_READ)
            open_ += 1
        for key, _ in selector.select(timeout=0.2):
            sock = key.fileobj
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                selector.unregister(sock)
                sock.close()
                open_ -= 1
    for key in list(selector.get_map().values()):
        key.fileobj.close()
    selector.close()


def heartbeat_flood(server: Server, stop: StopFlag, count: int) -> None:
    """``count`` websockets sending wrong heartbeats for a real plugin, reconnecting when closed."""
    url = server.url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    packet = f'42/plugin,["heartbeat",{{"id":"{server.plugin_id}","secret":"wrong"}}]'

    def one() -> None:
        while not stop.is_set():
            sock = _connect(server)
            if sock is None:
                stop.wait(0.1)
                continue
            sock.setblocking(True)
            try:
                ws = websocket.create_connection(url, socket=sock, timeout=2, suppress_origin=True)
                ws.recv()  # Engine.IO open
                ws.send("40/plugin,")
                while not stop.is_set():
                    ws.send(packet)
                    ws.recv()
            except (OSError, websocket.WebSocketException):
                pass
            finally:
                sock.close()

    workers = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def journal(server: Server, stop: StopFlag, count: int, sent: ctypes.c_longlong) -> None:
    """Unauthenticated 404s with a 30 KB path and a 60 KB User-Agent over kept-alive connections, until
    stopped and ``count`` were sent (counted in ``sent``)."""
    request = b"GET /v2/" + b"p" * 30_000 + b" HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"u" * 60_000 + b"\r\n\r\n"

    def done() -> bool:
        return stop.is_set() and sent.value >= count

    while not done():
        sock = _connect(server)
        if sock is None:
            stop.wait(0.1)
            continue
        sock.setblocking(True)
        sock.settimeout(5)
        try:
            with contextlib.closing(sock):
                for _ in range(50):
                    sock.sendall(request)
                    got = b""
                    while b"\r\n\r\n" not in got or not got.rstrip().endswith(b"}"):
                        chunk = sock.recv(65536)
                        if not chunk:
                            raise ConnectionError
                        got += chunk
                    sent.value += 1
                    if done():
                        break
        except OSError:
            pass


ABUSES = {
    "slow drip": (slow_drip, "drippers"),
    "idle connections": (idle, "idle"),
    "bad-heartbeat flood": (heartbeat_flood, "floods"),
    "oversized journal entries": (journal, "journal"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measured phase")
    parser.add_argument("--drippers", type=int, default=300)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--floods", type=int, default=20)
    parser.add_argument("--journal", type=int, default=2500, help="oversized requests at least (sent all phase)")
    parser.add_argument("--only", choices=list(ABUSES), action="append", help="run only this abuse (repeatable)")
    parser.add_argument("--before", metavar="REF", action="append", default=[], help="also this git ref's code")
    options = parser.parse_args()
    try:
        socket.create_connection((LOOPBACK, 9), source_address=(ABUSER, 0), timeout=1).close()
    except ConnectionRefusedError:
        pass  # 127.0.0.2 can speak (nothing listens on port 9)
    except OSError as error:
        raise SystemExit(f"cannot send from {ABUSER}: {error}")
    from trees import tree_of

    print(f"load average before: {', '.join(f'{v:.2f}' for v in os.getloadavg())} ({os.cpu_count()} cores)")
    versions = [("", None)] + [(f" (before {ref})", tree_of(ref)) for ref in options.before]
    rows, verdicts = [], []
    with contextlib.ExitStack() as stack:
        served = []
        for label, tree in versions:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="mockango-abuse-"))
            server = Server(folder, tree)
            stack.callback(server.stop)
            legit = Legit(server)
            legit.measure(1.0)  # warm up
            served.append((label, server, legit))
        for name, (abuser, option) in ABUSES.items():
            if options.only and name not in options.only:
                continue
            for label, server, legit in served:
                rows_, verdict = abuse(name + label, abuser, option, getattr(options, option), server, legit, options)
                rows += rows_
                verdicts.append(verdict)
                print(f"  done: {name}{label}", file=sys.stderr)
    width = max(28, *(len(row[0]) + 2 for row in rows))
    print(
        f"{'abuse':<{width}}{'phase':<15}{'GET p50 ms':>11}{'p99 ms':>9}{'failed (503)':>14}{'threads':>9}{'RSS MiB':>9}"
    )
    for name, phase, (p50, p99, failed, refused), threads, rss in rows:
        print(f"{name:<{width}}{phase:<15}{p50:>11.2f}{p99:>9.2f}{f'{failed} ({refused})':>14}{threads:>9}{rss:>9.1f}")
    print()
    print(f"{'goal':<{width}}{'p99 ≤ 2× quiet':>16}{'back to baseline':>18}{'no 503':>8}")
    for name, p99_ok, baseline_ok, no_503 in verdicts:
        print(
            f"{name:<{width}}{'yes' if p99_ok else 'NO':>16}{'yes' if baseline_ok else 'NO':>18}"
            f"{'yes' if no_503 else 'NO':>8}"
        )
    print(
        f"(baseline: within {THREAD_SLACK} threads and {RSS_SLACK_MB:g} MiB of the quiet figures, "
        f"{SETTLE:g} s after the abuse stopped)"
    )
    print(f"load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0 if all(all(v[1:]) for v in verdicts) else 1


def abuse(name: str, abuser, option: str, count: int, server: Server, legit: Legit, options) -> tuple[list, tuple]:
    """One abuse against one server: its table rows (quiet, during, after) and its verdict."""
    rows = []
    quiet = legit.measure(options.seconds)
    base_threads, base_rss = server.figures()
    rows.append((name, "quiet", quiet, base_threads, base_rss))
    # The abuser runs in a process of its own, as another machine's would: its threads do not
    # share the legitimate client's interpreter lock (they did, and inflated its p99 by the bench's own wait).
    stop = ABUSER_PROCESSES.Event()
    sent = ABUSER_PROCESSES.Value(ctypes.c_longlong, 0, lock=False)
    arguments = (server, stop, count, sent) if abuser is journal else (server, stop, count)
    worker = ABUSER_PROCESSES.Process(target=abuser, args=arguments, daemon=True)
    worker.start()
    time.sleep(1.0)  # let the abuse build up
    peak = [0, 0.0]

    def sample() -> None:
        while not stop.is_set():
            threads, rss = server.figures()
            peak[0], peak[1] = max(peak[0], threads), max(peak[1], rss)
            stop.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    during = legit.measure(options.seconds)
    stop.set()
    worker.join(30)
    if worker.is_alive():
        worker.kill()
        worker.join()
    sampler.join(5)
    rows.append((f"  {sent.value if abuser is journal else count} {option}", "during (peak)", during, *peak))
    time.sleep(SETTLE)
    after = legit.measure(options.seconds / 2)
    threads, rss = server.figures()
    rows.append(("", "after", after, threads, rss))
    verdict = (
        name,
        during[1] <= 2 * quiet[1],
        threads <= base_threads + THREAD_SLACK and rss <= base_rss + RSS_SLACK_MB,
        during[3] + after[3] == 0,
    )
    return rows, verdict


if __name__ == "__main__":
    sys.exit(main())
