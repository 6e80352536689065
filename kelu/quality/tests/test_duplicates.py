import pytest

from kelu.customers import services
from kelu.quality import duplicates
from kelu.quality.models import CustomerDuplicate, Reason
from kelu.quality.selectors import duplicate_groups_visible_to


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("北京鑫淼科技有限公司", "鑫淼科技（北京）有限责任公司"),
        ("上海市华通物流股份有限公司", "华通物流"),
        ("Xinmiao Tech Co., Ltd.", "xinmiao tech"),
        ("深圳市腾达电子有限公司", "腾达电子有限公司深圳分公司"),
    ],
)
def test_company_keys_ignore_suffixes_regions_and_brackets(left, right):
    assert duplicates.company_key(left) == duplicates.company_key(right)


def test_different_companies_keep_different_keys():
    assert duplicates.company_key("北京鑫淼科技有限公司") != duplicates.company_key("北京鑫森科技有限公司")


def _company(actor, name, **extra):
    return services.customer_create(actor=actor, values={"name": name}, **extra)


def test_scan_finds_shared_phone_email_and_similar_names(owner, admin):
    a = _company(owner, "杭州云栖科技有限公司", points=[{"kind": "phone", "value": "0571-8888 6666"}])
    b = _company(owner, "云栖网络", points=[{"kind": "phone", "value": "+86 571 88886666"}])
    c = services.customer_create(
        actor=owner,
        values={"name": "王芳", "kind": "individual"},
        points=[{"kind": "email", "value": "Fang@Example.com"}],
    )
    d = services.customer_create(
        actor=owner,
        values={"name": "王 芳", "kind": "individual"},
        points=[{"kind": "email", "value": "fang@example.com"}],
    )
    e = _company(owner, "杭州云栖科技")
    f = _company(owner, "宁波港务集团")
    g = services.customer_create(actor=owner, values={"name": "李明", "kind": "individual"})
    h = services.customer_create(
        actor=owner, values={"name": "李明", "kind": "individual"}
    )  # namesakes, no shared point
    run = duplicates.scan(full=True)
    pairs = {(p.left_id, p.right_id): p for p in CustomerDuplicate.objects.all()}
    assert pairs[(a.pk, b.pk)].reason == Reason.PHONE
    assert pairs[(c.pk, d.pk)].reason == Reason.EMAIL
    assert pairs[(a.pk, e.pk)].reason == Reason.NAME
    assert not any(f.pk in pair for pair in pairs) and (g.pk, h.pk) not in pairs
    assert run.pairs == len(pairs)
    groups = duplicate_groups_visible_to(admin)
    assert {frozenset(c.pk for c in group.customers) for group in groups} == {
        frozenset({a.pk, b.pk, e.pk}),
        frozenset({c.pk, d.pk}),
    }


def test_incremental_scan_checks_only_what_changed(owner):
    a = _company(owner, "苏州明达精密机械有限公司")
    duplicates.scan(full=True)
    assert not CustomerDuplicate.objects.exists()
    b = _company(owner, "明达精密机械（苏州）")
    run = duplicates.scan()
    assert not run.full and run.checked == 1
    assert CustomerDuplicate.objects.filter(left=a, right=b).exists()


def test_groups_only_show_records_the_user_may_see(owner, outsider):
    mine = _company(owner, "杭州云栖科技有限公司")
    _company(outsider, "云栖科技（杭州）")
    duplicates.scan(full=True)
    assert CustomerDuplicate.objects.count() == 1
    assert duplicate_groups_visible_to(owner) == [] and duplicate_groups_visible_to(outsider) == []
    assert mine.pk


def test_precision_and_recall_on_planted_duplicates(owner):
    """A generated data set with planted variants: the finder must find ≥ 95% of them with ≥ 95% precision."""
    import random

    from faker import Faker

    fake = Faker("zh_CN")
    Faker.seed(7)
    random.seed(7)
    planted: set[frozenset[int]] = set()
    names = list(dict.fromkeys(fake.company() for _ in range(260)))[:200]
    for index, name in enumerate(names):
        phone = f"1390000{index:04d}"
        base = _company(owner, name, points=[{"kind": "phone", "value": phone}])
        if index % 4 == 0:  # variant sharing the phone in another format
            twin = _company(
                owner,
                f"{name}（总部）",
                points=[{"kind": "phone", "value": f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"}],
            )
            planted.add(frozenset({base.pk, twin.pk}))
        elif index % 4 == 1:  # variant with another legal suffix, no shared point
            twin = _company(owner, name.replace("有限公司", "有限责任公司"))
            planted.add(frozenset({base.pk, twin.pk}))
    duplicates.scan(full=True)
    found = {frozenset({p.left_id, p.right_id}) for p in CustomerDuplicate.objects.all()}
    recall = len(found & planted) / len(planted)
    precision = len(found & planted) / len(found)
    print(f"planted={len(planted)} found={len(found)} recall={recall:.3f} precision={precision:.3f}")
    assert recall >= 0.95 and precision >= 0.95


def test_as_you_type_warning_by_phone_email_and_name(client_as, owner, outsider):
    existing = _company(owner, "北京鑫淼科技有限公司", points=[{"kind": "phone", "value": "010-6552 9988"}])
    duplicates.scan(full=True)
    client = client_as(owner)
    by_phone = client.get(
        "/quality/check/", {"name": "新公司", "points-0-kind": "phone", "points-0-value": "+86 10 65529988"}
    )
    assert existing.name in by_phone.content.decode()
    by_name = client.get("/quality/check/", {"name": "鑫淼科技（北京）有限责任公司"})
    assert existing.name in by_name.content.decode()
    itself = client.get("/quality/check/", {"name": existing.name, "exclude": existing.pk})
    assert existing.name not in itself.content.decode()
    assert existing.name not in client_as(outsider).get("/quality/check/", {"name": existing.name}).content.decode()


def test_api_can_refuse_a_probable_duplicate(api_client, owner):
    existing = _company(owner, "北京鑫淼科技有限公司", points=[{"kind": "phone", "value": "010-6552 9988"}])
    api_client.force_authenticate(owner)
    body = {"name": "鑫淼", "points": [{"kind": "phone", "value": "01065529988"}]}
    response = api_client.post("/api/v1/customers/?prevent_duplicates=1", body, format="json")
    assert response.status_code == 409
    assert response.json()["duplicates"] == [{"id": existing.pk, "name": existing.name, "reason": "phone"}]
    assert api_client.post("/api/v1/customers/", body, format="json").status_code == 201
