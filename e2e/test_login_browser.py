"""A user logs in, switches the language, and logs out, in Chromium."""

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from kelu.accounts.models import User
from kelu.accounts.services import user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kelu-test-passw0rd"


def test_log_in_switch_language_and_log_out(page: Page, live_server):
    user_create(username="meimei", role="sales", teams=["华东"], password=PASSWORD, display_name="韩梅梅")
    blocked: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or message.type == "error":
            blocked.append(message.text)

    page.on("console", watch)

    page.goto(f"{live_server.url}/customers/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/customers/$"))
    page.fill("#id_username", "meimei")
    page.fill("#id_password", "wrong password")
    page.locator("form:has(#id_username) button[type=submit]").click()
    expect(page.locator(".alert-danger")).to_be_visible()
    page.fill("#id_password", PASSWORD)
    page.locator("form:has(#id_username) button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/customers/")
    expect(page.get_by_test_id("user-menu")).to_contain_text("韩梅梅")

    page.get_by_test_id("language-switch").locator('button[value="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{live_server.url}/customers/")
    expect(page.get_by_test_id("language-switch").locator('button[value="en"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    assert User.objects.get(username="meimei").language == "en"

    page.get_by_test_id("language-switch").locator('button[value="zh-hans"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert User.objects.get(username="meimei").language == "zh-hans"

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert blocked == []
