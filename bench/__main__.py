"""Benchmark suite: `make bench [BENCH_SIZE=N]`.

Builds a database of N demo customers with `kelu demo` on SQLite (and on PostgreSQL when KELU_BENCH_POSTGRES_URL is
set), then measures server-side latency of the hot pages in-process with Django's test client, and appends the
results to docs/benchmarks.md. Targets are checked here, never in the unit tests.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"


def kelu(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "kelu", "--json", *args], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def build(size: int, env: dict[str, str]) -> dict:
    kelu(env, "init")
    kelu(env, "user", "add", "bench_sales", "--role", "sales", "--team", "bench")
    kelu(env, "user", "add", "bench_manager", "--role", "manager", "--team", "bench")
    started = time.perf_counter()
    result = kelu(env, "demo", "--customers", str(size))
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


@contextlib.contextmanager
def _data_dir(keep: str | None, name: str) -> Iterator[str]:
    if keep:
        path = Path(keep) / name
        path.mkdir(parents=True, exist_ok=True)
        yield str(path)
    else:
        with tempfile.TemporaryDirectory(prefix="kelu-bench-") as data_dir:
            yield data_dir


def _counts(built: dict) -> dict:
    return {key: value for key, value in built.items() if key not in ("wall_seconds", "reused")}


def build_or_reuse(size: int, env: dict[str, str], marker: Path | None) -> dict:
    """Build the database, or reuse the one a kept earlier run built for the same size (migrated to this code)."""
    if marker and marker.exists():
        built = json.loads(marker.read_text())
        if built.get("customers") == size:
            kelu(env, "init")
            return {**built, "reused": True}
    built = build(size, env)
    if marker:
        marker.write_text(json.dumps(built))
    return built


def measure(env: dict[str, str], rounds: int, parts: set[str]) -> list[tuple[str, str, float, float]]:
    """Run in a child process so Django is configured for the benchmark's own database."""
    code = f"""
import json, os, statistics, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"
django.setup()
import kelu.wsgi  # noqa: F401  (start as a web process does: kelu.core.heap)
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from kelu.accounts.models import User

def timed(client, url, rounds):
    client.get(url)  # warm caches
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]

PARTS = {sorted(parts)!r}
results = []
with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
    for username in ("admin", "bench_sales"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        cases = [
            ("minimal JSON view (ceiling, no DB)", "/bench/ping"),
            ("customer list, first page, sorted by name", "/customers/?sort=name"),
            ("customer list, filtered by name prefix", "/customers/?q=zh&sort=-updated"),
            ("customer list, filtered by a rarer word", "/customers/?q=zhangwei&sort=-updated"),
            ("contacts A–Z, filtered by a common surname's pinyin", "/contacts/?q=wang"),
            ("API customers, first page (50)", "/api/v1/customers/"),
            ("contacts A–Z, letter Z", "/contacts/?letter=Z"),
        ]
        cases = cases if "pages" in PARTS else cases[:1]
        if "lists" in PARTS:
            cases += list_cases(User.objects.get(username=username))
        for label, url in cases:
            p50, p95 = timed(client, url, {rounds})
            results.append((username, label, p50, p95))
print(json.dumps(results))
"""
    out = subprocess.run(
        [sys.executable, "-c", LIST_CASES + code], env=env, check=True, capture_output=True, text=True
    ).stdout
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]


# The lists (filter language, keyset pages, capped counts), as each user sees them. A deep page's cursor is built from
# the row that many rows in (found once with OFFSET, outside the timing).
LIST_CASES = """
def list_cases(user):
    from kelu.core.keyset import encode_cursor
    from kelu.customers.selectors import contacts_matching, customers_matching

    def deep(matching, params, order, depth):
        rows = matching(user, params).order_by(*order).values_list(order[0].lstrip("-"), "pk")
        found = rows[depth - 1 : depth]
        if not found:  # fewer rows than that: as deep as the data goes
            depth = max(1, matching(user, params).count() - 50)
            found = rows[depth - 1 : depth]
        return encode_cursor(*found[0]), depth

    cases = []
    for label, query, params, sort, order in [
        ("level A, by name", "level=a", {"level": ["a"]}, "name", ("name_pinyin", "pk")),
        ("tag VIP, not contacted for 30 days, newest change first", "tag=VIP&stale_days=30",
         {"tag": ["VIP"], "stale_days": ["30"]}, "-updated", ("-updated_at", "-pk")),
    ]:
        cursor, depth = deep(customers_matching, params, order, 100_000)
        cases += [
            (f"list first page (50): {label}", f"/customers/?{query}&sort={sort}"),
            (f"list deep page ({depth:,} rows in): {label}", f"/customers/?{query}&sort={sort}&cursor={cursor}"),
            (f"list count (exact to 10,000): {label}", f"/customers/count/?{query}"),
            (f"API list first page (50): {label}", f"/api/v1/customers/?{query}&sort={sort}"),
        ]
    cursor, depth = deep(contacts_matching, {}, ("name_pinyin", "pk"), 100_000)
    cases += [
        ("contacts A–Z, first page (100)", "/contacts/"),
        (f"contacts A–Z, deep page ({depth:,} rows in)", f"/contacts/?cursor={cursor}"),
    ]
    return cases
"""


QUALITY = """
import json, os, resource, statistics, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"
django.setup()
from django.utils import timezone
from kelu.accounts.models import User
from kelu.customers.models import Contact, ContactPoint, Customer
from kelu.customers.selectors import customers_visible_to
from kelu.exports.services import export_create
from kelu.quality import duplicates, services

rows = []
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

t = time.perf_counter(); run = duplicates.scan(full=True)
took = time.perf_counter() - t
rows.append(("duplicate scan, full", f"{took:.1f} s, {run.pairs:,} pairs, peak {peak_mb():.0f} MB", "≤ 10 min, ≤ 2 GB"))
changed = max(100, min(10000, Customer.objects.count() // 100))
ids = list(Customer.objects.order_by("-pk").values_list("pk", flat=True)[:changed])
Customer.objects.filter(pk__in=ids).update(updated_at=timezone.now())
t = time.perf_counter(); duplicates.scan()
took = time.perf_counter() - t
rows.append((f"duplicate scan, incremental after {changed:,} changed", f"{took:.1f} s", "≤ 10 s for 10,000"))
for username in ("admin", "bench_sales"):
    user = User.objects.get(username=username)
    names = list(Customer.objects.values_list("name", flat=True)[1000:1200])
    phones = list(ContactPoint.objects.filter(kind="phone").values_list("value", flat=True)[1000:1200])
    samples = []
    for name, phone in zip(names, phones):
        t = time.perf_counter()
        duplicates.possible_duplicates(customers_visible_to(user), name=name, points=[("phone", phone)])
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p50, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
    rows.append((f"as-you-type duplicate check ({username})", f"p50 {p50:.1f} ms, p95 {p95:.1f} ms", "≤ 50 ms p95"))
admin = User.objects.get(username="admin")
a, b = Customer.objects.filter(deleted_at__isnull=True, kind="company").order_by("pk")[:2]
for customer in (a, b):
    people = [Contact(customer=customer, name=f"联系人{i}", owner=customer.owner) for i in range(1000)]
    Contact.objects.bulk_create(people)
t = time.perf_counter(); merge = services.customers_merge(actor=admin, survivor=a, others=[b])
rows.append(("merge two customers with 1,000 contacts each", f"{time.perf_counter() - t:.2f} s", "≤ 1 s"))
services.merge_undo(actor=admin, merge=merge)
before = peak_mb()
t = time.perf_counter(); job = export_create(actor=admin, format="csv", selection={}, wait=True)
took = time.perf_counter() - t
measured = f"{took:.1f} s, peak {peak_mb():.0f} MB (before {before:.0f} MB)"
rows.append((f"export {job.rows:,} customers to CSV", measured, "≤ 60 s at 1M, flat memory"))
print(json.dumps(rows, ensure_ascii=False))
"""


SEARCH = """
import json, os, random, statistics, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"
django.setup()
import kelu.wsgi  # noqa: F401  (start as a web process does: kelu.core.heap)
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from kelu.accounts.models import User
from kelu.customers.models import Contact, ContactPoint, Customer

ROUNDS = {rounds}
rng = random.Random(20261130)


def sample(model, fields, count, **filters):
    # Random primary keys rather than ORDER BY RANDOM(), which sorts the whole table.
    top = model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rows = []
    while len(rows) < count and top:
        picks = [rng.randint(1, top) for _ in range(count * 4)]
        rows += list(model.objects.filter(pk__in=picks, **filters).values_list(*fields))
    return rows[:count]


def han(text):
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


people = [(han(n), p, i) for n, p, i in sample(Contact, ["name", "name_pinyin", "name_initials"], ROUNDS * 3)]
people = [row for row in people if len(row[0]) >= 2][:ROUNDS]
companies = [han(n) for (n,) in sample(Customer, ["name"], ROUNDS * 2, kind="company")]
companies = [name for name in companies if len(name) >= 6][:ROUNDS]
phones = sample(ContactPoint, ["normalized"], ROUNDS, kind="phone")
phones = ["".join(ch for ch in v if ch.isdigit()) for (v,) in phones]
emails = [v.split("@")[0] for (v,) in sample(ContactPoint, ["normalized"], ROUNDS, kind="email")]


def slice_of(text, size):
    start = rng.randint(0, len(text) - size)
    return text[start:start + size]


cases = {{
    "1 Chinese character": [rng.choice(name) for name, _p, _i in people],
    "2 Chinese characters": [name[:2] for name, _p, _i in people],
    "3+ Chinese characters (from a company name)": [slice_of(name, rng.randint(3, 4)) for name in companies],
    "pinyin initials": [initials for _n, _p, initials in people],
    "full pinyin": [pinyin for _n, pinyin, _i in people],
    "phone, last 4 digits": [digits[-4:] for digits in phones],
    "phone, 8 digits": [digits[-10:-2] for digits in phones],
    "email fragment": [local[:6] for local in emails],
}}


def timed(fn, queries):
    fn(queries[0])
    samples = []
    for query in queries:
        t = time.perf_counter()
        fn(query)
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


# The ceilings to beat: an unindexed LIKE stopping at 20 rows like the search does, over the names and their pinyin
# (a narrow ceiling, and the one of the earlier runs), and over the same text the search index covers (the records'
# names, pinyin and initials, places, addresses, titles, WeChat IDs, notes and custom fields, their phones and emails,
# and the tags).
NAMES = {{"customers_customer": ["name", "name_pinyin"], "customers_contact": ["name", "name_pinyin"]}}
ALL_TEXT = {{
    "customers_customer": ["name", "name_pinyin", "name_initials", "province", "city", "district", "address", "notes",
                           "CAST(custom AS TEXT)"],
    "customers_contact": ["name", "name_pinyin", "name_initials", "title", "department", "wechat", "notes",
                          "CAST(custom AS TEXT)"],
    "customers_contactpoint": ["value"],
    "customers_tag": ["name"],
}}


def like_scan(columns):
    def scan(query):
        pattern = f"%{{query}}%"
        with connection.cursor() as cursor:
            for table, names in columns.items():
                where = " OR ".join(f"{{name}} LIKE %s" for name in names)
                cursor.execute(f"SELECT id FROM {{table}} WHERE {{where}} LIMIT 20", [pattern] * len(names))
                cursor.fetchall()
    return scan

results = []
with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
    for username in ("admin", "bench_sales"):
        client = Client()
        client.force_login(User.objects.get(username=username))

        def api(query):
            response = client.get("/api/v1/search/", {{"q": query, "limit": 20}})
            assert response.status_code == 200, (query, response.status_code)

        for label, queries in cases.items():
            p50, p95 = timed(api, queries)
            results.append((username, label, p50, p95, queries[:3]))
for label in ("3+ Chinese characters (from a company name)", "full pinyin"):
    for ceiling, columns in (("names and pinyin", NAMES), ("all the indexed text", ALL_TEXT)):
        p50, p95 = timed(like_scan(columns), cases[label])
        results.append(("(SQL)", f"LIKE '%q%' over {{ceiling}}, {{label}}", p50, p95, cases[label][:3]))
print(json.dumps(results, ensure_ascii=False))
"""


# PostgreSQL: the search tables first, then the records they are looked up in (pg_prewarm, a contrib extension).
PREWARM = """
CREATE EXTENSION IF NOT EXISTS pg_prewarm;
SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
WHERE c.relname LIKE 'search\\_%' OR c.relname LIKE 'customers\\_customer%' OR c.relname LIKE 'customers\\_contact%';
"""


# The start of a child process that talks to the benchmark's database through Django.
WITH_CURSOR = (
    "import os, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'kelu.settings'; django.setup()\n"
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
)


def postgres_settings(env: dict[str, str]) -> str:
    code = WITH_CURSOR + (
        "    c.execute('SELECT version()'); print(c.fetchone()[0].split(' on ')[0], end='')\n"
        "    for name in ('shared_buffers', 'work_mem'):\n"
        "        c.execute(f'SHOW {name}'); print(f', {name} = {c.fetchone()[0]}', end='')\n"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout


def warm_page_cache(env: dict[str, str]) -> None:
    """Read the database once, as a server that has been running for a while has it in memory."""
    if env.get("KELU_DATABASE_URL"):
        code = WITH_CURSOR + f"    c.execute({PREWARM!r})\n"
        warmed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
        if warmed.returncode:
            print(f"PostgreSQL not prewarmed (pg_prewarm needs a superuser): {warmed.stderr[-300:]}", file=sys.stderr)
        return
    for path in Path(env["KELU_DATA_DIR"]).glob("*.sqlite3*"):
        with path.open("rb") as f:
            while f.read(16 << 20):
                pass


def measure_search(env: dict[str, str], rounds: int) -> list[tuple[str, str, float, float, list[str]]]:
    """Search latency per kind of query through the API, and the LIKE-scan ceiling (in a child process).

    Each sample is a different query, so the database is read through once first: a server that has been running
    for a while has it in the page cache (SQLite) or in its shared buffers (PostgreSQL).
    """
    warm_page_cache(env)
    code = SEARCH.format(rounds=rounds)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]


def search_table(rows: list[tuple[str, str, float, float, list[str]]]) -> list[str]:
    """The search rows, each with its ratios to the LIKE scans where the issue sets one (3+ characters, pinyin)."""
    ceilings: dict[str, dict[str, float]] = {}
    for user, label, p50, _p95, _queries in rows:
        if user == "(SQL)":
            ceiling, case = label.removeprefix("LIKE '%q%' over ").split(", ", 1)
            ceilings.setdefault(ceiling, {})[case] = p50
    for by_case in ceilings.values():
        by_case["pinyin initials"] = by_case.get("full pinyin", 0.0)
    lines = ["\n| user | search (API, top 20) | p50 ms | p95 ms | LIKE over names ÷ search (p50) "
             "| LIKE over all the indexed text ÷ search (p50) | sample queries |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for user, label, p50, p95, queries in rows:
        ratios = [
            f"{ceilings[ceiling][label] / p50:.0f}×" if user != "(SQL)" and label in ceilings.get(ceiling, {}) and p50
            else ""
            for ceiling in ("names and pinyin", "all the indexed text")
        ]  # fmt: skip
        lines.append(f"| {user} | {label} | {p50:.1f} | {p95:.1f} | {' | '.join(ratios)} | {' · '.join(queries)} |")
    return lines


def measure_quality(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """Duplicate finder, as-you-type check, merge and export on the benchmark database (in a child process)."""
    out = subprocess.run([sys.executable, "-c", QUALITY], env=env, check=True, capture_output=True, text=True).stdout
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]


IMPORT_CSV = """
import csv, os, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"
django.setup()
from kelu.customers import demo
from kelu.customers.models import ChoiceOption

size, path = int(sys.argv[1]), sys.argv[2]
labels = {(o.field, o.key): o.label_zh for o in ChoiceOption.objects.all()}
plan, _created = demo.make_plan(size, 20261130)
with open(path, "w", encoding="utf-8-sig", newline="") as handle:
    out = csv.writer(handle)
    out.writerow(["客户名称", "联系人", "手机", "邮箱", "客户等级", "来源", "行业", "省份", "城市", "地址"])
    for index in range((size + demo.BATCH - 1) // demo.BATCH):
        batch = demo.make_batch(plan, index)
        contact = {}
        points = {}
        for number, (customer, values) in enumerate(batch.contacts):
            contact.setdefault(customer, (number, values["name"]))
        for parent, of_contact, values in batch.points:
            points.setdefault((of_contact, parent, values["kind"]), values["value"])
        for number, customer in enumerate(batch.customers):
            person = contact.get(number)
            company = customer["kind"] == "company"
            phone = points.get((True, person[0], "phone")) if person else None
            email = points.get((True, person[0], "email")) if person else None
            out.writerow([
                customer["name"] if company else "", person[1] if person else "",
                phone or points.get((False, number, "phone"), ""), email or "",
                labels.get(("level", customer["level"]), ""), labels.get(("source", customer["source"]), ""),
                labels.get(("industry", customer["industry"]), ""), customer["province"], customer["city"],
                customer["address"],
            ])
"""

IMPORT = """
import json, os, resource, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"
django.setup()
from kelu import cli

path = sys.argv[1]
started = time.perf_counter()
cli.main(["--json", "import", path])
took = time.perf_counter() - started
own, helpers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": took, "peak_mb": own.ru_maxrss / 1024, "helper_peak_mb": helpers.ru_maxrss / 1024,
                  "cpu": own.ru_utime + own.ru_stime, "helper_cpu": helpers.ru_utime + helpers.ru_stime}))
"""

RAW_INSERT = """
import json, os, sys, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"
django.setup()
from itertools import islice
from pathlib import Path
from kelu.accounts.models import User
from kelu.transfer import reading, mapping, preparing, writing
from kelu.transfer.models import ImportJob
from kelu.customers.demo import write_batch

path = Path(sys.argv[1])
actor = User.objects.get(username="admin")
layout = reading.detect_layout(path, path.name)
headers = reading.read_headers(path, layout)
plan = preparing.build_plan(actor, headers, mapping.suggest(headers))
context = writing.Context(ImportJob(actor=actor, on_duplicate="create"), actor)
rows = (preparing.prepare(plan, row, cells) for row, cells in reading.data_rows(path, layout, len(headers)))
inserting = 0.0
count = 0
while chunk := list(islice(rows, 2000)):
    batch, _companies = writing.build_batch(context, chunk)  # already normalised: not timed
    started = time.perf_counter()
    write_batch(batch, context.tables)
    inserting += time.perf_counter() - started
    count += len(chunk)
print(json.dumps({"seconds": inserting, "rows": count}))
"""


def _child(code: str, env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure_import(size: int) -> list[str]:
    """A realistic Chinese CSV of ``size`` rows and 10 columns imported end to end with `kelu import` on SQLite, and
    a raw executemany of the same rows, already normalised, into the same tables (each in a fresh database)."""
    with tempfile.TemporaryDirectory(prefix="kelu-bench-import-") as work:
        csv_path = str(Path(work) / "customers.csv")
        envs = []
        for name in ("source", "import", "raw"):
            data_dir = Path(work) / name
            env = {**os.environ, "KELU_DATA_DIR": str(data_dir), "KELU_TESTING": "0"}
            env.pop("KELU_DATABASE_URL", None)
            kelu(env, "init")
            envs.append(env)
        subprocess.run([sys.executable, "-c", IMPORT_CSV, str(size), csv_path], env=envs[0], check=True)
        megabytes = Path(csv_path).stat().st_size / 1024 / 1024
        load = os.getloadavg()[0]
        imported = _child(IMPORT, envs[1], csv_path)
        raw = _child(RAW_INSERT, envs[2], csv_path)
    ratio = raw["seconds"] / imported["seconds"]
    return [
        f"\n### Import, SQLite — {size:,} rows, 10 columns ({megabytes:.0f} MB CSV)\n",
        "| measured | value | target |\n| --- | --- | --- |",
        f"| `kelu import` end to end | {imported['seconds']:.1f} s ({size / imported['seconds']:,.0f} rows/s) "
        f"| ≤ 3 min at 1M |",
        f"| CPU time: reading and writing / preparing (helper process) | {imported['cpu']:.1f} s / "
        f"{imported['helper_cpu']:.1f} s | |",
        f"| load average when it started (other work on the machine) | {load:.1f} | |",
        f"| peak memory | {imported['peak_mb']:.0f} MB (helper process {imported['helper_peak_mb']:.0f} MB) | ≤ 1 GB |",
        f"| raw executemany of the same rows, already normalised | {raw['seconds']:.1f} s "
        f"({raw['rows'] / raw['seconds']:,.0f} rows/s) | |",
        f"| ratio (raw time / import time) | {ratio:.0%} | ≥ 20% |",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--only",
        action="append",
        choices=["pages", "lists", "search", "quality", "import"],
        help="measure only these (repeatable; default: everything)",
    )
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build the databases under DIR and keep them: a later run with the same DIR and size measures again "
        "(after migrating) without rebuilding",
    )
    args = parser.parse_args()
    parts = set(args.only or ["pages", "lists", "search", "quality", "import"])
    targets = [("SQLite", None)]
    if os.environ.get("KELU_BENCH_POSTGRES_URL"):
        targets.append(("PostgreSQL", os.environ["KELU_BENCH_POSTGRES_URL"]))
    postgres = "KELU_BENCH_POSTGRES_URL=… " if os.environ.get("KELU_BENCH_POSTGRES_URL") else ""
    command = f"{postgres}make bench BENCH_SIZE={args.size}"
    if args.only or args.keep:
        options = "".join(f" --only {part}" for part in args.only or []) + (f" --keep {args.keep}" if args.keep else "")
        command = f"make setup && {postgres}.venv/bin/python -m bench --size {args.size}{options}"
    lines = [
        f"\n## {datetime.datetime.now():%Y-%m-%d %H:%M} — {args.size:,} customers",
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Command: `{command}`. Latency is server-side (Django test client, in-process), "
        f"{args.rounds} rounds after one warm-up. Load average when it started: {os.getloadavg()[0]:.1f} "
        "(other work on the machine slows every figure).\n",
    ]
    if not parts & {"pages", "lists", "search", "quality"}:
        targets = []  # the import measures build their own files and databases
    for name, url in targets:
        with _data_dir(args.keep, name) as data_dir:
            env = {**os.environ, "KELU_DATA_DIR": data_dir, "KELU_TESTING": "0"}
            env.pop("KELU_DATABASE_URL", None)
            if url:
                env["KELU_DATABASE_URL"] = url
            built = build_or_reuse(args.size, env, Path(data_dir) / "bench-built.json" if args.keep else None)
            rows = measure(env, args.rounds, parts) if parts & {"pages", "lists"} else []
            searched = measure_search(env, args.rounds) if "search" in parts else []
            quality = measure_quality(env) if "quality" in parts else []
        lines.append(f"\n### {name}\n")
        if url:
            lines.append(f"Server: {postgres_settings(env)}.\n")
        lines.append(
            f"`kelu demo --customers {args.size}`: {built.get('wall_seconds')} s"
            f"{' (an earlier build, reused)' if built.get('reused') else ''} "
            f"({json.dumps(_counts(built), ensure_ascii=False)})\n"
        )
        if rows:
            lines.append("| user | request | p50 ms | p95 ms |\n| --- | --- | ---: | ---: |")
            lines += [f"| {user} | {label} | {p50:.1f} | {p95:.1f} |" for user, label, p50, p95 in rows]
        if searched:
            lines += search_table(searched)
        if quality:
            lines.append("\n| data quality and export | measured | target |\n| --- | --- | --- |")
            lines += [f"| {label} | {value} | {target} |" for label, value, target in quality]
    if "import" in parts:
        lines += measure_import(args.size)
    text = "\n".join(lines) + "\n"
    REPORT.parent.mkdir(exist_ok=True)
    if not REPORT.exists():
        REPORT.write_text("# Benchmarks\n\nAppended by `make bench`; newest last. See bench/__main__.py.\n")
    with REPORT.open("a") as f:
        f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
