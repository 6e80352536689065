"""Every query form finds the right record, and nothing the user may not see (run on SQLite and PostgreSQL)."""

import pytest

from kelu.customers import services
from kelu.customers.models import Contact, Customer
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.search import index
from kelu.search.selectors import apply_search, search


@pytest.fixture
def xinmiao(owner):
    return services.customer_create(
        actor=owner,
        values={"name": "北京鑫淼科技有限公司", "city": "北京", "notes": "老客户，喜欢喝普洱茶"},
        tags=["重点客户"],
        points=[{"kind": "phone", "value": "010-6552 9988"}],
        contacts=[
            {
                "values": {"name": "张伟", "title": "销售总监", "wechat": "zw_wechat"},
                "points": [
                    {"kind": "phone", "value": "138 0013 8000"},
                    {"kind": "email", "value": "Zhang.Wei@Xinmiao.cn"},
                ],
            },
            {"values": {"name": "Emily Chen"}, "points": [{"kind": "email", "value": "emily@example.com"}]},
        ],
    )


@pytest.fixture
def secret(outsider):
    """The outsider's customer, with a contact whose name and phone look like the owner's."""
    return services.customer_create(
        actor=outsider,
        values={"name": "上海张伟贸易"},
        contacts=[{"values": {"name": "张伟"}, "points": [{"kind": "phone", "value": "13900008000"}]}],
    )


def names(user, text, **kwargs):
    return [(hit.type, hit.record.name) for hit in search(user, text, **kwargs)]


@pytest.mark.parametrize(
    "text",
    ["张伟", "伟", "张", "zw", "zhangw", "zhangwei", "wei", "8000", "0013 8000", "+86 138-0013-8000", "zhang.wei@",
     "xinmiao.cn", "zw_wechat", "张 销售", "zw 北京", "销售总监"],
)  # fmt: skip
def test_every_query_form_finds_the_contact(xinmiao, secret, owner, text):
    found = names(owner, text)
    assert ("contact", "张伟") in found
    assert all(name != "上海张伟贸易" for _type, name in found)


@pytest.mark.parametrize(
    "text", ["鑫淼", "鑫", "淼科", "北京鑫淼科技有限公司", "xinmiao", "bjxm", "xm", "6552", "重点客户", "普洱"]
)
def test_every_query_form_finds_the_customer(xinmiao, owner, text):
    assert ("customer", "北京鑫淼科技有限公司") in names(owner, text)


def test_outsider_finds_only_their_own(xinmiao, secret, outsider):
    for text in ("张伟", "zw", "8000", "鑫淼", "xinmiao"):
        found = names(outsider, text)
        assert ("customer", "北京鑫淼科技有限公司") not in found
        assert found.count(("contact", "张伟")) <= 1
    assert names(outsider, "鑫淼") == []
    assert ("contact", "张伟") in names(outsider, "13900008000")


def test_admin_finds_both(xinmiao, secret, admin):
    assert names(admin, "张伟").count(("contact", "张伟")) == 2


def test_no_false_friends(xinmiao, owner):
    assert names(owner, "张明") == []  # both characters occur, not next to each other
    assert names(owner, "9999") == []
    assert names(owner, "zx") == []
    assert names(owner, "") == []
    assert names(owner, "   ") == []


def test_ranking_exact_then_prefix_then_substring_then_pinyin_then_notes(owner):
    for name, notes in [("王芳芳", ""), ("小王", ""), ("王芳", ""), ("汪洋", ""), ("李四", "王芳介绍的")]:
        services.customer_create(actor=owner, values={"name": name, "notes": notes})
    assert [n for _t, n in names(owner, "王芳")] == ["王芳", "王芳芳", "李四"]
    assert [n for _t, n in names(owner, "王")][:3] == ["王芳", "王芳芳", "小王"]
    ranked = names(owner, "wang")
    assert {n for _t, n in ranked} >= {"王芳", "王芳芳", "小王", "汪洋"}


def test_highlights_mark_what_matched(xinmiao, owner, viewer):
    hits = {hit.record.name: hit for hit in search(owner, "鑫淼")}
    assert str(hits["北京鑫淼科技有限公司"].highlight) == "北京<mark>鑫淼</mark>科技有限公司"
    hit = next(h for h in search(owner, "zw") if h.type == "contact")
    assert str(hit.highlight) == "<mark>张伟</mark>"
    hit = next(h for h in search(owner, "8000") if h.type == "contact")
    assert str(hit.highlight) == "138 0013 <mark>8000</mark>"
    hit = next(h for h in search(owner, "普洱") if h.type == "customer")
    assert "<mark>普洱</mark>" in str(hit.highlight)


def test_highlight_escapes_html(owner):
    services.customer_create(actor=owner, values={"name": "<b>Acme</b> & Co"})
    hit = search(owner, "acme")[0]
    assert str(hit.highlight) == "&lt;b&gt;<mark>Acme</mark>&lt;/b&gt; &amp; Co"


def test_masked_users_see_no_number_in_highlights(xinmiao, viewer):
    hit = next(h for h in search(viewer, "8000") if h.type == "contact")
    assert "0013" not in str(hit.highlight)


def test_index_follows_edits_deletes_and_restores(xinmiao, owner):
    values = {"name": "杭州鑫淼网络", "city": "杭州"}
    services.customer_update(actor=owner, customer=xinmiao, values=values, version=xinmiao.version)
    assert names(owner, "杭州")[0] == ("customer", "杭州鑫淼网络")
    assert names(owner, "北京鑫淼") == []
    assert ("contact", "张伟") in names(owner, "zw 杭州")  # a contact carries its customer's city
    services.customer_delete(actor=owner, customer=Customer.objects.get(pk=xinmiao.pk))
    assert names(owner, "杭州") == []
    services.customer_restore(actor=owner, customer=Customer.objects.get(pk=xinmiao.pk))
    assert ("customer", "杭州鑫淼网络") in names(owner, "杭州")


def test_index_follows_contact_points_and_tags(xinmiao, owner):
    zhang = Contact.objects.get(name="张伟")
    services.contact_update(
        actor=owner, contact=zhang, values={}, points=[{"kind": "phone", "value": "13712345678"}], version=zhang.version
    )
    assert names(owner, "8000", types=["contact"]) == []
    assert ("contact", "张伟") in names(owner, "12345678")
    # Lists find a customer by its contacts' phones.
    assert apply_search(customers_visible_to(owner), "12345678").get() == xinmiao
    services.customer_update(actor=owner, customer=Customer.objects.get(pk=xinmiao.pk), values={}, tags=["新标签"])
    assert names(owner, "重点客户") == []
    assert ("customer", "北京鑫淼科技有限公司") in names(owner, "新标签")


def test_index_matches_a_rebuild_after_every_write(xinmiao, secret, owner):
    zhang = Contact.objects.get(name="张伟", customer=xinmiao)
    services.contact_delete(actor=owner, contact=zhang)
    before = {text: names(owner, text) for text in ("张伟", "zw", "8000", "鑫淼", "emily")}
    index.rebuild()
    assert {text: names(owner, text) for text in before} == before


def test_apply_search_narrows_a_scoped_list(xinmiao, secret, owner):
    assert list(apply_search(customers_visible_to(owner), "张伟").values_list("name", flat=True)) == [
        "北京鑫淼科技有限公司"
    ]
    assert list(apply_search(contacts_visible_to(owner), "zw").values_list("name", flat=True)) == ["张伟"]
    assert apply_search(customers_visible_to(owner), "").count() == 1


def _stored(entity):
    from django.db import connection

    from kelu.search.engines import table

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT rowid, tsvector_to_array(tokens) FROM {table(entity)}")  # noqa: S608
            return {pk: set(tokens) for pk, tokens in cursor.fetchall()}
        cursor.execute(f"SELECT rowid, tokens FROM {table(entity)}")  # noqa: S608
        return {pk: set(tokens.split()) for pk, tokens in cursor.fetchall()}


def test_demo_data_is_indexed_as_a_rebuild_would(db, admin):
    from kelu.customers import demo

    demo.generate(customers=60, seed=7)
    written = {entity: _stored(entity) for entity in ("customer", "contact")}
    assert len(written["customer"]) == 60 and len(written["contact"]) >= 60
    index.rebuild()
    assert {entity: _stored(entity) for entity in ("customer", "contact")} == written


def test_imported_records_are_found_and_undo_forgets_them(owner):
    from kelu.transfer import services as imports
    from kelu.transfer.tests import files

    csv = "客户名称,联系人,手机\n杭州云栖科技,赵敏,13912348000\n"
    job = files.run(owner, files.upload(owner, "客户.csv", csv.encode()))
    assert job.created == 1
    assert ("customer", "杭州云栖科技") in names(owner, "云栖")
    assert ("contact", "赵敏") in names(owner, "zm")
    assert ("contact", "赵敏") in names(owner, "8000")
    written = {entity: _stored(entity) for entity in ("customer", "contact")}
    index.rebuild()
    assert {entity: _stored(entity) for entity in ("customer", "contact")} == written
    imports.import_undo(actor=owner, job=job, wait=True)
    assert names(owner, "云栖") == [] and names(owner, "zm") == []
    assert _stored("customer") == {} and _stored("contact") == {}


@pytest.mark.parametrize("walk", [0, 12])
@pytest.mark.parametrize("text", ["z", "zh", "zhang", "张", "科技", "13", "1380", "公司"])
def test_pages_of_newest_matches_agree_with_the_plain_order(db, admin, monkeypatch, text, walk):
    """The engine's newest-first pages (PostgreSQL: a walk of the newest ids, then bucket windows, here of 2 ids)
    are exactly the matches in id order, page after page."""
    from django.db import connection

    from kelu.customers import demo
    from kelu.search.engines import PostgresEngine, engine_for
    from kelu.search.tokens import parse_query

    monkeypatch.setattr(PostgresEngine, "BUCKET_BITS", 1)
    monkeypatch.setattr(PostgresEngine, "walk", lambda self, entity, query: walk)  # as if the word were common
    demo.generate(customers=60, seed=11)
    engine, query = engine_for(), parse_query(text)
    for entity in ("customer", "contact"):
        sql, params = engine.ids_sql(entity, query)
        with connection.cursor() as cursor:
            cursor.execute(f"{sql} ORDER BY rowid DESC", params)
            expected = [row[0] for row in cursor.fetchall()]
        pages, below = [], None
        while True:
            page = engine.newest_ids(entity, query, below=below, limit=7)
            pages += page
            if len(page) < 7:
                break
            below = page[-1]
        assert pages == expected


@pytest.mark.parametrize("text", ["张伟", "zw", "8000", "鑫淼", "emily", "张 销售", "上海", "z"])
def test_lists_testing_rows_one_by_one_find_what_the_match_list_finds(xinmiao, secret, owner, monkeypatch, text):
    """A list page of a common word tests each row against the index; it finds exactly what listing the matches
    finds, customers through their contacts included, and nothing outside the user's scope."""
    from kelu.customers.selectors import contacts_matching, customers_matching
    from kelu.search import selectors

    services.customer_create(actor=owner, values={"name": "杭州云栖科技"}, contacts=[{"values": {"name": "张伟"}}])
    for matching in (customers_matching, contacts_matching):
        listed = list(matching(owner, {"q": [text]}, walk_order=True).order_by("pk").values_list("pk", flat=True))
        monkeypatch.setattr(selectors, "COMMON_MATCHES", 0)
        monkeypatch.setattr(selectors, "WALK_HITS", 0)
        walked = list(matching(owner, {"q": [text]}, walk_order=True).order_by("pk").values_list("pk", flat=True))
        monkeypatch.undo()
        assert walked == listed
    assert len(customers_matching(owner, {"q": ["张伟"]}, walk_order=True)) == 2


def test_postgresql_walks_the_newest_rows_only_for_words_analyze_found_common(db, admin):
    from django.db import connection

    from kelu.customers import demo
    from kelu.search import engines
    from kelu.search.tokens import parse_query

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's lexeme statistics")
    demo.generate(customers=200, seed=5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_customer_index")
    engines._lexeme_frequencies.cache_clear()
    engine = engines.PostgresEngine()
    frequencies = engines._lexeme_frequencies("search_customer_index", 0)
    words = [lexeme for lexeme in frequencies if lexeme.isalnum()]  # not the id buckets' or prefixes' lexemes
    common = max(words, key=frequencies.__getitem__)  # a region's 市 or 区: in nearly every customer
    assert frequencies[common] > engine.COMMON
    assert engine.walk("customer", parse_query(common)) == engine.WALK
    assert engine.walk("customer", parse_query("qqqqzzzz")) == 0
