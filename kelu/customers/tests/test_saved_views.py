"""Saved views: personal or shared with a team, pinned with counts, and never wider than the viewer's own scope."""

import pytest
from django.urls import reverse

from kelu.accounts.models import Team
from kelu.customers import services
from kelu.customers.models import SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(owner, teammate, manager):
    for name, actor, level in [("甲", owner, "a"), ("乙", owner, "b"), ("丙", teammate, "a"), ("丁", manager, "a")]:
        services.customer_create(actor=actor, values={"name": f"{name}公司", "level": level})


@pytest.fixture
def shared_view(manager, records):
    """The manager's 'A customers' view, shared with team 华东."""
    team = Team.objects.get(name="华东")
    view = SavedView(entity="customer", name="A 级客户", filters={"level": ["a"]}, sort="name", team=team)
    return services.saved_view_save(actor=manager, view=view)


def test_shared_view_shows_each_user_only_what_they_may_see(owner, teammate, manager, client_as, shared_view):
    page = client_as(owner).get(f"/customers/?view={shared_view.pk}", follow=True).content.decode()
    assert "甲公司" in page and "丙公司" not in page and "丁公司" not in page and "乙公司" not in page
    page = client_as(teammate).get(f"/customers/?view={shared_view.pk}", follow=True).content.decode()
    assert "丙公司" in page and "甲公司" not in page
    page = client_as(manager).get(f"/customers/?view={shared_view.pk}", follow=True).content.decode()
    assert all(name in page for name in ("甲公司", "丙公司", "丁公司")) and "乙公司" not in page


def test_api_view_parameter_runs_in_the_callers_scope(owner, bearer_client, shared_view):
    response = bearer_client(owner).get(f"/api/v1/customers/?view={shared_view.pk}")
    assert [row["name"] for row in response.json()["results"]] == ["甲公司"]
    # Parameters given alongside override the view's.
    response = bearer_client(owner).get(f"/api/v1/customers/?view={shared_view.pk}&level=b")
    assert [row["name"] for row in response.json()["results"]] == ["乙公司"]


def test_outsider_cannot_see_or_change_a_view_of_another_team(outsider, bearer_client, client_as, shared_view):
    api = bearer_client(outsider)
    assert api.get(f"/api/v1/saved-views/{shared_view.pk}/").status_code == 404
    assert api.patch(f"/api/v1/saved-views/{shared_view.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api.delete(f"/api/v1/saved-views/{shared_view.pk}/").status_code == 404
    assert api.get(f"/api/v1/customers/?view={shared_view.pk}").status_code == 400
    assert client_as(outsider).get(f"/customers/?view={shared_view.pk}").status_code == 404
    assert client_as(outsider).post(reverse("customers:view_delete", args=[shared_view.pk])).status_code == 404
    assert SavedView.objects.filter(pk=shared_view.pk).exists()


def test_personal_view_is_its_owners_alone(owner, teammate, bearer_client, records):
    created = bearer_client(owner).post(
        "/api/v1/saved-views/",
        {"entity": "customer", "name": "我的 B", "filters": {"level": ["b"]}, "columns": ["name", "level"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert bearer_client(teammate).get(f"/api/v1/saved-views/{pk}/").status_code == 404
    assert [v["id"] for v in bearer_client(teammate).get("/api/v1/saved-views/").json()["results"]] == []


def test_team_member_may_use_but_not_change_a_shared_view(owner, bearer_client, client_as, shared_view):
    api = bearer_client(owner)
    assert api.get(f"/api/v1/saved-views/{shared_view.pk}/").status_code == 200
    assert api.patch(f"/api/v1/saved-views/{shared_view.pk}/", {"name": "改名"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/saved-views/{shared_view.pk}/").status_code == 403
    client_as(owner).post(reverse("customers:view_update", args=[shared_view.pk]), {"name": "改名"})
    shared_view.refresh_from_db()
    assert shared_view.name == "A 级客户"
    # Pinning is personal and allowed.
    response = api.patch(f"/api/v1/saved-views/{shared_view.pk}/", {"pinned": True}, format="json")
    assert response.status_code == 200 and response.json()["pinned"] is True


def test_owner_renames_shares_and_deletes(manager, bearer_client, shared_view):
    api = bearer_client(manager)
    response = api.patch(f"/api/v1/saved-views/{shared_view.pk}/", {"name": "重点", "team": None}, format="json")
    assert response.status_code == 200 and (response.json()["name"], response.json()["team"]) == ("重点", None)
    assert api.delete(f"/api/v1/saved-views/{shared_view.pk}/").status_code == 204
    assert not SavedView.objects.filter(pk=shared_view.pk).exists()


def test_only_managers_and_admins_share_and_managers_only_with_their_teams(owner, manager, bearer_client, records):
    team = Team.objects.get(name="华东")
    other = Team.objects.create(name="华北")
    body = {"entity": "customer", "name": "共享", "team": team.pk}
    response = bearer_client(owner).post("/api/v1/saved-views/", body, format="json")
    assert response.status_code == 400 and "team" in response.json()["errors"]
    response = bearer_client(manager).post("/api/v1/saved-views/", {**body, "team": other.pk}, format="json")
    assert response.status_code == 400 and "team" in response.json()["errors"]
    assert bearer_client(manager).post("/api/v1/saved-views/", body, format="json").status_code == 201


def test_bad_view_contents_are_refused(owner, bearer_client, records):
    api = bearer_client(owner)
    response = api.post(
        "/api/v1/saved-views/",
        {"entity": "customer", "name": "坏", "filters": {"colour": ["red"]}, "sort": "colour", "columns": ["x"]},
        format="json",
    )
    assert response.status_code == 400
    assert {"filters", "sort", "columns"} <= set(response.json()["errors"])
    assert api.post("/api/v1/saved-views/", {"entity": "customer", "name": "好"}, format="json").status_code == 201
    duplicate = api.post("/api/v1/saved-views/", {"entity": "customer", "name": "好"}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()["errors"]


def test_save_from_the_list_pin_and_count(owner, owner_client, records):
    response = owner_client.post(
        reverse("customers:view_create"),
        {"entity": "customer", "name": "A", "list_query": "level=a&sort=-name&columns=name,level&layout=cards",
         "pinned": "1"},
    )  # fmt: skip
    view = SavedView.objects.get(owner=owner, name="A")
    assert (view.filters, view.sort, view.columns, view.layout) == ({"level": ["a"]}, "-name", ["name", "level"],
                                                                    "cards")  # fmt: skip
    assert response.status_code == 302 and response["Location"] == f"/customers/?view={view.pk}"
    expanded = owner_client.get(response["Location"])
    assert (
        expanded.status_code == 302 and "level=a" in expanded["Location"] and f"view={view.pk}" in expanded["Location"]
    )
    page = owner_client.get(expanded["Location"]).content.decode()
    assert 'data-testid="pinned-view"' in page and 'data-testid="customer-cards"' in page
    badge = owner_client.get(reverse("customers:view_count", args=[view.pk])).content.decode()
    assert ">1<" in badge


def test_viewer_uses_shared_views_but_saves_none(viewer, bearer_client, client_as, shared_view):
    """Read-only roles change nothing but their own account (kelu/core/permissions.py)."""
    api = bearer_client(viewer)
    assert api.post("/api/v1/saved-views/", {"entity": "contact", "name": "看"}, format="json").status_code == 403
    assert api.get(f"/api/v1/customers/?view={shared_view.pk}").status_code == 200
    assert client_as(viewer).post(reverse("customers:view_create"), {"name": "看"}).status_code == 403


def test_view_pages_refuse_the_wrong_method_and_strange_redirects(owner, owner_client, shared_view):
    assert owner_client.get(reverse("customers:view_create")).status_code == 405
    assert owner_client.get(reverse("customers:view_delete", args=[shared_view.pk])).status_code == 405
    assert owner_client.post(reverse("customers:view_count", args=[shared_view.pk])).status_code == 405
    assert owner_client.post(reverse("customers:count")).status_code == 405
    response = owner_client.post(
        reverse("customers:view_pin", args=[shared_view.pk]), {"pinned": "1", "next": "//evil.example/"}
    )
    assert response["Location"] == f"/customers/?view={shared_view.pk}"
    assert shared_view.pinned_by.filter(pk=owner.pk).exists()


def test_sidebar_lists_the_views_each_user_may_use_with_their_own_pins(
    owner, teammate, outsider, manager, make_user, shared_view
):
    from kelu.customers.selectors import saved_views_sidebar, saved_views_visible_to

    mine = services.saved_view_save(actor=owner, view=SavedView(entity="customer", name="Mine"))
    services.saved_view_save(actor=owner, view=SavedView(entity="contact", name="My contacts"))
    south = Team.objects.get(name="华南")
    lead = make_user("southlead", role="manager", teams=["华南"])  # no display name: the username shows
    services.saved_view_save(actor=lead, view=SavedView(entity="customer", name="South", team=south))
    services.saved_view_save(actor=manager, view=SavedView(entity="contact", name="East people", team=shared_view.team))
    shared_view.pinned_by.add(teammate)
    for user in (owner, teammate, outsider, manager, lead):
        for entity in ("customer", "contact"):
            sidebar = saved_views_sidebar(user, entity)
            assert [view.pk for view in sidebar] == list(
                saved_views_visible_to(user, entity).order_by("name", "id").values_list("pk", flat=True)
            )
            assert {view.pk for view in sidebar if view.pinned} == set(
                user.pinned_views.filter(entity=entity).values_list("pk", flat=True)
            )
    shared, own = saved_views_sidebar(owner, "customer")
    assert (shared.name, shared.team, shared.owner, shared.pinned) == ("A 级客户", "华东", "赵经理", False)
    assert shared.url == f"/customers/?view={shared_view.pk}"
    assert (own.pk, own.team, own.owner) == (mine.pk, None, "王小明")
    assert [view.pinned for view in saved_views_sidebar(teammate, "customer")] == [True]
    assert [(view.name, view.owner) for view in saved_views_sidebar(outsider, "customer")] == [("South", "southlead")]
    (east_people,) = saved_views_sidebar(teammate, "contact")
    assert east_people.url.startswith("/contacts/?view=") and east_people.team == "华东"


def test_save_view_menu_is_fetched_when_it_opens(owner, manager, client_as, shared_view):
    page = client_as(manager).get(f"/customers/?view={shared_view.pk}", follow=True).content.decode()
    assert 'data-testid="save-view-form"' not in page
    assert f'hx-get="/views/menu/?level=a&amp;sort=name&amp;view={shared_view.pk}&amp;entity=customer"' in page
    url = f"{reverse('customers:view_menu')}?entity=customer&level=a&sort=name&view={shared_view.pk}&cursor=x"
    menu = client_as(manager).get(url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in menu and 'data-testid="save-view-form"' in menu
    assert 'name="list_query" value="level=a&amp;sort=name"' in menu  # the list as shown, not its page or view
    assert "华东" in menu and 'data-testid="update-view"' in menu and 'data-testid="delete-view"' in menu
    # A team member saves a copy but changes nothing of the manager's view, and shares with no team.
    menu = client_as(owner).get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'data-testid="save-view-form"' in menu and "update-view" not in menu and 'name="team"' not in menu
    assert "<html" in client_as(owner).get(url).content.decode()  # without htmx: a page of its own
    assert client_as(owner).get(reverse("customers:view_menu") + "?entity=invoice").status_code == 404
