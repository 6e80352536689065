"""Demo data: ``kelu demo --customers N`` fills the database with realistic Chinese customers, for trying Kelu out and
for the benchmarks (which need a million of them on SQLite).

This module deliberately bypasses ``services``, for bulk speed: they spend several queries per record (permission
checks, option lookups, one INSERT per row, history entries), which would take hours for a million customers. Here a
batch of customers is one transaction with one multi-row INSERT (``executemany``) per table and no per-row queries.
Primary keys are reserved up front so that contacts, points and tag links can name their parents. (``bulk_create`` was
the first version: it spent about 60 µs per row in Python building SQL, three quarters of the time of a batch.)

What is stored is still exactly what the services would store:

- names are cleaned, with ``name_pinyin``/``name_initials`` (and ``sort_letter`` of contacts) from
  ``normalization.name_fields``/``contact_name_fields``;
- contact points carry ``value``/``normalized``/``is_valid``/``problem`` as ``normalize_point`` returns them. Phone
  numbers (valid mobile prefixes; landlines with their city's area code and length) and emails (lower-case ASCII) are
  generated in a form whose normalised value is known in advance, and a sample of every batch is checked against
  ``normalize_point``: a difference stops the run;
- values go to the database through their field's ``get_db_prep_save``, as ``bulk_create`` does;
- level, stage, source and industry are keys of active choice options; custom values are in the JSON form that
  ``custom_fields.clean_value`` produces; the team is the owner's first team; an individual customer's only contact is
  its primary contact with the same name, holding its points.

No django-simple-history records are written (plain INSERTs send no signals): bulk demo data has no past worth keeping,
and a million "created" entries would double the work. A record's history starts with its first real edit.

Each batch is generated from its own random stream (seeded by ``--seed`` and the batch number), so the same seed gives
the same data whether batches are generated in this process or, for large runs, in a forked helper process that
prepares the next batches while this one writes.
"""

import multiprocessing
import operator
import os
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import NotSupportedError, connection, connections, models, transaction
from django.db.models import Max, Model
from django.utils import timezone
from faker import Faker

from kelu.accounts.models import Role, User
from kelu.core.database import refresh_statistics
from kelu.core.text import pinyin_of
from kelu.customers.models import ChoiceOption, Contact, ContactPoint, Customer, FieldDefinition, Tag
from kelu.customers.normalization import contact_name_fields, name_fields, normalize_point
from kelu.search import index as search_index

BATCH = 5_000  # customers per transaction (and per random stream: changing it changes the data of a seed)
PARALLEL_FROM = 20_000  # below this, forking a helper process costs more than it saves
SPAN = timedelta(days=3 * 365)  # created_at is spread over the last three years

# --- reference data --------------------------------------------------------------------------------------------------

# (province, city, landline area code, districts, weight): province/city spelled as phones.split_region gives them.
REGIONS: tuple[tuple[str, str, str, tuple[str, ...], int], ...] = (
    ("北京市", "北京市", "010", ("朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区", "昌平区", "大兴区"), 9),
    ("上海市", "上海市", "021", ("浦东新区", "徐汇区", "静安区", "黄浦区", "长宁区", "闵行区", "杨浦区", "嘉定区"), 10),
    ("天津市", "天津市", "022", ("和平区", "河西区", "南开区", "河东区", "滨海新区"), 2),
    ("重庆市", "重庆市", "023", ("渝中区", "江北区", "渝北区", "南岸区", "九龙坡区", "沙坪坝区"), 3),
    ("广东省", "广州市", "020", ("天河区", "越秀区", "海珠区", "白云区", "番禺区", "黄埔区"), 7),
    ("广东省", "深圳市", "0755", ("南山区", "福田区", "罗湖区", "宝安区", "龙岗区", "龙华区"), 8),
    ("广东省", "佛山市", "0757", ("禅城区", "南海区", "顺德区"), 2),
    ("浙江省", "杭州市", "0571", ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区", "萧山区"), 6),
    ("浙江省", "宁波市", "0574", ("海曙区", "鄞州区", "江北区", "北仑区"), 2),
    ("浙江省", "温州市", "0577", ("鹿城区", "龙湾区", "瓯海区"), 1),
    ("江苏省", "南京市", "025", ("玄武区", "秦淮区", "建邺区", "鼓楼区", "江宁区", "栖霞区"), 4),
    ("江苏省", "苏州市", "0512", ("姑苏区", "虎丘区", "吴中区", "相城区", "吴江区"), 4),
    ("江苏省", "无锡市", "0510", ("梁溪区", "滨湖区", "新吴区", "锡山区"), 2),
    ("山东省", "济南市", "0531", ("历下区", "市中区", "槐荫区", "历城区"), 2),
    ("山东省", "青岛市", "0532", ("市南区", "市北区", "崂山区", "黄岛区", "城阳区"), 2),
    ("四川省", "成都市", "028", ("锦江区", "青羊区", "武侯区", "成华区", "金牛区", "双流区"), 4),
    ("湖北省", "武汉市", "027", ("江岸区", "江汉区", "武昌区", "洪山区", "汉阳区"), 3),
    ("湖南省", "长沙市", "0731", ("岳麓区", "芙蓉区", "天心区", "开福区", "雨花区"), 2),
    ("河南省", "郑州市", "0371", ("金水区", "中原区", "二七区", "管城回族区"), 2),
    ("福建省", "福州市", "0591", ("鼓楼区", "台江区", "仓山区", "晋安区"), 1),
    ("福建省", "厦门市", "0592", ("思明区", "湖里区", "集美区", "海沧区"), 2),
    ("陕西省", "西安市", "029", ("雁塔区", "碑林区", "莲湖区", "新城区", "未央区"), 2),
    ("辽宁省", "沈阳市", "024", ("和平区", "沈河区", "皇姑区", "铁西区", "浑南区"), 1),
    ("辽宁省", "大连市", "0411", ("中山区", "西岗区", "沙河口区", "甘井子区"), 1),
    ("安徽省", "合肥市", "0551", ("蜀山区", "包河区", "庐阳区", "瑶海区"), 2),
    ("河北省", "石家庄市", "0311", ("长安区", "桥西区", "新华区", "裕华区"), 1),
    ("江西省", "南昌市", "0791", ("东湖区", "西湖区", "青山湖区", "红谷滩区"), 1),
    ("云南省", "昆明市", "0871", ("五华区", "盘龙区", "官渡区", "西山区"), 1),
    ("广西壮族自治区", "南宁市", "0771", ("青秀区", "兴宁区", "西乡塘区", "江南区"), 1),
    ("黑龙江省", "哈尔滨市", "0451", ("南岗区", "道里区", "香坊区", "道外区"), 1),
    ("吉林省", "长春市", "0431", ("朝阳区", "南关区", "宽城区", "绿园区"), 1),
    ("山西省", "太原市", "0351", ("小店区", "迎泽区", "杏花岭区", "万柏林区"), 1),
    ("贵州省", "贵阳市", "0851", ("云岩区", "南明区", "观山湖区", "花溪区"), 1),
    ("海南省", "海口市", "0898", ("龙华区", "美兰区", "秀英区", "琼山区"), 1),
    ("新疆维吾尔自治区", "乌鲁木齐市", "0991", ("天山区", "沙依巴克区", "新市区", "水磨沟区"), 1),
    ("内蒙古自治区", "呼和浩特市", "0471", ("新城区", "回民区", "玉泉区", "赛罕区"), 1),
)
AREAS = {
    "华东": ("上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省"),
    "华南": ("广东省", "广西壮族自治区", "海南省"),
    "华北": ("北京市", "天津市", "河北省", "山西省", "内蒙古自治区"),
    "华中": ("河南省", "湖北省", "湖南省"),
    "西南": ("重庆市", "四川省", "贵州省", "云南省"),
    "西北": ("陕西省", "新疆维吾尔自治区"),
    "东北": ("辽宁省", "吉林省", "黑龙江省"),
}
AREA_OF = {province: area for area, provinces in AREAS.items() for province in provinces}
TAGS: tuple[tuple[str, str], ...] = (
    ("VIP", Tag.Color.RED),
    ("重点客户", Tag.Color.ORANGE),
    ("老客户", Tag.Color.GREEN),
    ("新客户", Tag.Color.BLUE),
    ("展会 2024", Tag.Color.PURPLE),
    ("展会 2025", Tag.Color.PURPLE),
    ("代理商", Tag.Color.BLUE),
    ("价格敏感", Tag.Color.GRAY),
    ("需回访", Tag.Color.ORANGE),
    ("已签约", Tag.Color.GREEN),
    *((area, Tag.Color.TEAL) for area in AREAS),
)
# Keys of the seeded options (migration 0002) with a realistic spread; options added by admins get weight 3.
CHOICE_WEIGHTS: dict[str, dict[str, int]] = {
    "level": {"a": 15, "b": 35, "c": 50},
    "stage": {"lead": 40, "prospect": 30, "customer": 25, "lost": 5},
    "source": {"website": 20, "trade_show": 15, "referral": 25, "cold_call": 15, "advertising": 10, "social_media": 10},
    "industry": {"manufacturing": 20, "it": 15, "wholesale": 12, "retail": 10, "services": 10, "real_estate": 6},
}
INDUSTRY_WORDS = {
    "manufacturing": ("机械", "精密制造", "电子", "五金制品", "塑胶制品", "模具", "新材料", "自动化设备", "包装材料"),
    "it": ("科技", "网络科技", "信息技术", "软件", "数据科技", "智能科技", "云计算"),
    "retail": ("商贸", "百货", "电子商务", "连锁超市", "服饰"),
    "wholesale": ("贸易", "进出口", "供应链", "国际贸易", "商贸"),
    "finance": ("投资管理", "资产管理", "融资租赁", "保险代理"),
    "education": ("教育科技", "职业培训", "文化传播", "教育咨询"),
    "healthcare": ("医疗器械", "生物科技", "医药", "健康管理"),
    "real_estate": ("建筑工程", "置业", "装饰工程", "房地产开发", "物业管理"),
    "logistics": ("物流", "供应链管理", "国际货运代理", "运输"),
    "catering": ("餐饮管理", "酒店管理", "食品"),
    "services": ("企业管理咨询", "广告", "人力资源", "财务咨询", "会展服务"),
}
GENERIC_WORDS = ("实业", "科技", "贸易", "发展", "工贸", "商贸")
LEGAL_FORMS = (
    ("有限公司", 60),
    ("有限责任公司", 15),
    ("股份有限公司", 10),
    ("集团有限公司", 5),
    ("商行", 5),
    ("工作室", 5),
)
BRAND_CHARS = (
    "华鑫恒泰盛源达信瑞安康宏科创联兴隆嘉和德丰海天金美佳新昌博通祥福中荣凯宇辉鼎汇永益远航明正立卓锦润弘东方云智淼峰"
    "晨晟百千万鸿禾致尚诚启拓威星扬宁腾顺"
)
STREETS = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "黄河路", "科技园路", "创业大道", "文化路",
    "新华路", "胜利路", "青年路", "光明路", "工业大道", "滨江大道", "世纪大道", "南京路", "北京路", "东风路",
    "朝阳路", "学府路", "高新路", "迎宾大道",
)  # fmt: skip
TOWERS = ("国际大厦", "中心大厦", "科技大厦", "商务中心", "金融中心", "创新园", "产业园", "广场")
SIZE_WEIGHTS = ((Customer.Size.MICRO, 30), (Customer.Size.SMALL, 35), (Customer.Size.MEDIUM, 20),
                (Customer.Size.LARGE, 10), (Customer.Size.HUGE, 5))  # fmt: skip
TITLES = (
    ("总经理", "总经办"), ("副总经理", "总经办"), ("董事长", "总经办"), ("采购经理", "采购部"),
    ("采购专员", "采购部"), ("财务总监", "财务部"), ("会计", "财务部"), ("技术总监", "技术部"), ("工程师", "技术部"),
    ("市场经理", "市场部"), ("销售经理", "销售部"), ("行政主管", "行政部"), ("人事经理", "人力资源部"),
    ("项目经理", "项目部"), ("法务", "法务部"),
)  # fmt: skip
DECIDING_TITLES = {"总经理", "副总经理", "董事长", "采购经理", "财务总监", "技术总监"}
WESTERN_NAMES = ("Emily Chen", "David Wang", "Kevin Li", "Linda Zhang", "Michael Liu", "Grace Lin", "Tony Huang")
CUSTOMER_NOTES = (
    "年底有采购计划，预算约{n}万元。", "上次报价偏高，等对方反馈。", "对新产品线感兴趣，约了下月演示。",
    "老板亲自决策，周末不方便联系。", "通过{source}认识，需要寄送样品。", "合同续签在谈，注意账期。",
    "竞争对手也在接触，需尽快跟进。", "付款及时，可以推荐给同行。", "要求提供增值税专用发票。",
)  # fmt: skip
CONTACT_NOTES = ("喜欢喝茶。", "工作日下午方便接电话。", "微信回复比电话快。", "决策需报总部审批。", "英文沟通更顺畅。")
DOMAIN_WORDS = ("", "", "", "tech", "group", "china")
DOMAIN_ENDINGS = ("com", "cn", "com.cn", "net")
PERSONAL_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "outlook.com", "aliyun.com", "139.com")
# Cities whose local landline numbers have seven digits, not eight.
SEVEN_DIGIT_AREAS = {"0351", "0471", "0592", "0771", "0991"}
# Every 11-digit number under these prefixes is a valid mainland mobile for phonenumbers (CN metadata: 13x, 145, 147,
# 15[0-35-9], 16[25-7], 17[0-35-8], 18x, 19[0-35-9]); 154, 174 and 194 are left out on purpose.
MOBILE_PREFIXES = (
    *range(130, 140), 145, 147, 150, 151, 152, 153, 155, 156, 157, 158, 159, 166,
    170, 171, 173, 175, 176, 177, 178, *range(180, 190), 191, 193, 195, 196, 198, 199,
)  # fmt: skip

# Custom fields the demo adds when missing: (key, type, label_zh, label_en, show_in_list, is_filterable).
DEMO_FIELDS = (
    ("annual_revenue", FieldDefinition.Type.DECIMAL, "年营业额（万元）", "Annual revenue (10k CNY)", True, False),
    ("contract_expiry", FieldDefinition.Type.DATE, "合同到期日", "Contract expiry", False, True),
    ("key_account", FieldDefinition.Type.BOOLEAN, "重点大客户", "Key account", False, True),
)


# --- plan: everything the generator needs, read from the database once -----------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    name_pinyin: str
    name_initials: str
    sort_letter: str


@dataclass
class Plan:
    total: int
    seed: int
    now: datetime
    choices: dict[str, tuple[list[str], list[int]]]
    owners: list[tuple[int, int | None]]  # (user id, id of the user's first team)
    tag_ids: dict[str, int]
    fields: set[str]  # keys of DEMO_FIELDS that are active with the expected type
    people: list[Person]
    brands: list[tuple[str, str]]  # (brand, its pinyin: for domains)
    search_keys: dict[str, set[str]]  # custom fields whose values are searched


@dataclass
class Batch:
    """One batch as plain values (picklable: it may come from a helper process)."""

    customers: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (customer index, values)
    # (index of the customer or contact, True if the parent is a contact, values)
    points: list[tuple[int, bool, dict[str, Any]]] = field(default_factory=list)
    tags: list[tuple[int, int]] = field(default_factory=list)  # (customer index, tag id)
    # Search documents of the customers and contacts, in their order (composed with the batch, in the helper).
    customer_documents: list[str] = field(default_factory=list)
    contact_documents: list[str] = field(default_factory=list)


@dataclass
class DemoResult:
    customers: int = 0
    contacts: int = 0
    points: int = 0
    tags: int = 0  # customer–tag links
    fields_created: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.customers + self.contacts + self.points + self.tags


def _choice_weights() -> dict[str, tuple[list[str], list[int]]]:
    result: dict[str, tuple[list[str], list[int]]] = {}
    for option_field in CHOICE_WEIGHTS:
        keys = list(
            ChoiceOption.objects.filter(field=option_field, is_active=True).values_list("key", flat=True).order_by("pk")
        )
        result[option_field] = (keys, [CHOICE_WEIGHTS[option_field].get(key, 3) for key in keys])
    return result


def _owners() -> list[tuple[int, int | None]]:
    users = User.objects.filter(is_active=True)
    selling = users.filter(role_id__in=[Role.Key.SALES, Role.Key.MANAGER])
    chosen = list((selling if selling.exists() else users).order_by("pk").prefetch_related("teams"))
    # teams.all() is ordered by Team.Meta.ordering, like the services' ``owner.teams.first()``.
    return [(user.pk, next((team.pk for team in user.teams.all()), None)) for user in chosen]


def _ensure_tags() -> dict[str, int]:
    result: dict[str, int] = {}
    for name, color in TAGS:
        tag = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(name=name, color=color)
        result[name] = tag.pk
    return result


def _ensure_fields() -> tuple[set[str], list[str]]:
    """Add the demo custom fields that are missing; returns the keys to fill and the keys created."""
    usable: set[str] = set()
    created: list[str] = []
    position = FieldDefinition.objects.filter(entity=FieldDefinition.Entity.CUSTOMER).aggregate(m=Max("position"))["m"]
    position = (position or 0) + 1
    for key, type_, label_zh, label_en, in_list, filterable in DEMO_FIELDS:
        existing = FieldDefinition.objects.filter(entity=FieldDefinition.Entity.CUSTOMER, key=key).first()
        if existing is None:
            FieldDefinition.objects.create(
                entity=FieldDefinition.Entity.CUSTOMER, key=key, type=type_, label_zh=label_zh, label_en=label_en,
                show_in_list=in_list, is_filterable=filterable, position=position,
            )  # fmt: skip
            position += 1
            created.append(key)
            usable.add(key)
        elif existing.is_active and existing.type == type_ and not existing.is_unique:
            usable.add(key)
    return usable, created


def _people(rng: random.Random, size: int) -> list[Person]:
    """A pool of person names with their pinyin; names repeat in real life too (张伟)."""
    fake = Faker("zh_CN")
    fake.seed_instance(rng.random())
    names = {fake.name() for _ in range(size)}
    return [Person(**contact_name_fields(name)) for name in sorted(names)]


def _brands(rng: random.Random) -> list[tuple[str, str]]:
    from faker.providers.company.zh_CN import Provider

    chars = list(dict.fromkeys(BRAND_CHARS))
    brands = {a + b for a in chars for b in chars if a != b}
    brands.update(p for p in Provider.company_prefixes if 2 <= len(p) <= 4 and p.isalnum())
    ordered = sorted(brands)
    rng.shuffle(ordered)
    return [(brand, pinyin_of(brand)[0]) for brand in ordered[:3000]]


def make_plan(total: int, seed: int) -> tuple[Plan, list[str]]:
    rng = random.Random(seed)  # noqa: S311 (demo data, reproducible by seed; nothing secret)
    fields, created = _ensure_fields()
    plan = Plan(
        total=total,
        seed=seed,
        now=timezone.now(),
        choices=_choice_weights(),
        owners=_owners(),
        tag_ids=_ensure_tags(),
        fields=fields,
        people=_people(rng, min(30_000, 100 + 2 * total)),
        brands=_brands(rng),
        search_keys=search_index.text_field_keys(),
    )
    return plan, created


# --- generation ------------------------------------------------------------------------------------------------------


def _weighted(rng: random.Random, pairs: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def _mobile(rng: random.Random) -> tuple[str, str]:
    """(as entered, E.164) of a valid mainland mobile number."""
    national = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"
    shape = rng.random()
    if shape < 0.6:
        raw = national
    elif shape < 0.8:
        raw = f"{national[:3]} {national[3:7]} {national[7:]}"
    elif shape < 0.9:
        raw = f"{national[:3]}-{national[3:7]}-{national[7:]}"
    else:
        raw = f"+86 {national[:3]} {national[3:7]} {national[7:]}"
    return raw, "+86" + national


def _landline(rng: random.Random, area_code: str) -> tuple[str, str]:
    """(as entered, E.164) of a valid landline number of the area; sometimes with an extension, which E.164 drops."""
    digits = 7 if area_code in SEVEN_DIGIT_AREAS else 8
    local = f"{rng.randint(2, 7)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
    raw = f"{area_code}-{local}" if rng.random() < 0.6 else f"{area_code}-{local[:-4]} {local[-4:]}"
    if rng.random() < 0.1:
        raw += f" 转 {rng.randint(800, 8999)}"
    return raw, f"+86{area_code[1:]}{local}"


def _point(kind: str, label: str, raw: str, normalized: str, position: int, primary: bool) -> dict[str, Any]:
    """A valid point; ``check_batch`` makes sure ``normalize_point`` agrees with the values given."""
    return {
        "kind": kind,
        "label": label,
        "value": raw,
        "normalized": normalized,
        "is_valid": True,
        "problem": "",
        "is_primary": primary,
        "position": position,
    }


def _email(rng: random.Random, person: Person, domain: str | None) -> str:
    local = person.name_pinyin or "user"
    shape = rng.random()
    if domain:
        local = local if shape < 0.6 or not person.name_initials else person.name_initials
    elif shape < 0.3:
        return f"{rng.randint(10_000, 3_999_999_999)}@qq.com"
    elif shape < 0.7:
        local = f"{local}{rng.randint(1, 9999)}"
    else:
        local = f"{local}_{rng.randint(60, 99) if rng.random() < 0.5 else rng.randint(1970, 2005)}"
    return f"{local}@{domain or rng.choice(PERSONAL_DOMAINS)}"


def _wechat(rng: random.Random, person: Person, mobile: str) -> str:
    """A WeChat ID: generated, chosen, or (as many people do) the mobile number."""
    shape = rng.random()
    if shape < 0.3 and mobile:
        return mobile.removeprefix("+86")
    if shape < 0.6:
        return f"{person.name_pinyin or 'wx'}{rng.randint(1, 9999)}"
    return "wxid_" + "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=14))


def _address(rng: random.Random) -> str:
    address = f"{rng.choice(STREETS)}{rng.randint(1, 1200)}号"
    shape = rng.random()
    if shape < 0.4:
        address += f"{rng.choice(TOWERS)}{rng.randint(2, 32)}层"
    elif shape < 0.7:
        address += f"{rng.randint(1, 12)}栋{rng.randint(1, 30)}{rng.randint(1, 20):02d}室"
    return address


def _company_name(rng: random.Random, brand: str, city: str, industry: str) -> str:
    words = INDUSTRY_WORDS.get(industry, GENERIC_WORDS)
    form = _weighted(rng, LEGAL_FORMS)
    prefix = ""
    if form not in ("商行", "工作室") and rng.random() < 0.7:
        short = city.removesuffix("市")
        municipality = city in ("北京市", "上海市", "天津市", "重庆市")
        prefix = short if municipality or rng.random() < 0.5 else city
    return f"{prefix}{brand}{rng.choice(words)}{form}"


def _choice(rng: random.Random, plan: Plan, option_field: str, blank: float = 0.0) -> str:
    keys, weights = plan.choices[option_field]
    if not keys or rng.random() < blank:
        return ""
    return rng.choices(keys, weights)[0]


def make_batch(plan: Plan, index: int) -> Batch:
    """Batch ``index`` of the plan: customers ``index * BATCH`` up to the next batch, oldest first."""
    rng = random.Random(f"kelu-demo:{plan.seed}:{index}")  # noqa: S311 (demo data, reproducible by seed)
    start = index * BATCH
    count = min(BATCH, plan.total - start)
    batch = Batch()
    span = SPAN.total_seconds()
    tag_names = [name for name, _ in TAGS if name not in AREAS]
    for offset in range(count):
        created = plan.now - SPAN + timedelta(seconds=(start + offset + rng.random()) / plan.total * span)
        age = (plan.now - created).total_seconds()
        updated = created if rng.random() < 0.5 else created + timedelta(seconds=age * rng.random() ** 2)
        province, city, area_code, districts, _weight = rng.choices(REGIONS, [r[4] for r in REGIONS])[0]
        owner_id, team_id = rng.choice(plan.owners) if plan.owners and rng.random() >= 0.1 else (None, None)
        is_company = rng.random() < 0.8
        industry = _choice(rng, plan, "industry", blank=0.05 if is_company else 0.7)
        stage = _choice(rng, plan, "stage", blank=0.05)
        values: dict[str, Any] = {
            "kind": Customer.Kind.COMPANY if is_company else Customer.Kind.INDIVIDUAL,
            "owner_id": owner_id,
            "team_id": team_id,
            "level": _choice(rng, plan, "level", blank=0.1),
            "stage": stage,
            "source": _choice(rng, plan, "source", blank=0.1),
            "industry": industry,
            "province": province,
            "city": city,
            "district": rng.choice(districts),
            "address": _address(rng) if rng.random() < (0.9 if is_company else 0.5) else "",
            "website": "",
            "size": "",
            "notes": "",
            "custom": {},
            "next_follow_up_at": None,
            "created_by_id": owner_id,
            "created_at": created,
            "updated_at": updated,
        }
        if rng.random() < 0.15:
            note = rng.choice(CUSTOMER_NOTES)
            values["notes"] = note.format(n=rng.randint(5, 500), source=rng.choice(("朋友", "展会", "老客户", "网上")))
        if rng.random() < 0.2:
            values["next_follow_up_at"] = plan.now + timedelta(days=rng.uniform(-10, 45))
        custom: dict[str, Any] = values["custom"]
        if "contract_expiry" in plan.fields and (stage == "customer" or rng.random() < 0.05) and rng.random() < 0.7:
            custom["contract_expiry"] = (plan.now.date() + timedelta(days=rng.randint(-90, 720))).isoformat()
        domain = None
        if is_company:
            brand, brand_pinyin = rng.choice(plan.brands)
            values.update(name_fields(_company_name(rng, brand, city, industry)))
            values["size"] = _weighted(rng, SIZE_WEIGHTS) if rng.random() < 0.9 else ""
            if rng.random() < 0.5:
                domain = f"{brand_pinyin}{rng.choice(DOMAIN_WORDS)}.{rng.choice(DOMAIN_ENDINGS)}"
                if rng.random() < 0.7:
                    values["website"] = f"https://www.{domain}"
            if "annual_revenue" in plan.fields and rng.random() < 0.6:
                custom["annual_revenue"] = f"{rng.lognormvariate(6, 1.5):.2f}"
            if "key_account" in plan.fields and rng.random() < 0.4:
                custom["key_account"] = rng.random() < 0.25
        customer_index = len(batch.customers)
        batch.customers.append(values)

        tag_count = _weighted(rng, ((0, 35), (1, 35), (2, 20), (3, 10)))
        chosen = rng.sample(tag_names, tag_count)
        if chosen and rng.random() < 0.3:
            chosen[0] = AREA_OF[province]
        batch.tags.extend((customer_index, plan.tag_ids[name]) for name in chosen)

        if is_company:
            if rng.random() < 0.4:
                raw, normalized = _landline(rng, area_code)
                batch.points.append((customer_index, False, _point("phone", "总机", raw, normalized, 0, True)))
            people = [
                contact_name_fields(rng.choice(WESTERN_NAMES))
                if rng.random() < 0.02
                else rng.choice(plan.people).__dict__
                for _ in range(_weighted(rng, ((1, 45), (2, 35), (3, 20))))
            ]
        else:
            person = rng.choice(plan.people)
            values.update(name=person.name, name_pinyin=person.name_pinyin, name_initials=person.name_initials)
            people = [person.__dict__]
        for number, person_values in enumerate(people):
            person = Person(**person_values)
            contact: dict[str, Any] = {
                **person_values,
                "title": "",
                "department": "",
                "is_decision_maker": False,
                "is_primary": number == 0,
                "birthday": None,
                "wechat": "",
                "notes": "",
                "created_by_id": owner_id,
                "created_at": created,
                "updated_at": updated,
            }
            if is_company:
                title, department = rng.choice(TITLES)
                contact.update(title=title, department=department)
                contact["is_decision_maker"] = title in DECIDING_TITLES and rng.random() < 0.6
            if rng.random() < 0.3:
                contact["birthday"] = date(1960, 1, 1) + timedelta(days=rng.randrange(43 * 365))
            if rng.random() < 0.05:
                contact["notes"] = rng.choice(CONTACT_NOTES)
            contact_index = len(batch.contacts)
            batch.contacts.append((customer_index, contact))
            position = 0
            points = batch.points
            mobile = ""
            if rng.random() < 0.95:
                raw, mobile = _mobile(rng)
                points.append((contact_index, True, _point("phone", "手机", raw, mobile, position, True)))
                position += 1
                if rng.random() < 0.05:
                    raw, normalized = _mobile(rng)
                    points.append((contact_index, True, _point("phone", "手机", raw, normalized, position, False)))
                    position += 1
            if is_company and rng.random() < 0.1:
                raw, normalized = _landline(rng, area_code)
                points.append((contact_index, True, _point("phone", "办公", raw, normalized, position, not mobile)))
                position += 1
            if rng.random() < (0.5 if is_company else 0.25):
                email = _email(rng, person, domain if domain and rng.random() < 0.7 else None)
                label = "工作" if is_company else "个人"
                points.append((contact_index, True, _point("email", label, email, email, position, False)))
            if rng.random() < 0.5:
                contact["wechat"] = _wechat(rng, person, mobile)
    _compose_search_documents(batch, plan)
    return batch


def _compose_search_documents(batch: Batch, plan: Plan) -> None:
    tag_names = {pk: name for name, pk in plan.tag_ids.items()}
    tags: dict[int, list[str]] = defaultdict(list)
    for index, tag_id in batch.tags:
        tags[index].append(tag_names[tag_id])
    contacts: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for index, contact in batch.contacts:
        contacts[index].append((contact["name"], contact["wechat"]))
    points: dict[tuple[bool, int], list[tuple[str, str, str]]] = defaultdict(list)
    for index, of_contact, point in batch.points:
        points[of_contact, index].append((point["kind"], point["value"], point["normalized"]))
    batch.customer_documents = [
        search_index.customer_document(
            values, tags=tags[index], contacts=contacts[index], points=points[False, index],
            text_keys=plan.search_keys["customer"],
        ).text()
        for index, values in enumerate(batch.customers)
    ]  # fmt: skip
    batch.contact_documents = [
        search_index.contact_document(
            contact, tags=(), points=points[True, index], text_keys=plan.search_keys["contact"],
            region=(batch.customers[customer_index]["province"], batch.customers[customer_index]["city"]),
        ).text()
        for index, (customer_index, contact) in enumerate(batch.contacts)
    ]  # fmt: skip


# --- writing ---------------------------------------------------------------------------------------------------------


# Values these fields hand to the database differ from the Python ones (dates as text on SQLite, JSON encoded ...).
_CONVERTED = (models.DateField, models.JSONField, models.DecimalField, models.TimeField, models.DurationField)


class _Table:
    """Plain multi-row INSERTs into a model's table.

    Django's ``bulk_create`` spends about 60 µs per row in Python preparing the SQL (measured: three quarters of the
    time of a batch); an ``executemany`` of one prepared statement spends a few. Values still go through their field's
    ``get_db_prep_save``, as in ``bulk_create``, so the stored values are the same.
    """

    def __init__(self, model: type[Model], *, with_pk: bool) -> None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if with_pk or not f.primary_key]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (quoted names)
        self.copy_sql = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        # Rows are completed with the fields' defaults, read in column order, then the values needing it converted.
        self.defaults = {f.attname: f.get_default() for f in fields}
        self.read = operator.itemgetter(*(f.attname for f in fields))
        self.converters = [(i, f) for i, f in enumerate(fields) if isinstance(f, _CONVERTED)]

    def insert(self, cursor: Any, rows: Sequence[dict[str, Any]], converted: dict[Any, Any]) -> None:
        """``converted`` remembers converted values across tables: contacts and points share their parent's times."""
        if not rows:
            return
        defaults, read = self.defaults, self.read
        params = [list(read({**defaults, **row})) for row in rows]
        for i, model_field in self.converters:
            kind = type(model_field)
            for values in params:
                value = values[i]
                try:
                    values[i] = converted[kind, value]
                except KeyError:
                    values[i] = converted[kind, value] = model_field.get_db_prep_save(value, connection)
                except TypeError:  # unhashable (JSON)
                    values[i] = model_field.get_db_prep_save(value, connection)
        if connection.vendor == "postgresql":
            # COPY: psycopg's executemany still pays a round of Python work per row; COPY streams them.
            with cursor.cursor.copy(self.copy_sql) as copy:
                for values in params:
                    copy.write_row(values)
        else:
            cursor.executemany(self.sql, params)


def _reserve_ids(cursor: Any, model: type[Model], count: int) -> list[int]:
    """Primary keys for ``count`` new rows, so that contacts and points can point at their parents."""
    if not count:
        return []
    table, column = model._meta.db_table, model._meta.pk.column
    if connection.vendor == "sqlite":
        # The transaction holds SQLite's write lock (IMMEDIATE mode), so nobody else can take these ids meanwhile.
        # AUTOINCREMENT never reuses the id of a deleted row (its history keeps it): start above sqlite_sequence too.
        quote = connection.ops.quote_name
        cursor.execute(
            f"SELECT MAX(n) FROM (SELECT seq AS n FROM sqlite_sequence WHERE name = %s "  # noqa: S608 (quoted names)
            f"UNION ALL SELECT MAX({quote(column)}) FROM {quote(table)})",
            [table],
        )
        first = (cursor.fetchone()[0] or 0) + 1
        return list(range(first, first + count))
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return sorted(row[0] for row in cursor.fetchall())
    raise NotSupportedError(f"kelu demo supports SQLite and PostgreSQL, not {connection.vendor}")


@dataclass
class _Tables:
    customers: _Table
    contacts: _Table
    points: _Table
    tags: _Table

    @classmethod
    def build(cls) -> "_Tables":
        return cls(
            customers=_Table(Customer, with_pk=True),
            contacts=_Table(Contact, with_pk=True),
            points=_Table(ContactPoint, with_pk=False),
            tags=_Table(Customer.tags.through, with_pk=False),
        )


def write_batch(batch: Batch, tables: _Tables) -> tuple[int, int, int, int]:
    """Insert one batch in one transaction; returns the numbers of customers, contacts, points and tag links."""
    with transaction.atomic(), connection.cursor() as cursor:
        customer_ids = _reserve_ids(cursor, Customer, len(batch.customers))
        contact_ids = _reserve_ids(cursor, Contact, len(batch.contacts))
        for values, pk in zip(batch.customers, customer_ids, strict=True):
            values["id"] = pk
        contacts = []
        for (index, values), pk in zip(batch.contacts, contact_ids, strict=True):
            customer = batch.customers[index]
            contacts.append(values)
            values.update(id=pk, customer_id=customer["id"], owner_id=None)
        points = []
        for index, of_contact, values in batch.points:
            parent = contacts[index] if of_contact else batch.customers[index]
            points.append(values)
            values.update(
                contact_id=parent["id"] if of_contact else None,
                customer_id=None if of_contact else parent["id"],
                created_at=parent["created_at"],
                updated_at=parent["updated_at"],
            )
        links = [{"customer_id": customer_ids[index], "tag_id": tag_id} for index, tag_id in batch.tags]
        converted: dict[Any, Any] = {}
        tables.customers.insert(cursor, batch.customers, converted)
        tables.contacts.insert(cursor, contacts, converted)
        tables.points.insert(cursor, points, converted)
        tables.tags.insert(cursor, links, converted)
        search_index.store_new(
            customers=list(zip(customer_ids, batch.customer_documents, strict=True)),
            contacts=list(zip(contact_ids, batch.contact_documents, strict=True)),
        )
    return len(batch.customers), len(contacts), len(points), len(links)


def check_batch(batch: Batch, sample: int = 64) -> None:
    """The points were built with their normalised values; make sure ``normalize_point`` agrees, on a sample."""
    step = max(1, len(batch.points) // sample)
    for _index, _of_contact, point in batch.points[::step]:
        real = normalize_point(point["kind"], point["value"])
        stored = (point["value"], point["normalized"], point["is_valid"], point["problem"])
        if stored != (real.value, real.normalized, real.is_valid, real.problem):
            raise RuntimeError(f"demo point {point['value']!r} would be stored as {real!r}, not {stored!r}")


# Set before forking: helper processes read the plan from here instead of receiving it with every job.
_PLAN: Plan | None = None


def _make_batch_job(index: int) -> Batch:
    assert _PLAN is not None
    return make_batch(_PLAN, index)


def _batches(plan: Plan, helpers: int) -> Iterator[Batch]:
    count = (plan.total + BATCH - 1) // BATCH
    if helpers <= 0:
        for index in range(count):
            yield make_batch(plan, index)
        return
    global _PLAN
    _PLAN = plan
    if not connection.in_atomic_block:
        # A forked child must not share the parent's database connections; the parent reconnects on its next query.
        connections.close_all()
    with multiprocessing.get_context("fork").Pool(helpers) as pool:
        pending: deque[Any] = deque()
        next_index = 0
        while next_index < count or pending:
            # A small window: enough to keep the helpers busy, without piling batches up in memory.
            while next_index < count and len(pending) < helpers + 2:
                pending.append(pool.apply_async(_make_batch_job, (next_index,)))
                next_index += 1
            yield pending.popleft().get()
    _PLAN = None


def _helpers(total: int) -> int:
    """Helper processes for generation: worth it for big runs on a machine with a spare core."""
    if total < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return 1


def generate(
    *, customers: int, seed: int | None = None, progress: Callable[[DemoResult], None] | None = None
) -> DemoResult:
    """Create ``customers`` demo customers with contacts, points and tags; returns what was created."""
    if customers < 0:
        raise ValueError("the number of customers cannot be negative")
    started = time.perf_counter()
    seed = random.SystemRandom().randrange(2**32) if seed is None else seed
    plan, created_fields = make_plan(customers, seed)
    result = DemoResult(fields_created=created_fields)
    tables = _Tables.build()
    for batch in _batches(plan, _helpers(customers)):
        check_batch(batch)
        written = write_batch(batch, tables)
        result.customers += written[0]
        result.contacts += written[1]
        result.points += written[2]
        result.tags += written[3]
        result.seconds = time.perf_counter() - started
        if progress:
            progress(result)
    refresh_statistics()
    result.seconds = time.perf_counter() - started
    return result
