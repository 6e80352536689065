"""A rendered page's context is freed by reference counting, not left to the garbage collector (kelu.core.rendering)."""

import gc
import weakref

from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory


class Row:
    name = "张伟"


def test_a_rendered_context_is_freed_at_once_without_the_garbage_collector():
    row = Row()
    freed = weakref.ref(row)
    template = engines["django"].from_string("{% for row in rows %}{{ row.name }}{% endfor %}")
    gc.disable()
    try:
        html = template.render({"rows": [row]}, RequestFactory().get("/"))
        del row
        assert freed() is None
    finally:
        gc.enable()
    assert html == "张伟"


def test_pages_still_render_their_partials_through_the_same_backend():
    html = render_to_string("customers/_count.html#text", {"count": 12, "capped": False, "entity": "customer"})
    assert "12" in html
