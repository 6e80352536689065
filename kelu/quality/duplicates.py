"""The duplicate finder: probable duplicate customers, found without comparing every pair.

Blocking: customers sharing a valid normalised phone or email are candidates at once; companies are grouped by a
*company key* (the name without legal suffixes, bracketed parts, a leading region and punctuation), and only names in
the same block of similar keys are compared, with rapidfuzz. The company key is Kelu's own because it encodes how
Chinese company names vary (北京鑫淼科技有限公司 / 鑫淼科技（北京）有限责任公司 / Xinmiao Tech Co., Ltd.); rapidfuzz
does the string similarity. Individuals are matched by phone and email only: many people share a name.
"""

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import groupby, islice
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from rapidfuzz import fuzz, process

from kelu.core.text import clean_name
from kelu.customers.models import ContactPoint, Customer
from kelu.customers.normalization import normalize_point
from kelu.quality.models import CompanyKey, CustomerDuplicate, DuplicateScan, Reason

SCORES = {Reason.PHONE: 100, Reason.EMAIL: 95}
SAME_KEY_SCORE = 90
FUZZY_CUTOFF = 88
BLOCK_LIMIT = 3000
CHUNK = 5000  # larger blocks are compared by exact key only (bounded work on common prefixes)

_REGIONS = (  # noqa: SIM905 (a readable block of names)
    "北京 上海 天津 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 "
    "云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 深圳 广州 杭州 南京 苏州 成都 武汉 西安 厦门 青岛 "
    "大连 宁波 无锡 长沙 郑州 济南 合肥 福州 昆明 沈阳 长春 哈尔滨 石家庄 太原 南昌 南宁 贵阳 兰州 东莞 佛山"
).split()
_REGION = "|".join(sorted(_REGIONS, key=len, reverse=True))
_REGION_PREFIX = re.compile(rf"^(?:{_REGION})(?:省|市|自治区)?")
_SUFFIXES = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团公司|集团|分公司|公司|工作室|商行|"
    r"co\.?,?\s*ltd\.?|company\s+limited|limited|ltd\.?|inc\.?|llc|corp\.?|corporation|gmbh|co\.?)$"
)
_BRANCH = re.compile(rf"(?:{_REGION})?(?:省|市)?(?:分公司|办事处|分部|分店)$")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_NOISE = re.compile(r"[\s\W_]+")


def company_key(name: str) -> str:
    """鑫淼科技（北京）有限公司 → 鑫淼科技; Xinmiao Tech Co., Ltd. → xinmiaotech."""
    text = unicodedata.normalize("NFKC", name).lower().strip()
    text = _BRANCH.sub("", _BRACKETS.sub("", text))
    for _round in range(2):  # "…科技股份有限公司" then "…集团"
        text = _SUFFIXES.sub("", text.strip(" .,"))
    text = _REGION_PREFIX.sub("", text)
    return _NOISE.sub("", text)


def _pairs_sharing(kind: str, customer_ids: Iterable[int] | None) -> Iterator[tuple[int, int]]:
    """Pairs of living customers that share a valid normalised phone or email (their own or a contact's)."""
    points = ContactPoint.objects.filter(kind=kind, is_valid=True).exclude(normalized="")
    points = points.annotate(owner_id=Coalesce(F("customer_id"), F("contact__customer_id"))).filter(
        Q(customer__deleted_at__isnull=True, customer__isnull=False)
        | Q(
            contact__customer__deleted_at__isnull=True,
            contact__deleted_at__isnull=True,
            contact__customer__isnull=False,
        )
    )
    if customer_ids is not None:
        ids = list(customer_ids)
        values = points.filter(Q(customer_id__in=ids) | Q(contact__customer_id__in=ids)).values("normalized")
        points = points.filter(normalized__in=values)
    rows = points.order_by("normalized").values_list("normalized", "owner_id").iterator(chunk_size=20000)
    for _value, group in groupby(rows, key=lambda row: row[0]):
        owners = sorted({owner for _v, owner in group})
        for index, left in enumerate(owners):
            for right in owners[
                index + 1 : index + 21
            ]:  # a number shared by hundreds is a switchboard, not a duplicate
                yield left, right


def _company_pairs(customer_ids: Iterable[int] | None) -> Iterator[tuple[int, int, int]]:
    """Pairs of companies with the same company key, or similar keys within a block of keys that start alike.

    A full scan computes every key from the names; an incremental one computes the changed companies' keys and
    finds their partners through the stored keys (an index range per block), without reading a million names.
    """
    companies = Customer.objects.filter(deleted_at__isnull=True, kind=Customer.Kind.COMPANY)
    keys: dict[str, list[int]] = defaultdict(list)
    if customer_ids is None:
        for pk, name in companies.values_list("pk", "name").iterator(chunk_size=20000):
            if len(key := company_key(name)) >= 2:
                keys[key].append(pk)
        targets = set(keys)
        blocks: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            blocks[key[:2]].append(key)
    else:
        ids = list(customer_ids)
        fresh: dict[int, str] = {}
        for start in range(0, len(ids), CHUNK):
            for pk, name in companies.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "name"):
                if len(key := company_key(name)) >= 2:
                    fresh[pk] = key
        targets = set(fresh.values())
        blocks = defaultdict(list)
        for prefix in {key[:2] for key in targets}:
            stored = CompanyKey.objects.filter(key__gte=prefix, key__lt=prefix + "\U0010ffff").exclude(
                customer_id__in=fresh.keys() if len(fresh) < CHUNK else []
            )
            for key, pk in stored.values_list("key", "customer_id")[: BLOCK_LIMIT * 5]:
                keys[key].append(pk)
        for pk, key in fresh.items():
            keys[key].append(pk)
        for key in keys:
            blocks[key[:2]].append(key)
    for key in targets:
        pks = keys[key]
        for index, left in enumerate(pks):
            for right in pks[index + 1 : index + 21]:
                yield min(left, right), max(left, right), SAME_KEY_SCORE
    for block in blocks.values():
        if len(block) < 2 or len(block) > BLOCK_LIMIT:
            continue
        for key in (key for key in block if key in targets):
            for other, score, _index in process.extract(
                key, block, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=10
            ):
                if other == key:
                    continue
                for left in keys[key][:5]:
                    for right in keys[other][:5]:
                        if left != right:
                            yield min(left, right), max(left, right), min(int(score), SAME_KEY_SCORE - 1)


REASON_CODES: dict[str, int] = {Reason.PHONE: 1, Reason.EMAIL: 2, Reason.NAME: 3}
REASONS = {code: reason for reason, code in REASON_CODES.items()}


def find_pairs(customer_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Probable duplicate pairs (all, or those involving ``customer_ids``) with their best reason and score.

    Packed to keep a million-customer scan in memory: key ``left << 32 | right``, value ``score * 10 + reason code``.
    """
    ids = None if customer_ids is None else list(customer_ids)
    found: dict[int, int] = {}

    def keep(left: int, right: int, reason: str, score: int) -> None:
        key, value = left << 32 | right, score * 10 + REASON_CODES[reason]
        if found.get(key, 0) < value:
            found[key] = value

    for kind, reason in (("phone", Reason.PHONE), ("email", Reason.EMAIL)):
        for left, right in _pairs_sharing(kind, ids):
            keep(left, right, reason, SCORES[reason])
    for left, right, score in _company_pairs(ids):
        keep(left, right, Reason.NAME, score)
    return found


def unpack(key: int, value: int) -> tuple[int, int, str, int]:
    return key >> 32, key & 0xFFFFFFFF, REASONS[value % 10], value // 10


def scan(*, full: bool = False) -> DuplicateScan:
    """Find duplicates among everything (``full``) or among customers changed since the last scan."""
    previous = DuplicateScan.objects.filter(finished_at__isnull=False).order_by("-started_at").first()
    run = DuplicateScan.objects.create(started_at=timezone.now(), full=full or previous is None)
    changed: list[int] | None = None
    if not run.full:
        assert previous is not None
        changed = list(Customer.objects.filter(updated_at__gte=previous.started_at).values_list("pk", flat=True))
    pairs = find_pairs(changed) if changed is None or changed else {}
    with transaction.atomic():
        stale = CustomerDuplicate.objects.filter(dismissed_at__isnull=True)
        if changed is None:
            stale.delete()
        else:
            for start in range(0, len(changed), CHUNK):
                chunk = changed[start : start + CHUNK]
                stale.filter(left_id__in=chunk).delete()  # two deletes: an OR of the two would scan the table
                stale.filter(right_id__in=chunk).delete()
        dismissed = {
            left << 32 | right
            for left, right in CustomerDuplicate.objects.filter(dismissed_at__isnull=False).values_list(
                "left_id", "right_id"
            )
        }
        _insert_pairs(unpack(key, value) for key, value in pairs.items() if key not in dismissed)
        _store_keys(changed)
        run.checked = Customer.objects.count() if changed is None else len(changed)
        run.pairs = len(pairs)
        run.finished_at = timezone.now()
        run.save()
    return run


def _insert_pairs(rows: Iterable[tuple[int, int, str, int]]) -> None:
    """Plain ``executemany``: the ORM's bulk_create spends most of a large scan preparing values one by one."""
    table = connection.ops.quote_name(CustomerDuplicate._meta.db_table)
    columns = "(left_id, right_id, reason, score, found_at) VALUES (%s, %s, %s, %s, %s)"
    sql = f"INSERT INTO {table} {columns} ON CONFLICT DO NOTHING"  # our own table name, quoted
    now = timezone.now()
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := [(*row, now) for row in islice(iterator, CHUNK)]:
            cursor.executemany(sql, batch)


def _store_keys(customer_ids: list[int] | None) -> None:
    """Keep the company keys used by the as-you-type check in step with the names (all, or the changed ones)."""
    companies = Customer.objects.filter(deleted_at__isnull=True, kind=Customer.Kind.COMPANY)
    if customer_ids is None:
        CompanyKey.objects.all().delete()
        chunks: Iterable[Any] = [companies]
    else:
        chunks = (customer_ids[start : start + CHUNK] for start in range(0, len(customer_ids), CHUNK))
    for chunk in chunks:
        selected = chunk if customer_ids is None else companies.filter(pk__in=chunk)
        if customer_ids is not None:
            CompanyKey.objects.filter(customer_id__in=chunk).delete()
        rows = (
            CompanyKey(customer_id=pk, key=key)
            for pk, name in selected.values_list("pk", "name").iterator(chunk_size=20000)
            if len(key := company_key(name)) >= 2
        )
        while batch := list(islice(rows, CHUNK)):
            CompanyKey.objects.bulk_create(batch)


def possible_duplicates(
    visible: QuerySet[Customer], *, name: str = "", points: Iterable[tuple[str, str]] = (), exclude: int | None = None
) -> list[tuple[Customer, str]]:
    """Existing customers (among ``visible``) that a new or edited one may duplicate, with the reason.

    Exact lookups on indexed values only, so it can run as the user types.
    """
    # Each lookup goes through an index (normalised value, name, company key) and only then meets the scope.
    candidates: dict[int, str] = {}
    for kind, raw in points:
        value = normalize_point(kind, raw)
        if not value.is_valid or kind not in (Reason.PHONE, Reason.EMAIL):
            continue
        rows = ContactPoint.objects.filter(normalized=value.normalized, kind=kind).values_list(
            "customer_id", "contact__customer_id"
        )
        for own, of_contact in rows[:50]:
            candidates.setdefault(own or of_contact or 0, kind)
    name = clean_name(name)
    if name:
        for pk in Customer.objects.filter(name=name).values_list("pk", flat=True)[:20]:
            candidates.setdefault(pk, Reason.NAME)
        key = company_key(name)
        if len(key) >= 2:
            for pk in CompanyKey.objects.filter(key=key).values_list("customer_id", flat=True)[:20]:
                candidates.setdefault(pk, Reason.NAME)
    candidates.pop(0, None)
    allowed = set(visible.filter(pk__in=list(candidates)).values_list("pk", flat=True))
    found = {pk: reason for pk, reason in candidates.items() if pk in allowed}
    found.pop(exclude or 0, None)
    customers = visible.in_bulk(list(found)[:5])
    return [(customers[pk], reason) for pk, reason in found.items() if pk in customers]
