"""API of the duplicate finder and merges: thin over the quality selectors and services."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.core.api import StrictInput, acting_user
from kelu.customers.selectors import customers_visible_to
from kelu.quality import selectors, services


class MergeInput(StrictInput):
    survivor = serializers.IntegerField(help_text=_("The customer that remains."))
    others = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=20)
    choices = serializers.DictField(
        child=serializers.IntegerField(), required=False,
        help_text=_("Field name (or custom.<key>) → id of the record whose value to keep."),
    )  # fmt: skip
    dry_run = serializers.BooleanField(default=False)


class MergePlanOutput(serializers.Serializer):
    survivor = serializers.IntegerField()
    others = serializers.ListField(child=serializers.IntegerField())
    values = serializers.DictField()
    sources = serializers.DictField(child=serializers.IntegerField())
    custom = serializers.DictField()
    tags = serializers.ListField(child=serializers.CharField())
    moves = serializers.DictField(child=serializers.IntegerField())


class MergeOutput(serializers.Serializer):
    merge = serializers.IntegerField()
    survivor = serializers.IntegerField()
    merged = serializers.ListField(child=serializers.IntegerField())


class DuplicateGroupOutput(serializers.Serializer):
    customers = serializers.ListField(child=serializers.DictField())
    reasons = serializers.ListField(child=serializers.CharField())
    score = serializers.IntegerField()


def _plan_data(plan: services.MergePlan) -> dict[str, Any]:
    return {
        "survivor": plan.survivor.pk,
        "others": [other.pk for other in plan.others],
        "values": services._jsonable(plan.values),
        "sources": plan.sources,
        "custom": services._jsonable(plan.custom),
        "tags": plan.tags,
        "moves": plan.moves,
    }


@extend_schema(request=MergeInput, responses={200: MergePlanOutput, 201: MergeOutput})
@api_view(["POST"])
def customers_merge(request: Request) -> Response:
    """Merge customers into one; with ``dry_run`` only report what would happen."""
    user = acting_user(request)
    data = MergeInput(data=request.data)
    data.is_valid(raise_exception=True)
    visible = customers_visible_to(user)
    survivor = get_object_or_404(visible, pk=data.validated_data["survivor"])
    others = list(visible.filter(pk__in=data.validated_data["others"]))
    if len(others) != len(set(data.validated_data["others"])):
        get_object_or_404(visible.none())  # a record the user may not see looks missing
    choices = data.validated_data.get("choices") or {}
    if data.validated_data["dry_run"]:
        plan = services.plan_merge(actor=user, survivor=survivor, others=others, choices=choices)
        return Response(_plan_data(plan))
    merge = services.customers_merge(actor=user, survivor=survivor, others=others, choices=choices)
    body = {"merge": merge.pk, "survivor": merge.survivor_id, "merged": merge.merged_ids}
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses={200: MergeOutput})
@api_view(["POST"])
def merge_undo(request: Request, pk: int) -> Response:
    """Undo a merge: the merged records come back and everything moves back to them."""
    user = acting_user(request)
    merge = get_object_or_404(selectors.merges_visible_to(user), pk=pk)
    services.merge_undo(actor=user, merge=merge)
    return Response({"merge": merge.pk, "survivor": merge.survivor_id, "merged": merge.merged_ids})


@extend_schema(responses=DuplicateGroupOutput(many=True))
@api_view(["GET"])
def duplicate_groups(request: Request) -> Response:
    """Groups of probable duplicate customers among those you may see, best score first."""
    groups = selectors.duplicate_groups_visible_to(acting_user(request))
    return Response(
        [
            {
                "customers": [{"id": c.pk, "name": c.name} for c in group.customers],
                "reasons": sorted(group.reasons),
                "score": group.score,
            }
            for group in groups
        ]
    )
