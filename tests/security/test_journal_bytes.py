"""Issue 17.5: the request journal is bounded in bytes, not only in entries: long fields are cut and marked.

Unauthenticated 404s with a 60 KB path and a 60 KB User-Agent grew the server by ~135 KB each.
"""

from __future__ import annotations

import http.client
import json
import tracemalloc
from urllib.parse import urlsplit

from mockango.records.journal import FIELD_LIMIT, JOURNAL_BYTES, Journal

LONG = "a" * 60_000


def test_long_fields_are_cut_and_say_how_much(host):
    connection = http.client.HTTPConnection(urlsplit(host.url).netloc, timeout=10)
    try:
        half = LONG[:30_000]  # a request line is at most 64 KiB (414 beyond), a header line too
        connection.request("GET", "/v2/" + half + "?q=" + half, headers={"User-Agent": "agent-" + half})
        assert connection.getresponse().status == 404
    finally:
        connection.close()
    (entry,) = [e for e in host.hub.journal_entries() if e["status"] == 404]
    for field, whole in (("path", 4 + 30_000), ("query", 2 + 30_000), ("agent", 6 + 30_000)):
        assert len(entry[field]) < FIELD_LIMIT + 60, field
        assert entry[field].endswith(f"[cut: {whole - FIELD_LIMIT:,} more characters]"), entry[field][-60:]
    assert entry["path"].startswith("/v2/aaaa")


def test_a_full_journal_of_huge_requests_stays_within_its_byte_bound():
    journal = Journal()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(10_000):
            journal.add("GET", f"/v2/{n}/" + LONG, 404, "q=" + LONG, None, f"agent {n} " + LONG)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert journal.bytes <= JOURNAL_BYTES
    assert held < 2 * JOURNAL_BYTES, f"{held / 2**20:.1f} MiB held"
    entries = journal.entries()
    assert entries[-1]["path"].startswith("/v2/9999/")  # the newest are kept, the oldest went first
    assert len(entries) < 10_000


def test_small_entries_are_bounded_by_count_as_before():
    journal = Journal(size=100)
    for n in range(150):
        journal.add("GET", f"/v2/{n}", 200, "", None, "python-requests/2")
    entries = journal.entries()
    assert len(entries) == 100 and entries[0]["path"] == "/v2/50"


def test_an_error_answer_repeats_a_long_path_cut(host):
    """A 30 KB path was echoed twice in its 404 (a 60 KB answer for each hostile request of bench/abuse.py)."""
    path = "/v2/" + "p" * 30_000
    parts = urlsplit(host.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()
    assert answer.status == 404 and len(body) < 1_000, len(body)
    assert "(30,004 characters)" in json.loads(body)["message"]
