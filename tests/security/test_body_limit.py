"""Issue 12.8: a request body limit (32 MiB by default, configurable), answered 413 with a message."""

from __future__ import annotations

import re
import socket

import pytest
import requests
from click.testing import CliRunner

from mockango import MockAngo, input_limits
from mockango.cli import main, parse_size

from .conftest import assert_refused


@pytest.fixture
def small_host():
    with MockAngo(seed=1, max_body=64 * 1024) as server:
        yield server


@pytest.mark.parametrize(
    "route", ["/api/plugins", "/api/projects", "/v2/pluginLog", "/v2/pluginResponse", "/v2/import/labels"]
)
def test_a_body_over_the_limit_is_refused_with_413_naming_the_limit(small_host, route):
    body = b'{"name": "' + b"x" * (64 * 1024) + b'"}'
    answer = requests.post(
        small_host.url + route,
        data=body,
        timeout=10,
        headers={"apikey": small_host.api_key, "Content-Type": "application/json"},
    )
    assert_refused(answer, 413, "64 KiB", "--max-body", "max_body")
    assert small_host.hub.list_plugins(small_host.hub.default_organization.id) == []


def test_a_chunked_body_over_the_limit_is_refused_too(small_host):
    def chunks():
        yield b'{"name": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    answer = requests.post(
        small_host.url + "/api/plugins",
        data=chunks(),
        timeout=10,
        headers={"apikey": small_host.api_key, "Content-Type": "application/json"},
    )
    assert_refused(answer, 413, "64 KiB")
    assert small_host.hub.list_plugins(small_host.hub.default_organization.id) == []


def test_a_body_under_the_limit_is_served(small_host):
    answer = requests.post(
        small_host.url + "/api/plugins",
        json={"name": "p", "description": "d" * 30_000},
        headers={"apikey": small_host.api_key},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text[:200]


def test_the_dashboard_form_over_the_limit_gets_a_413_page(small_host):
    answer = requests.post(
        small_host.url + "/plugins",
        data={"name": "x" * 70_000},
        timeout=10,
        cookies={"mockango_apikey": small_host.api_key},
    )
    assert answer.status_code == 413
    assert "64 KiB" in answer.text


def test_the_default_limit_is_32_mib(host):
    assert input_limits.MAX_BODY_BYTES == 32 * 1024 * 1024
    # Announce 33 MiB without sending it: the host refuses from the header alone.
    with socket.create_connection(host.url.removeprefix("http://").split(":")) as raw:
        raw.sendall(
            b"POST /api/plugins HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"apikey: "
            + host.api_key.encode()
            + b"\r\nContent-Length: "
            + str(33 * 1024 * 1024).encode()
            + b"\r\n\r\n{"
        )
        raw.settimeout(10)
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
        answer = answer.decode()
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "32 MiB" in answer


@pytest.mark.parametrize(
    "text, size", [("1000", 1000), ("64KiB", 65536), ("32MiB", 32 * 1024 * 1024), ("2 GB", 2_000_000_000), ("1k", 1024)]
)
def test_max_body_sizes_parse(text, size):
    assert parse_size(text) == size


def test_serve_refuses_a_bad_max_body():
    result = CliRunner().invoke(main, ["serve", "--max-body", "lots"])
    assert result.exit_code != 0
    assert "--max-body" in result.output


def still_open(sock: socket.socket) -> bool:
    """Nothing came from the server on ``sock``, not even its close."""
    sock.setblocking(False)
    try:
        sock.recv(1)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def test_serve_applies_its_limit_options(tmp_path):
    """`mockango serve --max-body 1KiB --read-timeout 2 --max-connections 4`, as a user starts it.

    The read timeout closes the cap check's idle connections 2 s after they open: on a loaded machine
    that can come before the request, and then the cap was not full. Only such a try is tried again
    (a try whose idle connections all stayed open must have been refused).
    """
    from tests.e2e.test_cli import printed, start_serve, stop

    serve, banner = start_serve(tmp_path, "--max-body", "1KiB", "--read-timeout", "2", "--max-connections", "4")
    try:
        url, key = re.search(r"serving at (\S+)", banner).group(1), printed(banner, "API key")
        answer = requests.post(url + "/api/plugins", json={"name": "x" * 2000}, headers={"apikey": key}, timeout=10)
        assert_refused(answer, 413, "1 KiB", "--max-body")
        with socket.create_connection(url.removeprefix("http://").split(":")) as idle:
            idle.settimeout(15)
            assert idle.recv(1) == b""  # closed by the read timeout, well before 15 s
        address = url.removeprefix("http://").split(":")
        for _ in range(20):
            idle = [socket.create_connection(address, source_address=(f"127.0.0.{2 + n % 2}", 0)) for n in range(4)]
            try:
                answer = requests.get(url + "/api/info", headers={"apikey": key}, timeout=10)
                if answer.status_code == 503 or all(still_open(sock) for sock in idle):
                    break  # the cap was full while the request waited
            finally:
                for sock in idle:
                    sock.close()
        assert_refused(answer, 503, "4 connections", "--max-connections")
    finally:
        stop(serve)
