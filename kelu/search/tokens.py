"""What goes into the search index, and what a query looks for: one tokenizer shared by both engines.

Hand-written because no library tokenizes the way Chinese address books are searched (jieba and friends segment
words, which loses "伟" inside "张伟"; full-text engines that split on spaces see "张伟科技" as one word):

- Chinese (and other CJK) text becomes every character and every pair of neighbours: 张伟明 → 张 伟 明 张伟 伟明.
  A query of one character looks up that character, a longer one all its pairs, so any substring is found.
- Names also carry their pinyin from every syllable on, and the same for the initials: 张伟明 → zhangweiming
  weiming ming zwm wm m. A prefix query then finds "zw", "zhangw", "weim" or "wm" alike (see ``name_tokens`` for
  long names).
- Phone numbers carry every tail of at least four digits as entered, and their E.164 digits, so any run of four or
  more digits is the prefix of one of them, whatever the formatting.
- Long text (addresses, notes) carries CJK pairs but not single characters: one character finds names, titles,
  tags and places, two or more find everything.
- Everything else is lower-cased words without accents; a query word of two or more letters or digits matches
  words that start with it, a single one only itself.

The SQLite engine (FTS5, tokenizer unicode61 over these tokens) and the PostgreSQL engine (tsvector of exactly these
lexemes, GIN) index the same tokens and run the same queries, so they find the same records.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from kelu.core.text import clean_text, pinyin_syllables

MIN_PHONE_DIGITS = 4
PINYIN_STARTS = 6
PINYIN_RUN = 4
# CJK ideographs (with extensions and compatibility forms), kana and hangul: scripts written without spaces.
CJK_CLASS = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_CHAR = re.compile(f"[{CJK_CLASS}]")
# A "word": a run of letters and digits of any script (no underscore), split further into CJK and other runs.
_WORD_PART = re.compile(f"[{CJK_CLASS}]+|[^\\W_{CJK_CLASS}]+")
_PHONE_LIKE = re.compile(r"^[\d\s()+\-.]+$")


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case, half-width, without accents: what both the index and the query see."""
    if text.isascii():  # most values (phones, emails, pinyin): the cheap way
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKD", clean_text(text).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def is_cjk(text: str) -> bool:
    return bool(_CJK_CHAR.match(text))


def _cjk_grams(run: str, *, single: bool) -> list[str]:
    pairs = [run[i : i + 2] for i in range(len(run) - 1)]
    return [*run, *pairs] if single or len(run) == 1 else pairs


@lru_cache(maxsize=100_000)  # cities, titles, tags and the like repeat a lot
def text_tokens(text: str, *, single: bool = True) -> tuple[str, ...]:
    """Words, and CJK pairs and (unless ``single`` is false: long text) single characters."""
    tokens: list[str] = []
    for part in _WORD_PART.findall(fold(text)):
        if is_cjk(part):
            tokens += _cjk_grams(part, single=single)
        else:
            tokens.append(part)
    return tuple(tokens)


@lru_cache(maxsize=200_000)
def name_tokens(name: str) -> tuple[str, ...]:
    """The words and characters of a name, and its pinyin and initials from every syllable on.

    Long names (companies) get the pinyin runs of at most ``PINYIN_RUN`` syllables from their first
    ``PINYIN_STARTS`` syllables, besides the whole: "xinmiao" finds 北京鑫淼科技有限公司, and the index stays small.
    """
    tokens = list(text_tokens(name))
    syllables = pinyin_syllables(fold(name)) if _CJK_CHAR.search(name) else ()
    if syllables:
        tokens += ["".join(syllables), "".join(s[0] for s in syllables)]
    for start in range(1, min(len(syllables), PINYIN_STARTS)):
        run = syllables[start : start + PINYIN_RUN]
        tokens += ["".join(run), "".join(s[0] for s in run)]
    return tuple(tokens)


def phone_tokens(value: str, normalized: str) -> list[str]:
    """Every tail of 4+ digits of the number as entered, and the E.164 digits whole (for "+86 138…" queries)."""
    digits = "".join(ch for ch in value if ch.isdigit())
    tokens = [digits[i:] for i in range(len(digits) - MIN_PHONE_DIGITS + 1)]
    full = "".join(ch for ch in normalized if ch.isdigit())
    return [*tokens, full] if len(full) >= MIN_PHONE_DIGITS else tokens


@dataclass
class Document:
    """The tokens of one record, collected field by field."""

    tokens: set[str] = field(default_factory=set)

    def add_name(self, name: str) -> None:
        if name:
            self.tokens.update(name_tokens(name))

    def add_text(self, *texts: str | None) -> None:
        for text in texts:
            if text:
                self.tokens.update(text_tokens(text))

    def add_long_text(self, *texts: str | None) -> None:
        """Addresses and notes: CJK pairs and words, not every single character (a third of the tokens)."""
        for text in texts:
            if text:
                self.tokens.update(text_tokens(text, single=False))

    def add_point(self, kind: str, value: str, normalized: str) -> None:
        if kind == "phone":  # the digit tails cover every other way to search a number
            self.tokens.update(phone_tokens(value, normalized))
        else:
            self.add_text(value, normalized)

    def add_values(self, values: Iterable[object]) -> None:
        """Custom field values: text is searched, numbers and dates as written, flags and empties not at all."""
        for value in values:
            if isinstance(value, list):
                self.add_values(value)
            elif isinstance(value, str | int | float) and not isinstance(value, bool):
                self.add_text(str(value))

    def text(self) -> str:
        return " ".join(sorted(self.tokens))


# --- queries ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One token a record must contain (or a token starting with it, when ``prefix``)."""

    text: str  # the query word it comes from, folded: what ranking and highlighting look for
    token: str
    prefix: bool


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]

    def __bool__(self) -> bool:
        return bool(self.terms)


def parse_query(raw: str) -> Query:
    """Every word of the query must match (AND); a run of digits and phone punctuation is one phone fragment."""
    text = fold(raw)[:200]
    if _PHONE_LIKE.match(text) and sum(ch.isdigit() for ch in text) >= MIN_PHONE_DIGITS:
        digits = "".join(ch for ch in text if ch.isdigit())
        return Query(text, (Term(digits, digits, prefix=True),))
    terms: list[Term] = []
    for part in _WORD_PART.findall(text):
        if is_cjk(part):
            grams = (part,) if len(part) == 1 else tuple(part[i : i + 2] for i in range(len(part) - 1))
            terms += [Term(part, gram, prefix=False) for gram in dict.fromkeys(grams)]
        else:  # a single letter or digit is a word of its own, not the start of every word
            terms.append(Term(part, part, prefix=len(part) > 1))
    # The same token twice adds nothing but work.
    return Query(text, tuple(dict.fromkeys(terms)))
