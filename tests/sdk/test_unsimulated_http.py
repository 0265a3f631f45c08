"""Known Ango Hub calls that mockango does not simulate answer 501; unknown paths still 404."""

from __future__ import annotations

from mockango.web.sdk.unsimulated import UNSIMULATED
from tests.sdk.conftest import Api


def test_every_unsimulated_call_answers_501_with_its_method_and_path(api, project, host):
    for method, rule, _ in UNSIMULATED:
        path = rule.replace("<project_id>", project.id).replace("<organization_id>", host.hub.default_organization.id)
        path = path.replace("<metric>", "AnnotationStatus").replace("<llm_id>", "a" * 24)
        status, body = api.call(method, path, json={})
        assert status == 501, (method, path, body)
        message = f"{method} {path} is an Ango Hub call that mockango does not simulate"
        assert body == {"status": "error", "message": message, "error": {"statusCode": 501, "message": message}}


def test_they_need_an_api_key_first(host):
    assert Api(host.url, None).call("GET", "/v2/llms")[0] == 401


def test_a_typo_is_still_a_404(api):
    status, body = api.get("/v2/lllms")
    assert status == 404 and "no such endpoint" in body["message"]
