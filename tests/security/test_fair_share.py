"""Issue 17's abuse bench: a client sending requests back to back from one address kept the interpreter
busy, and a legitimate client's GET p99 went 2-3× (even for 10-byte 404s). A client address that used
much more CPU lately waits, before its next request, while a lighter address's request is served
(briefly); one address never waits for itself, and nothing is refused."""

from __future__ import annotations

import socket
import threading

import pytest

from mockango import MockAngo
from mockango.fair_share import FairShare
from tests.support import WAIT

HEAVY, LIGHT = "127.0.0.2", "127.0.0.1"


def _in_thread(call) -> threading.Thread:
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


def test_a_heavier_address_waits_while_a_lighter_ones_request_is_served():
    share = FairShare(longest_wait=WAIT)
    share.count(HEAVY, 1.0)
    share.count(LIGHT, 0.1)
    with share.serving(LIGHT):
        turn = _in_thread(lambda: share.wait_turn(HEAVY))
        turn.join(0.3)
        assert turn.is_alive()  # its turn comes once the lighter request is answered
    turn.join(WAIT)
    assert not turn.is_alive() and share.waits == 1


@pytest.mark.parametrize(
    ("served", "heavy_used"),
    [(HEAVY, 1.0), (LIGHT, 0.1), (LIGHT, 0.11)],
    ids=["one address never waits for itself", "equal use", "about equal use"],
)
def test_no_wait_for_ones_own_requests_nor_between_addresses_that_used_about_as_much(served, heavy_used):
    share = FairShare(longest_wait=WAIT)
    share.count(HEAVY, heavy_used)
    share.count(LIGHT, 0.1)
    with share.serving(served):
        turn = _in_thread(lambda: share.wait_turn(HEAVY))
        turn.join(WAIT)
        assert not turn.is_alive()
    assert share.waits == 0


def test_the_wait_is_bounded_and_a_long_request_is_waited_for_once():
    share = FairShare(longest_wait=0.05)
    share.count(HEAVY, 1.0)
    with share.serving(LIGHT):
        share.wait_turn(HEAVY)  # gives up after longest_wait
        assert share.waits == 1
        share.wait_turn(HEAVY)  # the lighter request is older than longest_wait now: no second wait
        assert share.waits == 1


def test_counted_use_halves_every_half_life():
    share = FairShare(half_life=1.0)
    share.count(HEAVY, 1.0)
    now = share._used[HEAVY][1]
    assert share.used(HEAVY, now + 1.0) == pytest.approx(0.5)
    assert share.used(HEAVY, now + 3.0) == pytest.approx(0.125)


def _get(url: str, source: str) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=WAIT, source_address=(source, 0)) as sock:
        sock.sendall(b"GET /v2/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        got = b""
        while chunk := sock.recv(65536):
            got += chunk
        return got


def test_the_server_holds_a_heavier_clients_request_while_a_lighter_ones_is_served():
    with MockAngo() as host:
        share = host._server.fair_share
        share.longest_wait = WAIT
        share.count(HEAVY, 10.0)  # as if 127.0.0.2 had been sending requests back to back
        answers: list[bytes] = []
        with share.serving(LIGHT):  # a request of 127.0.0.1 being served
            heavy = _in_thread(lambda: answers.append(_get(host.url, HEAVY)))
            heavy.join(0.3)
            assert heavy.is_alive() and not answers
            assert _get(host.url, LIGHT).startswith(b"HTTP/1.1 40")  # the lighter client is not held
        heavy.join(WAIT)
        assert answers and answers[0].startswith(b"HTTP/1.1 40")  # answered, not refused
        assert share.waits >= 1
