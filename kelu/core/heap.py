"""How a long-running Kelu process sets up CPython's garbage collector once it is ready to serve.

After start-up a Kelu process holds about 275,000 long-lived objects (Django, DRF, phonenumbers' metadata,
pypinyin's dictionaries), and a request that builds many related records leaves cyclic garbage behind (an API list
page of 50 customers with prefetched contacts, points and tags: ~6,000 objects, since Django's prefetch caches
point back at their instances). With CPython's defaults that garbage is promoted out of the young generation while
the request still holds it, so only full collections free it, and each full collection also walks the whole
start-up heap: a 150–240 ms pause every dozen such pages. Two changes, measured over 200 API list pages on the
benchmark's million-customer database (mean / p95 / full collections):

- defaults: 47.5 / 206 ms / 16 (177 ms each);
- the start-up heap moved to the permanent generation (``gc.freeze``), which full collections skip (and which keeps
  gunicorn workers from writing to, and so copying, memory pages they could share): 41.6 / 110 ms / 20 (79 ms);
- and a young generation of 50,000 objects instead of 700, so a request's garbage is still young when it is
  collected: 35.9 / 48 ms / none.
"""

import gc
from collections.abc import Iterable
from typing import Any

YOUNG_OBJECTS = 50_000


def tune_garbage_collection() -> None:
    """Collect once, set aside everything still alive, and let the young generation grow before it is collected."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])


def release(records: Iterable[Any], *, serialized: Any = None) -> None:
    """Let records that have been rendered go at once: empty the caches that tie rows read with
    ``prefetch_related`` / ``select_related`` to each other (each prefetched row caches its parent), and detach
    ``serialized``, a DRF serializer's output, from its serializer (they point at each other). Otherwise a page of 50
    customers with contacts, points and tags is ~6,300 objects in cycles that only the collector frees."""
    for record in records:
        prefetched = getattr(record, "_prefetched_objects_cache", None)
        if prefetched:
            for related in prefetched.values():
                release(related._result_cache or ())
            prefetched.clear()
        state = getattr(record, "_state", None)
        if state is not None and "fields_cache" in state.__dict__:
            state.fields_cache.clear()
    serializer = getattr(serialized, "serializer", None)
    for made in (serializer, getattr(serializer, "child", None)):  # DRF keeps what a serializer was made with
        if made is not None:
            made.instance, made._args = None, ()
    if serializer is not None:
        serializer.__dict__.pop("_data", None)
        serialized.serializer = None
