"""GET /api/v1/search/?q= : the search box's answer for scripts, typed results with highlights."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.core.api import StrictInput, acting_user
from kelu.core.heap import release
from kelu.search.selectors import search

TYPES = [("customer", _("Customer")), ("contact", _("Contact"))]


class SearchInput(StrictInput):
    q = serializers.CharField(max_length=200, allow_blank=True, help_text=_("What to look for."))
    type = serializers.MultipleChoiceField(choices=TYPES, required=False, help_text=_("Only these kinds of record."))
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class ParentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HitOutput(serializers.Serializer):
    type = serializers.ChoiceField(choices=TYPES)
    id = serializers.IntegerField(source="record.pk")
    name = serializers.CharField(source="record.name")
    customer = ParentOutput(allow_null=True)
    highlight = serializers.CharField(help_text=_("HTML-escaped text of the matched field with <mark> around matches."))
    matched = serializers.CharField(source="field", help_text=_("Which field matched: name, pinyin, phone, email …"))


class SearchOutput(serializers.Serializer):
    results = HitOutput(many=True)


@extend_schema(parameters=[SearchInput], responses=SearchOutput)
@api_view(["GET"])
def search_view(request: Request) -> Response:
    """Customers and contacts the caller may see, best first: exact name, name prefix, name substring, pinyin,
    other fields (phones by any 4+ digits, emails, WeChat, tags, custom fields), notes."""
    params = SearchInput(data=request.query_params)
    params.is_valid(raise_exception=True)
    values = params.validated_data
    types = sorted(values.get("type") or ["customer", "contact"])
    hits = search(acting_user(request), values["q"], limit=values["limit"], types=types)
    data = SearchOutput({"results": hits}).data
    release([hit.record for hit in hits], serialized=data)  # serialized: let the records go (kelu.core.heap)
    return Response(data)
