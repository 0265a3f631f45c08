"""Issue 13.6: a client-chosen ``hosted`` asset has a bounded, whole-number size; ``/files`` never fails."""

from __future__ import annotations

import json

import pytest
import requests

from mockango import assets

from .conftest import assert_refused

SCHEMA = {"tools": [{"title": "Car", "tool": "bounding-box", "schemaId": "car"}]}


def _project(api, metadata, hosted=True):
    asset = {"externalId": "a", "data": "http://example.invalid/a.png", "hosted": hosted, "metadata": metadata}
    return api.post("/api/projects", json.dumps({"name": "hosted", "categorySchema": SCHEMA, "assets": [asset]}))


@pytest.mark.parametrize(
    "metadata, words",
    [
        ({"width": "wide", "height": 10}, ["assets[0].metadata.width", "whole number"]),
        ({"width": 8192, "height": 8192}, ["assets[0].metadata.width", str(assets.MAX_HOSTED_SIDE)]),
        ({"width": 10, "height": 0}, ["assets[0].metadata.height"]),
        ({"width": 10.5, "height": 10}, ["assets[0].metadata.width"]),
        ({"width": True, "height": 10}, ["assets[0].metadata.width"]),
        ({"width": -3, "height": 10}, ["assets[0].metadata.width"]),
    ],
)
def test_a_hosted_asset_with_a_bad_size_is_refused(api, host, metadata, words):
    before = host.hub.project_count()
    assert_refused(_project(api, metadata), 400, *words)
    assert host.hub.project_count() == before


@pytest.mark.parametrize("hosted", ["yes", 1, {"x": 1}])
def test_hosted_must_be_true_or_false(api, hosted):
    assert_refused(_project(api, {}, hosted=hosted), 400, "assets[0].hosted", "true or false")


def test_a_hosted_asset_within_bounds_is_served_as_a_png_of_its_size(api, host):
    answer = _project(api, {"width": 32, "height": 16})
    assert answer.status_code == 201, answer.text[:300]
    asset = host.assets(answer.json()["_id"])[0]
    image = requests.get(f"{host.url}/files/{asset['_id']}.png", timeout=10)
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert int.from_bytes(image.content[16:20], "big") == 32
    assert int.from_bytes(image.content[20:24], "big") == 16


def test_a_non_hosted_asset_keeps_free_form_metadata(api):
    assert _project(api, {"width": "wide", "note": ["any"]}, hosted=False).status_code == 201
