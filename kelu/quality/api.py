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
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.quality import selectors, services
from kelu.quality.bulk import bulk_edit_start, bulk_edit_undo
from kelu.quality.models import BulkEdit, Merge


class MergeInput(StrictInput):
    survivor = serializers.IntegerField(help_text=_("The record that remains."))
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


def _merge(request: Request, visible: Any) -> Response:
    user = acting_user(request)
    data = MergeInput(data=request.data)
    data.is_valid(raise_exception=True)
    survivor = get_object_or_404(visible, pk=data.validated_data["survivor"])
    others = list(visible.filter(pk__in=data.validated_data["others"]))
    if len(others) != len(set(data.validated_data["others"])):
        get_object_or_404(visible.none())  # a record the user may not see looks missing
    choices = data.validated_data.get("choices") or {}
    if data.validated_data["dry_run"]:
        plan = services.plan_merge(actor=user, survivor=survivor, others=others, choices=choices)
        return Response(_plan_data(plan))
    merge = services.records_merge(actor=user, survivor=survivor, others=others, choices=choices)
    return Response(_merge_data(merge), status=status.HTTP_201_CREATED)


def _merge_data(merge: Merge) -> dict[str, Any]:
    return {"merge": merge.pk, "survivor": merge.survivor_id or merge.contact_survivor_id, "merged": merge.merged_ids}


@extend_schema(request=MergeInput, responses={200: MergePlanOutput, 201: MergeOutput})
@api_view(["POST"])
def customers_merge(request: Request) -> Response:
    """Merge customers into one; with ``dry_run`` only report what would happen."""
    return _merge(request, customers_visible_to(acting_user(request)))


@extend_schema(request=MergeInput, responses={200: MergePlanOutput, 201: MergeOutput})
@api_view(["POST"])
def contacts_merge(request: Request) -> Response:
    """Merge contacts (the same person entered twice) into one; with ``dry_run`` only report what would happen."""
    return _merge(request, contacts_visible_to(acting_user(request)))


@extend_schema(request=None, responses={200: MergeOutput})
@api_view(["POST"])
def merge_undo(request: Request, pk: int) -> Response:
    """Undo a merge: the merged records come back and everything moves back to them."""
    user = acting_user(request)
    merge = get_object_or_404(selectors.merges_visible_to(user), pk=pk)
    services.merge_undo(actor=user, merge=merge)
    return Response(_merge_data(merge))


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


class BulkEditInput(StrictInput):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=1_000_000)
    action = serializers.ChoiceField(choices=BulkEdit.Action.choices)
    key = serializers.CharField(required=False, help_text=_("The custom field, for action “custom”."))
    value = serializers.JSONField(required=False, help_text=_("New value; a list of tag names for tag/untag."))


class BulkEditOutput(serializers.ModelSerializer):
    total = serializers.IntegerField()

    class Meta:
        model = BulkEdit
        fields = ["id", "action", "value", "status", "total", "done", "changed", "refused", "created_at", "finished_at"]


@extend_schema(request=BulkEditInput, responses={202: BulkEditOutput})
@api_view(["POST"])
def bulk_edit_create(request: Request) -> Response:
    """Change many customers in the background; poll ``/api/v1/bulk-edits/<id>/`` for progress."""
    user = acting_user(request)
    data = BulkEditInput(data=request.data)
    data.is_valid(raise_exception=True)
    wanted = data.validated_data["ids"]
    ids = list(customers_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))
    if len(ids) != len(set(wanted)):
        get_object_or_404(customers_visible_to(user).none())  # a record the user may not see looks missing
    value = {"value": data.validated_data.get("value")}
    if "key" in data.validated_data:
        value["key"] = data.validated_data["key"]
    edit = bulk_edit_start(actor=user, ids=ids, action=data.validated_data["action"], value=value)
    return Response(BulkEditOutput(edit).data, status=status.HTTP_202_ACCEPTED)


def _bulk_of(request: Request, pk: int) -> BulkEdit:
    user = acting_user(request)
    edits = BulkEdit.objects.all() if user.is_admin else BulkEdit.objects.filter(actor=user)
    return get_object_or_404(edits, pk=pk)


@extend_schema(responses=BulkEditOutput)
@api_view(["GET"])
def bulk_edit_detail(request: Request, pk: int) -> Response:
    return Response(BulkEditOutput(_bulk_of(request, pk)).data)


@extend_schema(request=None, responses=BulkEditOutput)
@api_view(["POST"])
def bulk_edit_undo_view(request: Request, pk: int) -> Response:
    """Undo a finished bulk edit; records changed since are listed under ``skipped`` and left alone."""
    edit = _bulk_of(request, pk)
    skipped = bulk_edit_undo(actor=acting_user(request), bulk=edit)
    return Response({**BulkEditOutput(edit).data, "skipped": skipped})
