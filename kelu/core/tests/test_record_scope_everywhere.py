"""Permissions hold on every path: each URL pattern the resolver knows is tried against someone else's records.

The patterns come from the URL resolver, so an endpoint added later is covered without touching this file; one
whose parameters this file cannot fill fails ``test_every_parameter_is_known`` until it is taught here.
"""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.test import Client
from django.utils import timezone

from kelu.accounts.models import ApiToken
from kelu.accounts.services import token_create
from kelu.activities import services as activity_services
from kelu.activities.models import Activity, Attachment
from kelu.core.tests.endpoints import Pattern, url_patterns
from kelu.customers import services
from kelu.customers.models import Contact, ContactPoint, Customer, CustomerShare, SavedView
from kelu.exports.models import ExportJob
from kelu.followups import services as follow_up_services
from kelu.followups.models import FollowUp, Notification
from kelu.quality import services as quality
from kelu.quality.models import BulkEdit, Merge
from kelu.transfer.models import ImportJob

PATTERNS = url_patterns()
UNSAFE = ["post", "put", "patch", "delete"]
VICTIM_NAME = "鑫淼科技"
SECRETS = ["13800138000", "emily@example.com", "wx_zhangwei88"]
# Configuration pages and endpoints: admins only, whatever the parameters.
ADMIN_ONLY = ("settings:", "api:fields-", "api:choices-", "api:tags-", "api:users", "api:roles", "api:audit")
# Parameters that name no record (a password-reset link's user id and token): any value answers a harmless page.
NOT_RECORDS = {"accounts:password_reset_confirm"}
# The caller's own account: read-only roles may change these too.
PERSONAL = {"api:users-me"}


def _personal(pattern: Pattern) -> bool:
    return pattern.name.startswith("accounts:") or pattern.name in PERSONAL


@pytest.fixture
def victim(owner, teammate) -> dict[str, Any]:
    """The owner's records, with every kind of object a URL can name."""
    customer = services.customer_create(
        actor=owner,
        values={"name": f"北京{VICTIM_NAME}有限公司"},
        tags=["VIP"],
        points=[{"kind": "phone", "value": "010-6552 9988"}],
        contacts=[
            {
                "values": {"name": "张伟", "wechat": "wx_zhangwei88"},
                "points": [{"kind": "phone", "value": "13800138000"}],
            },
            {"values": {"name": "Emily Chen"}, "points": [{"kind": "email", "value": "Emily@Example.com"}]},
        ],
    )
    services.customer_share(actor=owner, customer=customer, user=teammate)
    contact = customer.contacts.get(name="张伟")
    services.contact_update(actor=owner, contact=contact, values={"title": "总经理"})
    trashed = services.customer_create(actor=owner, values={"name": f"上海{VICTIM_NAME}贸易"})
    services.customer_delete(actor=owner, customer=trashed)
    trashed_contact = customer.contacts.get(name="Emily Chen")
    services.contact_delete(actor=owner, contact=trashed_contact)
    token, _raw = token_create(user=owner, name="victim")
    twin = services.customer_create(actor=owner, values={"name": f"{VICTIM_NAME}（北京）"})
    merged_away = services.customer_create(actor=owner, values={"name": f"{VICTIM_NAME}北京分公司"})
    merge = quality.customers_merge(actor=owner, survivor=twin, others=[merged_away])
    bulk = BulkEdit.objects.create(actor=owner, action="level", value={"value": "b"}, ids=[customer.pk])
    export = ExportJob.objects.create(actor=owner, format="csv", selection={"ids": [customer.pk]})
    imported = ImportJob.objects.create(actor=owner, original_name="victim.csv", file_name="victim.csv",
                                        headers=["客户名称"], mapping=[{"target": "customer.name"}])  # fmt: skip
    activity = activity_services.activity_create(
        actor=owner, customer=customer, contact=contact, values={"kind": "call", "subject": VICTIM_NAME},
        attachments=[SimpleUploadedFile(f"{VICTIM_NAME}.txt", VICTIM_NAME.encode())],
    )  # fmt: skip
    follow_up = follow_up_services.follow_up_create(
        actor=owner, customer=customer, contact=contact, values={"title": VICTIM_NAME, "due_at": timezone.now()}
    )
    notification = Notification.objects.create(user=owner, kind="reminder", follow_up=follow_up)
    view = SavedView.objects.create(owner=owner, entity="customer", name=f"{VICTIM_NAME}视图", filters={"level": ["a"]})
    return {
        "customer": customer.pk,
        "contact": contact.pk,
        "trashed": trashed.pk,
        "trashed_contact": trashed_contact.pk,
        "customer_history": customer.history.earliest("history_date").history_id,
        "contact_history": contact.history.earliest("history_date").history_id,
        "user": teammate.pk,
        "token": token.pk,
        "merge": merge.pk,
        "bulk": bulk.pk,
        "export": export.pk,
        "import": imported.pk,
        "activity": activity.pk,
        "attachment": activity.attachments.get().pk,
        "follow_up": follow_up.pk,
        "notification": notification.pk,
        "saved_view": view.pk,
    }


def _values(pattern: Pattern, victim: dict[str, Any]) -> dict[str, Any] | None:
    """Parameter values pointing at the victim's records (None: the pattern names something this file doesn't know)."""
    name = pattern.name
    if name.startswith(ADMIN_ONLY) or name in NOT_RECORDS:
        return {}  # configuration, not customer data: made-up parameters, refused before any lookup
    for kind in ("merge", "bulk", "export"):
        if kind in name:
            return {param: victim[kind] for param in pattern.params}
    if name.startswith(("transfer:", "api:imports-")):
        return {param: victim["import"] for param in pattern.params}
    if name == "followups:calendar_feed":
        return {"token": "not-the-victims-token"}  # the secret address is the credential: a wrong one is missing
    for prefix, kind in (
        ("activities:attachment", "attachment"), ("activities:", "activity"), ("api:activities-", "activity"),
        ("followups:notification", "notification"), ("api:notifications-", "notification"),
        ("followups:", "follow_up"), ("api:followups-", "follow_up"),
    ):  # fmt: skip
        if name.startswith(prefix) and set(pattern.params) <= {"pk", "attachment_id"}:
            return {param: victim["attachment" if param == "attachment_id" else kind] for param in pattern.params}
    if name.startswith(("customers:view_", "api:saved-views")):
        return {param: victim["saved_view"] for param in pattern.params}
    contact_route = "contact" in name
    trash_route = "trash" in name or name.endswith("-restore")
    values: dict[str, Any] = {}
    for param in pattern.params:
        if param == "contact_pk":
            values[param] = victim["contact"]
        elif param in ("pk", "customer_pk"):
            if contact_route:
                values[param] = victim["trashed_contact" if trash_route else "contact"]
            elif name.startswith(("customers:", "api:customers-")) or param == "customer_pk" or "_timeline" in name:
                values[param] = victim["trashed" if trash_route else "customer"]
            else:
                return None
        elif param == "history_id":
            values[param] = victim["contact_history" if contact_route else "customer_history"]
        elif param == "user_id":
            values[param] = victim["user"]
        elif param == "token_id":
            values[param] = victim["token"]
        else:
            return None
    return values


def _snapshot(victim: dict[str, Any]) -> list[Any]:
    """The victim's records, their contacts, points, shares, tags, history and tokens, as stored."""
    customers = [victim["customer"], victim["trashed"]]
    contacts = Contact.objects.filter(customer__in=customers)
    return [
        list(Customer.objects.filter(pk__in=customers).order_by("pk").values()),
        list(contacts.order_by("pk").values()),
        list(ContactPoint.objects.filter(Q(customer__in=customers) | Q(contact__in=contacts)).order_by("pk").values()),
        list(CustomerShare.objects.filter(customer__in=customers).order_by("pk").values()),
        list(Customer.tags.through.objects.filter(customer__in=customers).order_by("pk").values()),
        list(ApiToken.objects.filter(pk=victim["token"]).values()),
        list(Merge.objects.filter(pk=victim["merge"]).values()),
        list(BulkEdit.objects.filter(pk=victim["bulk"]).values()),
        list(ImportJob.objects.filter(pk=victim["import"]).values()),
        Customer.history.filter(id__in=customers).count(),
        Contact.history.filter(customer_id__in=customers).count(),
        list(Activity.objects.filter(customer__in=customers).order_by("pk").values()),
        list(Attachment.objects.filter(activity__customer__in=customers).order_by("pk").values()),
        list(FollowUp.objects.filter(customer__in=customers).order_by("pk").values()),
        list(Notification.objects.filter(follow_up__customer__in=customers).order_by("pk").values()),
    ]


def _request(client: Client, method: str, path: str, victim: dict[str, Any]) -> Any:
    if path.startswith("/api/"):
        if method == "get":
            return client.get(path)
        body = json.dumps(
            {"name": "改名", "owner": None, "customer": victim["customer"], "ids": [victim["customer"]],
             "history_id": victim["customer_history"], "user": victim["user"], "from_user": 1, "to_user": 1}
        )  # fmt: skip
        return getattr(client, method)(path, body, content_type="application/json")
    if method == "post":
        data = {"name": "改名", "ids": [victim["customer"]], "action": "delete", "user": victim["user"]}
        return client.post(path, data)
    return getattr(client, method)(path)


def test_every_parameter_is_known():
    victim = {key: 1 for key in ("customer", "contact", "trashed", "trashed_contact")}
    victim |= {"customer_history": 1, "contact_history": 1, "user": 1, "token": 1, "merge": 1, "bulk": 1, "export": 1,
               "import": 1}  # fmt: skip
    victim |= {"activity": 1, "attachment": 1, "follow_up": 1, "notification": 1}
    victim |= {"saved_view": 1}
    unknown = [str(p) for p in PATTERNS if p.params and _values(p, victim) is None]
    assert not unknown, f"Teach _values() which records these patterns name: {unknown}"


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PATTERNS, ids=str)
def test_outsider_cannot_reach_anothers_records(client_as, outsider, victim, pattern):
    client = client_as(outsider)
    path = pattern.path(**(_values(pattern, victim) or {}))
    before = _snapshot(victim)
    statuses = set()
    for method in ["get", *UNSAFE]:
        response = _request(client, method, path, victim)
        statuses.add(response.status_code)
        content = response.content.decode(errors="replace")
        assert VICTIM_NAME not in content, f"{method.upper()} {path} shows the victim's customer"
    if pattern.name.startswith(ADMIN_ONLY):
        statuses.discard(200)  # configuration is readable by all (forms need it), writable by admins only
    if pattern.params and pattern.name not in NOT_RECORDS:
        # 405 for a method the view does not take reveals nothing; every other answer must be "missing".
        assert statuses <= {403, 404, 405} and statuses & {403, 404}, f"{path}: {sorted(statuses)}"
    assert _snapshot(victim) == before, f"{path} changed someone else's data"


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", [p for p in PATTERNS if not _personal(p)], ids=str)
def test_viewer_is_refused_every_change(client_as, viewer, victim, pattern):
    client = client_as(viewer)
    path = pattern.path(**(_values(pattern, victim) or {}))
    before = _snapshot(victim)
    for method in UNSAFE:
        response = _request(client, method, path, victim)
        assert response.status_code == 403, f"{method.upper()} {path}: {response.status_code}"
    assert _snapshot(victim) == before


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", PATTERNS, ids=str)
def test_viewer_sees_contact_details_masked_everywhere(client_as, viewer, victim, pattern):
    client = client_as(viewer)
    path = pattern.path(**(_values(pattern, victim) or {}))
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content  # downloads stream
    content = body.decode(errors="replace").lower()
    for secret in SECRETS:
        assert secret not in content, f"GET {path} shows {secret} to a viewer"


@pytest.mark.django_db
def test_the_viewer_does_see_the_teams_customer_masked(client_as, viewer, victim):
    response = client_as(viewer).get(f"/customers/{victim['customer']}/")
    assert response.status_code == 200
    assert "138****8000" in response.content.decode()
    api = client_as(viewer).get(f"/api/v1/contacts/{victim['contact']}/").json()
    assert api["points"][0]["value"] == "138****8000" and api["wechat"] == "w***"
