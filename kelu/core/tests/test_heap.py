"""The web process tunes its garbage collector once started (kelu.core.heap)."""

import os
import subprocess
import sys


def test_the_wsgi_application_sets_its_start_up_heap_aside_and_collects_young_objects_less_often(tmp_path):
    code = "import gc, kelu.wsgi; print(gc.get_freeze_count(), gc.get_threshold()[0])"
    env = {**os.environ, "KELU_DATA_DIR": str(tmp_path)}
    env.pop("KELU_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    frozen, young = map(int, out.strip().splitlines()[-1].split())
    assert frozen > 100_000
    assert young == 50_000


def test_released_records_and_their_prefetched_rows_are_freed_without_the_collector(owner):
    import gc
    import weakref

    from kelu.core.heap import release
    from kelu.customers import services
    from kelu.customers.models import Customer

    made = services.customer_create(actor=owner, values={"name": "甲公司"}, contacts=[{"values": {"name": "乙"}}])
    records = list(Customer.objects.filter(pk=made.pk).prefetch_related("contacts"))
    contact = weakref.ref(records[0].contacts.all()[0])
    gc.disable()
    try:
        release(records)
        del records
        assert contact() is None  # without release, contact and customer point at each other
    finally:
        gc.enable()


def test_an_api_list_page_leaves_little_for_the_collector(owner, client_as):
    import gc

    from kelu.customers import services

    for index in range(20):
        services.customer_create(
            actor=owner, values={"name": f"客户{index}"},
            contacts=[{"values": {"name": f"人{index}-{n}"}, "points": [{"kind": "phone", "value": "13800138000"}]}
                      for n in range(3)],
        )  # fmt: skip
    client = client_as(owner)
    assert client.get("/api/v1/customers/").status_code == 200
    gc.collect()
    gc.disable()
    try:
        assert client.get("/api/v1/customers/").status_code == 200
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert unreachable < 2_000  # 962 measured; 3,897 when the page's records and their contacts stay in cycles
