"""Text normalisation on the way in: full-width forms, whitespace, and pinyin of Chinese names for search and A–Z."""

import re
import unicodedata
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_SPACES = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (１２３, ＡＢＣ, full-width space) to half-width; CJK punctuation such as 、。is kept."""
    return "".join(
        " " if ch == "\u3000" else chr(ord(ch) - 0xFEE0) if "\uff01" <= ch <= "\uff5e" else ch for ch in text
    )


def clean_text(text: str | None) -> str:
    """Trim, fold runs of whitespace and full-width ASCII; what every name-like input goes through."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", to_halfwidth(str(text)))
    return _SPACES.sub(" ", text).strip()


_SPACE_BETWEEN_HAN = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def clean_name(text: str | None) -> str:
    """A person's or company's name: ``clean_text``, and no spaces inside Chinese (张 伟 → 张伟)."""
    return _SPACE_BETWEEN_HAN.sub("", clean_text(text))


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


@lru_cache(maxsize=200_000)
def pinyin_syllables(text: str) -> tuple[str, ...]:
    """The pinyin of a name one syllable per Chinese character, lower-case: 张伟 → ("zhang", "wei").

    Latin words stay whole (Emily Chen → ("emily", "chen")); names repeat a lot, hence the cache.
    """
    if not text:
        return ()
    # Non-Chinese runs come back split into words, so "Emily Chen" has the initials "ec".
    words = lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: chars.split())  # type: ignore[arg-type,return-value]
    return tuple(syllable for s in words if (syllable := _ascii_only(s.lower())))


def pinyin_of(text: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name, lower-case without spaces: 张伟 → ("zhangwei", "zw")."""
    syllables = pinyin_syllables(text)
    return "".join(syllables), "".join(s[0] for s in syllables)


def _ascii_only(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isalnum())


def sort_letter(text: str) -> str:
    """The A–Z index letter of a name, "#" for names that start with neither a letter nor a Chinese character."""
    full, _ = pinyin_of(text[:1]) if text else ("", "")
    letter = full[:1].upper()
    return letter if "A" <= letter <= "Z" else "#"
