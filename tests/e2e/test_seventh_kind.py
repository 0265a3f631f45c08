"""A seventh plugin kind, written here and given to one host through its kinds table (issue 18).

It touches no module of mockango: the run engine sends its event fields and reads its answer,
the control API takes its run field, OpenAPI lists it, and the dashboard's Run dialog asks for
it and runs it; the plugin process is plugin_client's plain :class:`Plugin` over real Socket.IO.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import requests

from mockango import Hub, MockAngo
from mockango.models import Project, Session
from mockango.runs.kinds import BUILT_IN, Outcome, PluginKind, RunField, RunServices
from plugin_client import Plugin
from tests.support import plugin_running


class Echo(PluginKind):
    """Sends a word with the project's asset count; the plugin must answer it in capitals."""

    name: ClassVar[str] = "echo"
    title: ClassVar[str] = "Echo"
    form_heading: ClassVar[str] = "Echo"
    fields: ClassVar[tuple[RunField, ...]] = (
        RunField("word", "word", "Echo: the word to send.", label="Word", cli="--word", required=True),
    )

    def event_fields(self, services: RunServices, project: Project, given: Mapping[str, Any]) -> dict:
        return {"word": given["word"], "assetCount": project.asset_count}

    def read_answer(self, services: RunServices, session: Session, payload: Mapping[str, Any]) -> Outcome:
        expected = session.event["word"].upper()
        answer = payload.get("response")
        if answer != expected:
            return Outcome(False, message=answer, reason=f"an Echo plugin answers {expected!r}, not {answer!r}")
        return Outcome(True, message=answer, result={"echoed": answer, "assets": session.event["assetCount"]})


class EchoPlugin(Plugin):
    plugin_type = "echo"


def shout(**data):
    return data["word"].upper()


def test_a_seventh_kind_runs_end_to_end_through_every_entry():
    hub = Hub(kinds=BUILT_IN + [Echo()])
    with MockAngo(hub=hub) as host:
        record = host.create_plugin("Echoer", type="echo")
        with plugin_running(host, record.id, record.secret, shout, plugin_class=EchoPlugin):
            session = host.run(record.id, word="hello", timeout=30)
            assert session.status == "succeeded", session.reason
            assert session.result == {"echoed": "HELLO", "assets": 25}
            assert session.event["word"] == "hello" and session.plugin_type == "echo"

            headers = {"apikey": host.api_key}
            over_api = requests.post(
                f"{host.url}/api/runs?wait=30",
                json={"plugin": record.id, "project": host.project_id, "word": "api"},
                headers=headers,
                timeout=60,
            ).json()
            assert over_api["status"] == "succeeded" and over_api["result"]["echoed"] == "API"
            host.hub.strict = True  # another kind's option: refused in strict mode (a warning on the run otherwise)
            refused = requests.post(
                f"{host.url}/api/runs",
                json={"plugin": record.id, "project": host.project_id, "word": "x", "asset": "x"},
                headers=headers,
                timeout=30,
            )
            host.hub.strict = False
            assert refused.status_code == 400
            assert "'asset' is for Model plugins; 'Echoer' is an Echo plugin (its runs take: word)" in refused.text

            dialog = requests.get(f"{host.url}/run?plugin={record.id}", headers=headers, timeout=30).text
            assert "This is an Echo plugin." in dialog and re.search(
                r'<input id="word" name="word"[^>]* required>', dialog
            )
            posted = requests.post(
                f"{host.url}/run",
                data={"plugin": record.id, "project": host.project_id, "config": "{}", "word": "form"},
                headers=headers,
                allow_redirects=False,
                timeout=30,
            )
            assert posted.status_code == 302
            ran = host.hub.wait_session(posted.headers["Location"].rsplit("/", 1)[-1], timeout=30)
            assert ran.status == "succeeded" and ran.result["echoed"] == "FORM"

        document = requests.get(f"{host.url}/openapi.json", timeout=30).json()
        assert "echo" in document["components"]["schemas"]["Plugin"]["properties"]["type"]["enum"]
        run_body = document["paths"]["/api/runs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert run_body["properties"]["word"] == {"type": "string"}


def test_the_seventh_kind_stays_on_its_own_host():
    with MockAngo() as other:
        refused = requests.post(
            f"{other.url}/api/plugins",
            json={"name": "Echoer", "type": "echo"},
            headers={"apikey": other.api_key},
            timeout=30,
        )
        assert refused.status_code == 400 and "use one of ['batch-model', 'model'," in refused.text
