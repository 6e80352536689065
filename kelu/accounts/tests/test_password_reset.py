import re

from django.core import mail
from django.test import Client, override_settings


@override_settings(SITE_URL="https://crm.example.com")
def test_reset_link_uses_the_site_url_never_the_host_header(owner, db):
    owner.email = "owner@example.com"
    owner.save()
    client = Client(HTTP_HOST="evil.example.net")
    with override_settings(ALLOWED_HOSTS=["evil.example.net", "testserver"]):
        response = client.post("/accounts/password/reset/", {"email": "owner@example.com"})
    assert response.status_code == 302
    body = str(mail.outbox[0].body)
    assert "https://crm.example.com/accounts/password/reset/" in body and "evil.example.net" not in body
    path = _link(body, r"https://crm\.example\.com(\S+)")
    browser = Client()
    form = browser.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    new = "Nouveau-mot-2026"
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Nouveau-mot-2026")


def test_unknown_addresses_get_the_same_answer(db):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert not mail.outbox


def test_weak_new_passwords_are_refused(owner, db):
    owner.email = "owner@example.com"
    owner.save()
    Client().post("/accounts/password/reset/", {"email": "owner@example.com"})
    path = _link(str(mail.outbox[0].body), r"https?://[^/]+(\S+)")
    browser = Client()
    form = browser.get(path, follow=True)
    response = browser.post(form.redirect_chain[-1][0], {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200 and response.context["form"].errors


def _link(body: str, pattern: str) -> str:
    match = re.search(pattern, body)
    assert match, body
    return match.group(1)
