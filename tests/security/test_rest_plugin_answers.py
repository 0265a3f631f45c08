"""A callback-URL plugin's answers are read strictly too: a NaN or 100,000-deep answer fails the
session with a reason, never reaches it (where it would make every later answer non-strict or crash)."""

from __future__ import annotations

import threading

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from mockango import MockAngo

from .conftest import DEEP


@pytest.mark.parametrize(
    "answer, words",
    [
        ('{"response": NaN}', "finite"),
        ('{"response": ' + DEEP + "}", "100 levels"),
        ('{"response": "\\ud800"}', "surrogate"),
    ],
)
def test_a_hostile_run_answer_fails_the_session_and_answers_stay_strict(answer, words):
    @Request.application
    def plugin(request):
        if request.path == "/heartbeat":
            return Response('"ok"', mimetype="application/json")
        return Response(answer, mimetype="application/json")

    server = make_server("127.0.0.1", 0, plugin, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        with MockAngo(seed=1) as host:
            host.hub.rest_plugins.interval = 0.1
            created = host.create_plugin("Hostile", callback_url=f"http://127.0.0.1:{server.server_port}")
            host.wait_live(created.id, timeout=5)
            session = host.run(created.id, timeout=5)
            assert session.status == "failed" and words in session.reason, session.reason
            listing = requests.get(f"{host.url}/api/sessions/{session.id}", headers={"apikey": host.api_key}, timeout=5)
            assert listing.status_code == 200 and listing.json()["status"] == "failed"
    finally:
        server.shutdown()
        server.server_close()
