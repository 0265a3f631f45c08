"""What schemathesis found, pinned as plain tests (each failed before its fix)."""

from __future__ import annotations

import pytest
import requests


@pytest.mark.parametrize("class_names", [2516828, "Car", {"Car": 1}, True])
def test_class_names_that_are_not_a_list_are_refused_not_a_500(host, class_names):
    answer = requests.post(
        host.url + "/api/plugins", headers={"apikey": host.api_key}, json={"name": "P", "classNames": class_names}
    )
    assert answer.status_code == 400
    assert answer.json()["message"].startswith("'classNames' must be a list of non-empty strings")
    assert host.hub.list_plugins(host.hub.default_organization.id) == []
