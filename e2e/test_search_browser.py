"""Type into the header search box, pick a result with the arrow keys and open it with Enter."""

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.test_customers_browser import log_in
from kelu.accounts.services import user_create
from kelu.customers import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_find_a_contact_by_pinyin_initials_and_open_it_with_the_keyboard(page: Page, live_server):
    user, password = user_create(username="meimei", role="sales", teams=["华东"])
    customer = services.customer_create(
        actor=user,
        values={"name": "北京鑫淼科技有限公司"},
        contacts=[{"values": {"name": "张伟"}, "points": [{"kind": "phone", "value": "13800138000"}]}],
    )
    services.customer_create(actor=user, values={"name": "张伟明工作室"})
    log_in(page, live_server.url, user.username, password)

    page.goto(f"{live_server.url}/customers/")
    page.keyboard.press("/")
    box = page.get_by_test_id("global-search")
    expect(box).to_be_focused()
    box.press_sequentially("zw", delay=50)
    hits = page.get_by_test_id("search-hit")
    expect(hits.first).to_be_visible()
    expect(hits.first).to_contain_text("张伟")
    expect(page.locator("#global-search-results mark").first).to_have_text("张伟")

    box.press("ArrowDown")
    expect(hits.first).to_have_class(re.compile(r"\bactive\b"))
    box.press("Enter")
    contact = customer.contacts.get(name="张伟")
    expect(page).to_have_url(re.compile(rf"/contacts/{contact.pk}/$"))

    # The box also finds a phone by its last digits; Escape closes the list.
    page.keyboard.press("/")
    page.get_by_test_id("global-search").fill("8000")
    expect(page.get_by_test_id("search-hit").first).to_contain_text("张伟")
    page.get_by_test_id("global-search").press("Escape")
    expect(page.locator("#global-search-results")).to_be_hidden()
