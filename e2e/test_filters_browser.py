"""A user filters the customer list in the browser, removes a filter chip and saves the state as a pinned view."""

import re

import pytest
from playwright.sync_api import Page, expect

from kelu.accounts.services import user_create
from kelu.customers import services
from kelu.customers.models import SavedView

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_the_list_and_save_it_as_a_pinned_view(page: Page, live_server):
    user, password = user_create(username="xiaofang", role="sales", teams=["华东"])
    for name, level, tags in (("甲公司", "a", ["VIP"]), ("乙公司", "a", []), ("丙公司", "b", ["VIP"])):
        services.customer_create(actor=user, values={"name": name, "level": level}, tags=tags)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.locator("form:has(#id_username) button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))

    page.goto(f"{live_server.url}/customers/")
    page.get_by_test_id("filter-panel").locator("summary").click()
    page.locator('input[name="level"][value="a"]').check()
    page.get_by_test_id("filter-tag").fill("VIP")
    page.get_by_test_id("apply-filters").click()
    expect(page).to_have_url(re.compile(r"/customers/\?level=a&tag=VIP$"))
    table = page.locator("#results table")
    expect(table).to_contain_text("甲公司")
    expect(table).not_to_contain_text("乙公司")
    expect(table).not_to_contain_text("丙公司")
    expect(page.get_by_test_id("filter-chip")).to_have_count(2)
    expect(page.get_by_test_id("list-count")).to_contain_text("1")

    page.get_by_test_id("filter-chip").filter(has_text="VIP").click()  # remove the tag filter
    expect(table).to_contain_text("乙公司")
    expect(page.get_by_test_id("filter-chip")).to_have_count(1)

    page.get_by_test_id("save-view-toggle").click()
    page.get_by_test_id("view-name").fill("A 级")
    page.get_by_test_id("save-view").click()
    expect(page.get_by_test_id("active-view")).to_contain_text("A 级")
    expect(page.get_by_test_id("pinned-view")).to_contain_text("A 级")
    expect(page.get_by_test_id("view-count")).to_have_text("2")
    view = SavedView.objects.get(owner=user)
    assert view.filters == {"level": ["a"]}

    # The column chooser's links arrive when it opens; showing a column keeps the view's filter.
    page.get_by_test_id("columns-toggle").click()
    page.get_by_test_id("column-chooser").get_by_role("link", name="Industry").click()
    expect(page).to_have_url(re.compile(r"columns=name%2Cphone%2Clevel%2Cstage%2Ccity%2Cowner%2Cupdated%2Cindustry"))
    expect(page.locator("#results thead")).to_contain_text("Industry")
    expect(page.locator("#results table")).not_to_contain_text("丙公司")
