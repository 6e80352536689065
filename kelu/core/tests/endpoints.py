"""Every URL pattern the resolver knows, for tests that must cover endpoints nobody has written yet."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern


@dataclass(frozen=True)
class Pattern:
    name: str
    samples: tuple[tuple[str, str], ...]  # (parameter, a value its converter accepts)
    callback: Any

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(name for name, _sample in self.samples)

    @property
    def is_api(self) -> bool:
        return self.name.startswith("api:")

    def path(self, **kwargs: Any) -> str:
        """The URL with the given parameter values (made-up ones for those not given)."""
        return reverse(self.name, kwargs={key: kwargs.get(key, sample) for key, sample in self.samples})

    def __str__(self) -> str:
        return self.name


def _samples(pattern: RoutePattern | RegexPattern | Any) -> tuple[tuple[str, str], ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(
            (name, str(uuid.uuid4()) if isinstance(converter, UUIDConverter) else "1")
            for name, converter in pattern.converters.items()
        )
    return tuple((name, "1") for name in pattern.regex.groupindex)


def _walk(resolver: URLResolver, namespace: str = "", params: tuple[tuple[str, str], ...] = ()) -> Iterator[Pattern]:
    for entry in resolver.url_patterns:
        entry_params = (*params, *_samples(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, inner, entry_params)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"Unnamed URL pattern {entry.pattern} ({entry.lookup_str}): give it a name"
            yield Pattern(namespace + entry.name, entry_params, entry.callback)


def url_patterns() -> list[Pattern]:
    return sorted(_walk(get_resolver()), key=str)
