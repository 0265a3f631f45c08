"""The examples of docs/testing.md's "Faults" section, as written there."""

from __future__ import annotations

import time

from plugin_client import SDK


def run_model(data):
    sdk = SDK(data["apiKey"])  # the host from ANGO_HOST, which serve_plugin sets
    assets = sdk.get_assets(data["projectId"])["data"]["assets"]
    time.sleep(0.3)  # long enough for a drop "after_run" to land while the run is in flight
    schema_id = data["categorySchema"][0]["schemaId"]
    sdk.import_labels(
        data["projectId"],
        [
            {
                "externalId": a["externalId"],
                "objects": [{"schemaId": schema_id, "bounding-box": {"x": 1, "y": 1, "width": 5, "height": 5}}],
            }
            for a in assets
        ],
    )
    return f"{len(assets)} assets labelled"


def test_my_plugin_retries_a_busy_host(mockango):
    with mockango.serve_plugin(run_model, class_names=["Vehicle"]):
        mockango.faults.fail("GET", "/v2/project/*/assets", times=2, status=503)
        result = mockango.run(class_mapping={"Vehicle": "Vehicle"})
    result.assert_succeeded().assert_called("GET", "/v2/project/*/assets", status=503, times=2)
    result.assert_called("GET", "/v2/project/*/assets", status=200, times=1)
    assert result.message == "10 assets labelled"


def test_a_dropped_socket_fails_the_run_in_flight(mockango):
    with mockango.serve_plugin(run_model, class_names=["Vehicle"]) as plugin:
        mockango.faults.drop_plugin(plugin.id, when="after_run", seconds=0.1)
        mockango.run().assert_failed(reason="the plugin disconnected before it answered")
