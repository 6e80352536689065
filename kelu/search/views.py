"""The search page, and the header box's drop-down (the same view rendering one partial for htmx)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kelu.accounts.http import AuthenticatedRequest
from kelu.search.selectors import search

BOX_LIMIT = 8
PAGE_LIMIT = 50


@require_safe
def search_page(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    if request.htmx:
        hits = search(request.user, query, limit=BOX_LIMIT)
        return render(request, "search/search.html#box", {"query": query, "hits": hits})
    hits = search(request.user, query, limit=PAGE_LIMIT)
    context = {
        "query": query,
        "customers": [hit for hit in hits if hit.type == "customer"],
        "contacts": [hit for hit in hits if hit.type == "contact"],
        "hits": hits,
    }
    return render(request, "search/search.html", context)
