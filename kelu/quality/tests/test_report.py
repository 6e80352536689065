from kelu.customers import services


def test_report_counts_only_what_the_user_sees(client_as, owner, outsider):
    services.customer_create(actor=owner, values={"name": "甲"}, points=[{"kind": "phone", "value": "12345"}])
    services.customer_create(actor=owner, values={"name": "乙"}, points=[{"kind": "email", "value": "not-an-email"}])
    services.customer_create(actor=owner, values={"name": "丙"})
    services.customer_create(actor=outsider, values={"name": "丁"}, points=[{"kind": "phone", "value": "999"}])
    page = client_as(owner).get("/quality/")
    assert page.status_code == 200
    counts = {row.key: row.count for row in page.context["rows"]}
    assert counts["invalid_phone"] == 1 and counts["invalid_email"] == 1
    assert counts["no_points"] == 1 and counts["stale"] == 3 and counts["no_owner"] == 0
    assert 'href="/customers/?invalid=phone"' in page.content.decode()
