"""A user manages a customer with two contacts in the browser: create, edit, tag, delete, restore."""

import re

import pytest
from playwright.sync_api import Page, expect

from kelu.accounts.services import user_create
from kelu.customers.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form:has(#id_username) button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_create_edit_tag_delete_and_restore_a_customer_with_two_contacts(page: Page, live_server):
    user, password = user_create(username="meimei", role="sales", teams=["华东"])
    log_in(page, live_server.url, user.username, password)

    page.goto(f"{live_server.url}/customers/")
    page.get_by_test_id("new-customer").click()
    page.fill("#id_name", "苏州 明达 精密机械有限公司")
    page.fill("#id_points-0-value", "0512-6666 8888")
    page.fill("#id_tags", "VIP")
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator("h1")).to_contain_text("苏州明达精密机械有限公司")
    customer = Customer.objects.get(name="苏州明达精密机械有限公司")
    assert (customer.province, customer.city) == ("江苏省", "苏州市")

    contacts = (("周 杰", "+86 139-1234-5678"), ("Emily Chen", "１３８００１３８０００"))
    for count, (name, phone) in enumerate(contacts, 1):
        page.get_by_test_id("add-contact").click()
        page.fill("#id_name", name)
        page.fill("#id_points-0-value", phone)
        page.locator("form button[type=submit].btn-primary").click()
        # The saved card replaces the old one: a click on the old "Add contact" would open a form that is then wiped.
        expect(page.get_by_test_id("contact-row")).to_have_count(count)
    expect(page.get_by_test_id("contact-row")).to_have_count(2)
    expect(page.locator('a[href="tel:+8613912345678"]')).to_be_visible()
    expect(page.locator('a[href="tel:+8613800138000"]')).to_be_visible()

    page.get_by_test_id("edit-customer").click()
    page.fill("#id_tags", "VIP, 重点客户")
    page.select_option("#id_level", "b")
    page.locator("form button[type=submit].btn-primary").click()
    expect(page.locator(".tag", has_text="重点客户")).to_be_visible()
    page.get_by_test_id("history-tab").click()
    expect(page.get_by_test_id("history-entry").first).to_contain_text("重点客户")

    page.get_by_test_id("delete-customer").click()
    expect(page).to_have_url(re.compile(r"/customers/$"))
    page.goto(f"{live_server.url}/trash/")
    page.get_by_test_id("restore").first.click()
    expect(page.locator("h1")).to_contain_text("苏州明达精密机械有限公司")
    expect(page.get_by_test_id("contact-row")).to_have_count(2)
    customer.refresh_from_db()
    assert customer.deleted_at is None
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "重点客户"]
