"""/api/v1/imports/: the whole flow as a script does it, permissions and problem+json errors."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from kelu.customers.models import Customer

pytestmark = pytest.mark.django_db
CSV = "客户名称,手机,邮箱\n北京鑫淼科技有限公司,13912345678,a@xinmiao.cn\n上海云栖,12345,\n".encode()


def upload(client, content: bytes = CSV, name: str = "a.csv"):
    return client.post("/api/v1/imports/", {"file": SimpleUploadedFile(name, content)}, format="multipart")


def test_upload_map_check_start_follow_and_undo(owner_api):
    response = upload(owner_api)
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["status"] == "uploaded"
    assert job["headers"] == ["客户名称", "手机", "邮箱"]
    assert [entry["target"] for entry in job["mapping"]] == ["customer.name", "phone", "email"]
    pk = job["id"]

    response = owner_api.post(
        f"/api/v1/imports/{pk}/mapping/",
        {"mapping": ["customer.name", {"target": "phone", "label": "总机"}, "ignore"], "on_duplicate": "fill",
         "problem_choices": {"invalid_phone": "skip"}},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    assert response.json()["mapping"][1] == {"target": "phone", "label": "总机", "label_column": None}

    assert owner_api.post(f"/api/v1/imports/{pk}/start/").status_code == 409  # not checked yet
    response = owner_api.post(f"/api/v1/imports/{pk}/validate/")
    assert response.status_code == 202
    preview = owner_api.get(f"/api/v1/imports/{pk}/preview/").json()
    assert preview["status"] == "validated"
    assert preview["problems"]["invalid_phone"] == 1
    assert preview["preview"][0]["points"][0]["normalized"] == "+8613912345678"

    response = owner_api.post(f"/api/v1/imports/{pk}/start/")
    assert response.status_code == 202
    job = owner_api.get(f"/api/v1/imports/{pk}/").json()
    assert job["status"] == "done"
    assert (job["created"], job["updated"], job["skipped"], job["failed"]) == (1, 0, 1, 0)
    assert job["progress"]["percent"] == 100

    rows = owner_api.get(f"/api/v1/imports/{pk}/failed-rows/")
    assert rows.status_code == 200 and rows["Content-Type"].startswith("text/csv")
    body = b"".join(rows.streaming_content).decode("utf-8-sig")
    assert "上海云栖" in body and "12345" in body

    assert owner_api.post(f"/api/v1/imports/{pk}/undo/").status_code == 202
    assert owner_api.get(f"/api/v1/imports/{pk}/").json()["status"] == "undone"
    assert not Customer.objects.exists()


def test_bad_input_is_answered_with_problem_json(owner_api):
    response = owner_api.post("/api/v1/imports/", {}, format="multipart")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "file" in response.json()["errors"]
    response = upload(owner_api, b"\x00\x01", "a.exe")
    assert response.status_code == 400 and "file" in response.json()["errors"]
    pk = upload(owner_api).json()["id"]
    response = owner_api.post(f"/api/v1/imports/{pk}/mapping/", {"mapping": ["nonsense", "phone", "email"]},
                              format="json")  # fmt: skip
    assert response.status_code == 400
    assert "mapping" in response.json()["errors"]
    response = owner_api.post(f"/api/v1/imports/{pk}/mapping/", {"on_duplicate": "merge"}, format="json")
    assert response.status_code == 400
    response = owner_api.post(f"/api/v1/imports/{pk}/undo/")
    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"


def test_size_limit(owner_api):
    with override_settings(KELU_IMPORT_MAX_BYTES=50):
        response = upload(owner_api, CSV * 3)
    assert response.status_code == 400
    assert "MB" in response.json()["errors"]["file"][0]


def test_someone_elses_import_is_404(owner_api, bearer_client, outsider, admin):
    pk = upload(owner_api).json()["id"]
    stranger = bearer_client(outsider)
    for url in ("", "preview/", "failed-rows/"):
        assert stranger.get(f"/api/v1/imports/{pk}/{url}").status_code == 404
    for url in ("mapping/", "validate/", "start/", "cancel/", "undo/"):
        assert stranger.post(f"/api/v1/imports/{pk}/{url}", {}, format="json").status_code == 404
    assert pk not in [job["id"] for job in stranger.get("/api/v1/imports/").json()]
    assert bearer_client(admin).get(f"/api/v1/imports/{pk}/").status_code == 200


def test_roles_without_the_import_right_get_403(bearer_client, viewer, owner):
    assert upload(bearer_client(viewer)).status_code == 403
    owner.role.can_import = False
    owner.role.save()
    response = upload(bearer_client(owner))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_wrong_method(owner_api):
    pk = upload(owner_api).json()["id"]
    assert owner_api.delete(f"/api/v1/imports/{pk}/").status_code == 405
    assert owner_api.get(f"/api/v1/imports/{pk}/start/").status_code == 405


def test_anonymous_gets_401(api_client):
    assert api_client.get("/api/v1/imports/").status_code == 401
