"""The object store over real HTTP: presigned upload and download URLs, limits, isolation."""

from __future__ import annotations

import requests


def upload_url(api, project, name="mask.png", kind="brushes"):
    status, body = api.get("/v2/getUploadUrl", name=name, project=project.id, type=kind)
    assert status == 200, body
    return body["data"]["uploadUrl"]


def test_upload_without_a_key_then_download_by_signed_url(api, host, project):
    url = upload_url(api, project)
    assert requests.put(url, data=b"\x89PNG fake", timeout=10).status_code == 200
    # The official client sends the upload URL unencoded: its query splits into parameters.
    status, body = api.call("GET", f"/v2/getSignedUrl?name={url}&project={project.id}&type=brushes")
    assert status == 200, body
    signed = body["data"]["signedUrl"]
    assert requests.get(signed, timeout=10).content == b"\x89PNG fake"
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403  # no signature, no key


def test_an_upload_url_cannot_be_forged_or_reused_for_reading(api, project):
    url = upload_url(api, project)
    tampered = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    assert requests.put(tampered, data=b"x", timeout=10).status_code == 403
    assert requests.get(url, timeout=10).status_code == 403  # a PUT signature does not allow GET
    other_file = url.replace("mask.png", "other.png")
    assert requests.put(other_file, data=b"x", timeout=10).status_code == 403


def test_expired_urls_are_refused(api, host, project):
    key = host.hub.objects.key_for(host.hub.default_organization.id, project.id, "exports", "old.zip")
    url = host.hub.objects.url(host.url, key, "PUT", -1)
    response = requests.put(url, data=b"x", timeout=10)
    assert response.status_code == 403 and "expired" in response.json()["message"]


def test_size_limit(api, host, project):
    host.hub.objects.max_bytes = 1000
    url = upload_url(api, project)
    response = requests.put(url, data=b"x" * 1001, timeout=10)
    assert response.status_code == 413 and "at most 1,000 bytes" in response.json()["message"]
    assert not host.hub.objects.exists(host.hub.objects.key_of_url(url))


def test_bad_names_and_types_are_refused(api, project):
    status, body = api.get("/v2/getUploadUrl", name="../../etc/passwd", project=project.id, type="assets")
    assert status == 400 and "name" in body["message"]
    status, body = api.get("/v2/getUploadUrl", name="a.png", project=project.id, type="secrets")
    assert status == 400 and "type" in body["message"]


def test_another_organization_cannot_sign_my_files(api, stranger, host, project):
    url = upload_url(api, project)
    requests.put(url, data=b"mine", timeout=10)
    other = stranger.http.headers["apikey"]
    other_project = host.hub.create_project("Theirs", {}, organization_id=host.hub.authenticate(other).organization_id)
    status, body = stranger.call("GET", f"/v2/getSignedUrl?name={url}&project={other_project.id}&type=brushes")
    assert status == 403 and "another organization" in body["message"]
    assert stranger.get("/v2/getUploadUrl", name="a.png", project=project.id, type="assets")[0] == 404


def test_another_organization_s_file_urls_are_refused_with_its_key_too(api, stranger, host, project):
    url = upload_url(api, project)
    theirs = {"apikey": stranger.http.headers["apikey"]}
    assert requests.put(url, data=b"theirs", headers=theirs, timeout=10).status_code == 403
    assert not host.hub.objects.exists(host.hub.objects.key_of_url(url))  # the refused PUT stored nothing
    assert requests.put(url, data=b"mine", timeout=10).status_code == 200
    status, body = api.call("GET", f"/v2/getSignedUrl?name={url}&project={project.id}&type=brushes")
    signed = body["data"]["signedUrl"]
    response = requests.get(signed, headers=theirs, timeout=10)
    assert response.status_code == 403 and "another organization" in response.json()["message"]
    assert requests.get(signed.split("?")[0], headers=theirs, timeout=10).status_code == 403
    assert requests.get(signed, headers={"apikey": "not-a-key"}, timeout=10).status_code == 401
    # The organization's own key, or none (the signature is the permission), still read it.
    assert requests.get(signed, headers={"apikey": api.http.headers["apikey"]}, timeout=10).content == b"mine"
    assert requests.get(signed, timeout=10).content == b"mine"
    # Their own signed URL pointed at my file: the signature covers the path, so it fails.
    other_project = host.hub.create_project(
        "Theirs", {}, organization_id=host.hub.authenticate(theirs["apikey"]).organization_id
    )
    status, body = stranger.get("/v2/getUploadUrl", name="mask.png", project=other_project.id, type="brushes")
    own = body["data"]["uploadUrl"]
    mine_key, own_key = host.hub.objects.key_of_url(url), host.hub.objects.key_of_url(own)
    assert requests.put(own.replace(own_key, mine_key), data=b"x", timeout=10).status_code == 403
    assert requests.get(signed, timeout=10).content == b"mine"


def test_files_are_written_under_files_dir(tmp_path):
    from mockango import MockAngo
    from mockango.hub import Hub

    with MockAngo(hub=Hub(files_dir=str(tmp_path))) as host:
        from tests.sdk.conftest import Api

        api = Api(host.url, host.api_key)
        url = api.get("/v2/getUploadUrl", name="f.bin", project=host.project_id, type="assets")[1]["data"]["uploadUrl"]
        assert requests.put(url, data=b"on disk", timeout=10).status_code == 200
    written = list(tmp_path.rglob("f.bin"))
    assert len(written) == 1 and written[0].read_bytes() == b"on disk"


def test_file_urls_survive_a_restart_of_a_state_file_host(tmp_path):
    from mockango import MockAngo
    from mockango.hub import Hub
    from tests.sdk.conftest import Api

    state, files = tmp_path / "state.sqlite3", tmp_path / "files"
    first = Hub(state=state, files_dir=files)
    with MockAngo(hub=first) as host:
        api = Api(host.url, host.api_key)
        url = api.get("/v2/getUploadUrl", name="keep.png", project=host.project_id, type="assets")[1]
        assert requests.put(url["data"]["uploadUrl"], data=b"kept", timeout=10).status_code == 200
        created = api.post(
            f"/v2/project/{host.project_id}/cloud",
            {"assets": [{"data": url["data"]["uploadUrl"].split("?")[0], "externalId": "keep"}]},
        )
        asset_path = created[1]["data"]["assets"][0]["data"].split("/objects/", 1)[1]
    first.close_store()
    again = Hub(state=state, files_dir=files)
    with MockAngo(hub=again) as host:
        assert requests.get(f"{host.url}/objects/{asset_path}", timeout=10).content == b"kept"
    again.close_store()
