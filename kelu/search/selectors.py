"""Reads of the search index, always joined to a queryset the caller already scoped to the acting user.

``apply_search`` narrows a list (customers or contacts) to the records matching a query; the lists, the API, bulk
edits and exports all go through it. ``search`` answers the search box: the best few customers and contacts, ranked
exact name > name prefix > name substring > pinyin > other fields > notes only, with the matched text highlighted.

Ranking is bounded work: the index yields at most ``CANDIDATES`` matches per type (newest first), names that start
with the query come from the name index, and only those are ranked, so a query matching half the database costs
what a rare one does.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection
from django.db.models import BooleanField, Model, OuterRef, Q, QuerySet, Subquery, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kelu.accounts.models import User
from kelu.core.masking import shown_value
from kelu.core.permissions import may_see_full_contacts
from kelu.core.text import pinyin_syllables
from kelu.customers.models import Contact, Customer
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.search.engines import engine_for
from kelu.search.models import ContactDocument, CustomerDocument
from kelu.search.tokens import Query, fold, is_cjk, parse_query

RecordT = TypeVar("RecordT", bound=Model)
CANDIDATES = 100
# Index matches looked up at a time: a first page small enough to be cheap for a word half the records hold, then
# larger ones for a user who sees few of a word's matches.
PAGES = (100, 1_000, 5_000, 5_000)
# A list page of a word with more matches than COMMON_MATCHES tests the rows it walks, when at least WALK_HITS of
# the first WALK_SAMPLE rows in its order match: a page of 100 then walks about 15,000 rows, each about as dear as
# a match listed and sorted (apply_search).
COMMON_MATCHES = 5_000
WALK_SAMPLE, WALK_HITS = 300, 2
EXACT, PREFIX, SUBSTRING, PINYIN, OTHER, NOTES = range(6)


def _entity(model: type[Model]) -> str:
    return "contact" if issubclass(model, Contact) else "customer"


def matching(qs: QuerySet[RecordT], query: Query) -> QuerySet[RecordT]:
    """The records of ``qs`` matching ``query``."""
    sql, params = engine_for().ids_sql(_entity(qs.model), query)
    return qs.filter(pk__in=RawSQL(sql, params))  # noqa: S611  (values are parameters)


def apply_search(
    qs: QuerySet[RecordT], text: str, *, walk_order: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
) -> QuerySet[RecordT]:
    """Narrow a scoped customer or contact queryset to the records matching a free-text query; customers also
    match through their living contacts (a contact's phone finds its company).

    ``walk_order``: the query serves a page in this order (a function ordering a queryset). For a word that many
    records hold, and many of the first rows in that order, each row the page walks is then tested against the
    index by id (a page of 50 tests about 50 / share of rows) instead of listing and sorting every match (a word
    in half the records: half a million ids at a million customers).
    """
    query = parse_query(text or "")
    if not query:
        return qs
    engine = engine_for()
    if walk_order:
        return _page_ready(qs, query, walk_order)
    sql, params = engine.ids_sql(_entity(qs.model), query)
    if issubclass(qs.model, Customer):
        contact_sql, contact_params = engine.ids_sql("contact", query)
        # One id list, so the database looks the customers up from it rather than testing each against two.
        sql = (
            f"{sql} UNION SELECT customer_id FROM {Contact._meta.db_table} "  # noqa: S608
            f"WHERE customer_id IS NOT NULL AND deleted_at IS NULL AND id IN ({contact_sql})"
        )
        params = [*params, *contact_params]
    return qs.filter(pk__in=RawSQL(sql, params))  # noqa: S611  (values are parameters)


def _page_ready(
    qs: QuerySet[RecordT], query: Query, walk_order: Callable[[QuerySet[Any]], QuerySet[Any]]
) -> QuerySet[RecordT]:
    """A word many records hold, and many of the first rows the page walks: each row walked is tested by id.
    Otherwise (a rarer word, or one whose matches sit far down the order, like "wang" in contacts by name) the
    matching ids themselves, as one list, so the planner knows how few they are (PostgreSQL guesses thousands for
    any prefix, and then reads the whole table to join them)."""
    engine = engine_for()
    entities = ("customer", "contact") if issubclass(qs.model, Customer) else ("contact",)
    if any(engine.count_capped(entity, query, COMMON_MATCHES) > COMMON_MATCHES for entity in entities):
        first_rows = walk_order(qs).values("pk")[:WALK_SAMPLE]
        if _tested_row_by_row(qs.model._default_manager.filter(pk__in=first_rows), query).count() >= WALK_HITS:
            return _tested_row_by_row(qs, query)

    def matches(entity: str) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(*engine.ids_sql(entity, query))
            return [row[0] for row in cursor.fetchall()]

    ids = set(matches(_entity(qs.model)))
    # The contacts' matches as a list too: joined in SQL (apply_search's UNION), PostgreSQL guesses a prefix's
    # matches in thousands and scans the contacts to join them (a rare word's list page 40 -> 170+ ms at 1M).
    if issubclass(qs.model, Customer):
        contacts = Contact.objects.filter(customer__isnull=False, deleted_at__isnull=True)
        of_contacts = RawSQL(*engine.id_list_sql(matches("contact")))  # noqa: S611  (values are parameters)
        ids |= set(contacts.filter(pk__in=of_contacts).values_list("customer_id", flat=True))
    return qs.filter(pk__in=RawSQL(*engine.id_list_sql(sorted(ids))))  # noqa: S611  (values are parameters)


def _tested_row_by_row(qs: QuerySet[RecordT], query: Query) -> QuerySet[RecordT]:
    # Scalar subqueries with LIMIT 1, not EXISTS: PostgreSQL may turn an EXISTS into a hash of every match.
    def held_by(documents: type[Model], record: OuterRef) -> Subquery:
        condition = RawSQL(*engine_for().tokens_match_sql(query), output_field=BooleanField())  # noqa: S611
        return Subquery(documents._default_manager.filter(condition, pk=record).values("pk")[:1])

    if issubclass(qs.model, Contact):
        return qs.alias(_search_own=held_by(ContactDocument, OuterRef("pk"))).filter(_search_own__isnull=False)
    contacts = Contact.objects.filter(customer_id=OuterRef("pk"), deleted_at__isnull=True)
    matching_contacts = contacts.alias(_search_own=held_by(ContactDocument, OuterRef("pk"))).filter(
        _search_own__isnull=False
    )
    qs = qs.alias(
        _search_own=held_by(CustomerDocument, OuterRef("pk")),
        _search_contact=Subquery(matching_contacts.values("pk")[:1]),
    )
    return qs.filter(Q(_search_own__isnull=False) | Q(_search_contact__isnull=False))


@dataclass
class Hit:
    type: str  # "customer" | "contact"
    record: Customer | Contact
    rank: int
    highlight: SafeString
    field: str

    @property
    def customer(self) -> Customer | None:
        if isinstance(self.record, Contact):
            return self.record.customer
        return None


def search(user: User, text: str, *, limit: int = 20, types: Sequence[str] = ("customer", "contact")) -> list[Hit]:
    query = parse_query(text or "")
    if not query:
        return []
    scopes: dict[str, QuerySet[Any]] = {
        "customer": customers_visible_to(user),
        "contact": contacts_visible_to(user).select_related("customer"),
    }
    # What explains a hit found by another field than its name (points, tags, contacts' names), read only for those.
    details = {"customer": ("points", "tags", "contacts"), "contact": ("points", "tags")}
    # Rank the candidates on what their index rows and names tell (cheap), then load, rank exactly and highlight
    # only a short list.
    ranked = sorted(
        (_quick_rank(name, pinyin, initials, query), len(name), pinyin, type_, pk)
        for type_ in types
        for pk, name, pinyin, initials in _candidates(scopes[type_], query, limit)
    )
    shortlist = ranked[: limit + 10]
    full = may_see_full_contacts(user)
    hits = []
    for type_, qs in scopes.items():
        ranks = {pk: rank for rank, *_key, kind, pk in shortlist if kind == type_}
        if not ranks:
            continue
        records = list(qs.filter(pk__in=ranks))
        prefetch_related_objects([record for record in records if ranks[record.pk] >= OTHER], *details[type_])
        hits += [_rank(type_, record, query, full) for record in records]
    hits.sort(key=lambda hit: (hit.rank, len(hit.record.name), hit.record.name_pinyin, hit.type, hit.record.pk))
    return hits[:limit]


def _candidates(qs: QuerySet[Any], query: Query, wanted: int) -> list[tuple[int, str, str, str]]:
    """Customer names starting with the query (from the name index), then the newest matches the user may see.

    The index hands over its matches newest first, a page at a time, and each page is looked up in the user's
    scope by primary key (the first in the same query), so a common word costs one small page for anyone who sees
    much, and a rare one what its few matches cost. A user who sees little of a very common word's matches is
    answered from the scope instead, once ``PAGES`` held too few of theirs.
    """
    fields = ("pk", "name", "name_pinyin", "name_initials")
    found = {}
    if is_cjk(query.text[0]) and issubclass(qs.model, Customer):  # contact names have no index of their own
        by_name = qs.filter(name__gte=query.text, name__lt=query.text + "\U0010ffff").order_by("name")
        found = {row[0]: row for row in by_name.values_list(*fields)[:CANDIDATES]}
    engine, entity, enough = engine_for(), _entity(qs.model), min(wanted, CANDIDATES)

    def add(page: QuerySet[Any]) -> None:
        for row in page.order_by("-pk").values_list(*fields)[: CANDIDATES - len(found)]:
            found.setdefault(row[0], row)

    # The first page is looked up in the query that finds it: for most words and users, all it takes.
    add(qs.filter(pk__in=RawSQL(*engine.newest_sql(entity, query, below=None, limit=PAGES[0]))))  # noqa: S611
    ids, size = [], PAGES[0]
    if len(found) < enough:
        ids = engine.newest_ids(entity, query, below=None, limit=size)
    for next_size in (*PAGES[1:], None):
        if len(found) >= enough or len(ids) < size:  # enough, or no more matches
            return list(found.values())
        if next_size is None:
            break
        ids, size = engine.newest_ids(entity, query, below=ids[-1], limit=next_size), next_size
        add(qs.filter(pk__in=RawSQL(*engine.id_list_sql(ids))))  # noqa: S611  (values are parameters)
    for row in matching(qs, query).order_by("-pk").values_list(*fields)[:CANDIDATES]:
        found.setdefault(row[0], row)
    return list(found.values())


def _quick_rank(name: str, pinyin: str, initials: str, query: Query) -> int:
    """The rank from the name alone; other fields and notes are told apart later, for the short list."""
    name = fold(name)
    if name == query.text:
        return EXACT
    if name.startswith(query.text):
        return PREFIX
    words = {term.text for term in query.terms}
    if all(word in name for word in words):
        return SUBSTRING
    if all(word in name if is_cjk(word) else word in pinyin or word in initials for word in words):
        return PINYIN
    return OTHER


# --- ranking and highlighting ----------------------------------------------------------------------------------------


def _rank(type_: str, record: Any, query: Query, full: bool) -> Hit:
    name = fold(record.name)
    if name == query.text:
        return Hit(type_, record, EXACT, _marked(record.name, [query.text]), "name")
    words = list(dict.fromkeys(term.text for term in query.terms))
    if name.startswith(query.text):
        return Hit(type_, record, PREFIX, _marked(record.name, [query.text]), "name")
    if all(word in name for word in words):
        return Hit(type_, record, SUBSTRING, _marked(record.name, words), "name")
    syllables = pinyin_syllables(fold(record.name))
    pinyin_spans = [_pinyin_span(syllables, word) for word in words if not is_cjk(word)]
    if pinyin_spans and all(pinyin_spans) and all(w in name for w in words if is_cjk(w)):
        return Hit(type_, record, PINYIN, _marked_chars(record.name, syllables, pinyin_spans, words), "pinyin")
    for label, value in _other_fields(record, full):
        if any(_contains(fold(value), word) for word in words):
            return Hit(type_, record, OTHER, _marked(value, words), label)
    notes = record.notes or ""
    if notes and any(word in fold(notes) for word in words):
        return Hit(type_, record, NOTES, _marked(_excerpt(notes, words), words), "notes")
    return Hit(type_, record, OTHER, _marked(record.name, words), "name")


def _contains(value: str, word: str) -> bool:
    if word.isdigit():
        return word in "".join(ch for ch in value if ch.isdigit())
    return word in value


def _other_fields(record: Any, full: bool) -> list[tuple[str, str]]:
    """The fields shown next to a hit, in the order they explain it; contact details masked when they must be."""
    fields: list[tuple[str, str]] = []
    points = list(record.points.all())
    wechat = [record.wechat] if isinstance(record, Contact) else []
    if isinstance(record, Customer):
        living = [contact for contact in record.contacts.all() if contact.deleted_at is None]
        fields += [("contact", contact.name) for contact in living]
        wechat += [contact.wechat for contact in living]
    if full:
        fields += [(point.kind, point.value) for point in points]
        fields += [("wechat", value) for value in wechat]
    fields += [("tag", tag.name) for tag in record.tags.all()]
    if isinstance(record, Customer):
        fields += [("region", " ".join(filter(None, [record.province, record.city, record.district])))]
        fields += [("address", record.address)]
    else:
        fields += [("title", record.title), ("department", record.department)]
        if record.customer:
            fields += [("region", " ".join(filter(None, [record.customer.province, record.customer.city])))]
    fields += [("custom", str(value)) for value in (record.custom or {}).values() if isinstance(value, str)]
    if not full:
        # Say which kind of detail matched without showing it.
        fields += [(point.kind, shown_value(point.kind, point.value, full=False)) for point in points]
        fields += [("wechat", shown_value("wechat", value, full=False)) for value in wechat]
    return [(label, value) for label, value in fields if value]


def _pinyin_span(syllables: tuple[str, ...], word: str) -> tuple[int, int] | None:
    """(first, last + 1) syllable of the name that a pinyin or initials word covers, from any syllable on."""
    for start in range(len(syllables)):
        rest = syllables[start:]
        if "".join(s[0] for s in rest).startswith(word):
            return start, start + len(word)
        if "".join(rest).startswith(word):
            end, covered = start, 0
            while covered < len(word):
                covered += len(syllables[end])
                end += 1
            return start, end
    return None


def _marked_chars(
    name: str, syllables: tuple[str, ...], spans: list[tuple[int, int] | None], words: list[str]
) -> SafeString:
    """Mark the characters of the syllables a pinyin query matched (one syllable per Chinese character)."""
    if len(syllables) != len(name.replace(" ", "")) or not all(is_cjk(ch) for ch in name if not ch.isspace()):
        return _marked(name, words)
    chars = [ch for ch in name if not ch.isspace()]
    marked = {i for span in spans if span for i in range(*span)}
    marked |= {i for i, ch in enumerate(chars) for w in words if is_cjk(w) and ch in w}
    return _render(chars, marked)


def _marked(text: str, words: list[str]) -> SafeString:
    """The text, escaped, with every occurrence of the query words (case- and width-insensitively) in <mark>."""
    folded = [fold(ch) or ch for ch in text]
    flat = "".join(folded)
    owner = [i for i, piece in enumerate(folded) for _ in piece]
    marked: set[int] = set()
    for word in words:
        if word.isdigit():
            digits = [i for i, ch in enumerate(flat) if ch.isdigit()]
            run = "".join(flat[i] for i in digits)
            at = run.find(word)
            while at >= 0:
                marked |= {owner[digits[j]] for j in range(at, at + len(word))}
                at = run.find(word, at + 1)
            continue
        at = flat.find(word)
        while at >= 0 and word:
            marked |= {owner[j] for j in range(at, at + len(word))}
            at = flat.find(word, at + 1)
    return _render(list(text), marked)


def _render(chars: list[str], marked: set[int]) -> SafeString:
    out, open_ = [], False
    for i, ch in enumerate(chars):
        if (i in marked) != open_:
            out.append("<mark>" if not open_ else "</mark>")
            open_ = not open_
        out.append(escape(ch))
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))


def _excerpt(text: str, words: list[str], width: int = 60) -> str:
    folded = fold(text)
    at = min((folded.find(w) for w in words if w in folded), default=0)
    start = max(0, at - width // 3)
    snippet = text[start : start + width]
    return ("…" if start else "") + snippet + ("…" if start + width < len(text) else "")
