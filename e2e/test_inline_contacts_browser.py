"""Contacts and their phones are added, edited and removed inline on the customer page (htmx, no page change)."""

import pytest
from playwright.sync_api import Page, expect

from e2e.test_customers_browser import log_in
from kelu.accounts.services import user_create
from kelu.customers import services
from kelu.customers.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_edit_and_remove_contacts_inline(page: Page, live_server):
    user, password = user_create(username="lilei", role="sales", teams=["华东"])
    customer = services.customer_create(actor=user, values={"name": "杭州云栖科技"})
    log_in(page, live_server.url, user.username, password)
    page.goto(f"{live_server.url}{customer.get_absolute_url()}")
    url = page.url

    page.get_by_test_id("add-contact").click()
    form = page.get_by_test_id("contact-form")
    form.locator("#id_name").fill("王芳")
    form.locator("#id_points-0-value").fill("13912345678")
    form.locator("[data-add-point]").click()
    form.locator("#id_points-2-kind").select_option("email")
    form.locator("#id_points-2-value").fill("Wang.Fang@Example.com")
    form.locator("button[type=submit]").click()
    row = page.get_by_test_id("contact-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("wang.fang@example.com", ignore_case=True)
    assert page.url == url  # no navigation: the card was swapped in place

    row.get_by_test_id("edit-contact").click()
    form = page.get_by_test_id("contact-form")
    form.locator("#id_name").fill("")
    form.locator("button[type=submit]").click()
    expect(form.locator(".invalid-feedback")).to_be_visible()  # the form stays, with its error
    form.locator("#id_name").fill("王芳芳")
    form.locator("[data-point-row]").first.locator("[data-remove-point]").click()
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("contact-row")).to_contain_text("王芳芳")
    contact = Contact.objects.get(customer=customer)
    assert [p.kind for p in contact.points.all()] == ["email"]

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("remove-contact").click()
    expect(page.get_by_test_id("contact-row")).to_have_count(0)
    contact.refresh_from_db()
    assert contact.deleted_at is not None
