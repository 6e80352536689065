"""A manager finds a duplicate pair, merges it choosing a value from each side, and undoes the merge."""

import pytest
from playwright.sync_api import Page, expect

from e2e.test_customers_browser import log_in
from kelu.accounts.services import user_create
from kelu.customers import services
from kelu.customers.models import Customer
from kelu.quality import duplicates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_merge_and_undo_a_duplicate(page: Page, live_server):
    manager, password = user_create(username="zhao", role="manager", teams=["华东"])
    a = services.customer_create(
        actor=manager,
        values={"name": "杭州云栖科技有限公司", "level": "a"},
        points=[{"kind": "phone", "value": "0571-88886666"}],
    )
    b = services.customer_create(
        actor=manager,
        values={"name": "云栖科技", "level": "b", "website": "https://yunqi.example.com"},
        points=[{"kind": "phone", "value": "+86 571 8888 6666"}],
        contacts=[{"values": {"name": "李雷"}}],
    )
    duplicates.scan(full=True)
    log_in(page, live_server.url, manager.username, password)

    page.goto(f"{live_server.url}/quality/duplicates/")
    expect(page.get_by_test_id("duplicate-group")).to_have_count(1)
    page.get_by_test_id("merge-group").click()
    form = page.get_by_test_id("merge-form")
    form.locator(f'input[name="survivor"][value="{a.pk}"]').check()
    form.locator(f'input[name="choice_level"][value="{b.pk}"]').check()  # the other side's level
    page.get_by_test_id("merge-confirm").click()
    page.get_by_test_id("survivor").click()
    expect(page.locator("h1")).to_contain_text("杭州云栖科技有限公司")
    expect(page.get_by_test_id("contact-row")).to_contain_text("李雷")
    a.refresh_from_db()
    assert (a.level, a.website) == ("b", "https://yunqi.example.com")  # chosen from b, and filled from b
    assert Customer.objects.get(pk=b.pk).deleted_at is not None

    page.go_back()
    page.get_by_test_id("merge-undo").click()
    expect(page.locator(".alert-secondary")).to_be_visible()
    a.refresh_from_db()
    assert (a.level, a.website) == ("a", "")
    assert Customer.objects.get(pk=b.pk).deleted_at is None
