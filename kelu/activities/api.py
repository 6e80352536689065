"""REST endpoints for interactions and their attachments (thin: selectors in, services out)."""

from typing import Any

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.activities import selectors, services
from kelu.activities.models import Activity, Attachment
from kelu.core.api import CursorPagination, StrictInput, acting_user, query_id, query_moment, validated
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.followups.models import FollowUp


class ActivityPages(CursorPagination):
    ordering = ("-occurred_at", "-id")  # type: ignore[assignment]  # DRF takes a tuple too


class AttachmentOutput(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(
        help_text=_("API address of the file (same rights as the interaction).")
    )

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "size", "content_type", "uploaded_by", "created_at", "download"]

    def get_download(self, attachment: Attachment) -> str:
        return f"/api/v1/activities/{attachment.activity_id}/attachments/{attachment.pk}/"


class ActivityOutput(serializers.ModelSerializer):
    attachments = AttachmentOutput(many=True, read_only=True)
    follow_ups = serializers.PrimaryKeyRelatedField[FollowUp](
        many=True, read_only=True, help_text=_("Next steps planned with it.")
    )

    class Meta:
        model = Activity
        fields = [
            "id", "kind", "occurred_at", "author", "customer", "contact", "subject", "notes", "direction",
            "duration_seconds", "outcome", "place", "participants", "amount", "currency", "attachments", "follow_ups",
            "created_at", "updated_at",
        ]  # fmt: skip


class ActivityInput(StrictInput, serializers.Serializer):
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    occurred_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))
    customer = serializers.IntegerField(required=False, allow_null=True)
    contact = serializers.IntegerField(required=False, allow_null=True)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Activity.Direction.choices, required=False, allow_blank=True)
    duration_seconds = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=Activity.Outcome.choices, required=False, allow_blank=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    participants = serializers.CharField(max_length=500, required=False, allow_blank=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)


class AttachmentUpload(serializers.Serializer):
    file = serializers.FileField()


FILTERS = [
    OpenApiParameter("customer", int, description="Only interactions of this customer."),
    OpenApiParameter("contact", int, description="Only interactions with this contact."),
    OpenApiParameter("kind", str, enum=Activity.Kind.values, description="Only this kind."),
    OpenApiParameter("author", str, description="`me`, or a user id."),
    OpenApiParameter("occurred_after", str, description="ISO 8601 time."),
    OpenApiParameter("occurred_before", str, description="ISO 8601 time."),
]


@extend_schema_view(
    list=extend_schema(parameters=FILTERS, responses=ActivityOutput),
    retrieve=extend_schema(responses=ActivityOutput),
    create=extend_schema(request=ActivityInput, responses={201: ActivityOutput}),
    partial_update=extend_schema(request=ActivityInput, responses=ActivityOutput),
    destroy=extend_schema(description="Delete for good (author, or a manager); the customer's last contact follows."),
)
class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Interactions: calls, visits, meetings, emails, WeChat, notes, transactions."""

    serializer_class = ActivityOutput
    pagination_class = ActivityPages
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        user = acting_user(self.request)
        qs = selectors.activity_list_queryset(user)
        if self.action != "list":
            return qs
        params = self.request.query_params
        if (customer := query_id(self.request, "customer")) is not None:
            qs = qs.filter(customer_id=customer)
        if (contact := query_id(self.request, "contact")) is not None:
            qs = qs.filter(contact_id=contact)
        if kind := params.get("kind"):
            if kind not in Activity.Kind.values:
                raise ValidationError({"kind": [_("Unknown kind “%(kind)s”.") % {"kind": kind}]})
            qs = qs.filter(kind=kind)
        if author := params.get("author"):
            qs = qs.filter(author=user) if author == "me" else qs.filter(author_id=query_id(self.request, "author"))
        if (after := query_moment(self.request, "occurred_after")) is not None:
            qs = qs.filter(occurred_at__gte=after)
        if (before := query_moment(self.request, "occurred_before")) is not None:
            qs = qs.filter(occurred_at__lt=before)
        return qs

    def create(self, request: Request) -> Response:
        user = acting_user(request)
        data = validated(ActivityInput, request.data)
        customer = contact = None
        if data.get("customer"):
            customer = get_object_or_404(customers_visible_to(user), pk=data.pop("customer"))
        if data.get("contact"):
            contact = get_object_or_404(contacts_visible_to(user).select_related("customer"), pk=data.pop("contact"))
        activity = services.activity_create(actor=user, values=data, customer=customer, contact=contact)
        return Response(self._read(activity), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        user = acting_user(request)
        data = validated(ActivityInput, request.data, partial=True)
        if "customer" in data:
            raise ValidationError({"customer": [_("An interaction cannot move to another customer.")]})
        contact: Any = False
        if "contact" in data:
            contact_id = data.pop("contact")
            contact = get_object_or_404(contacts_visible_to(user), pk=contact_id) if contact_id else None
        services.activity_update(actor=user, activity=activity, values=data, contact=contact)
        return Response(self._read(activity))

    def destroy(self, request: Request, pk: str) -> Response:
        services.activity_delete(actor=acting_user(request), activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUpload},
        responses={201: AttachmentOutput},
        description="Attach a file (multipart field `file`; at most KELU_ATTACHMENT_MAX_MB).",
    )
    @action(detail=True, methods=["post"], parser_classes=[parsers.MultiPartParser])
    def attachments(self, request: Request, pk: str) -> Response:
        activity = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Send the file in the multipart field “file”.")]})
        (attachment,) = services.attachment_add(actor=acting_user(request), activity=activity, uploads=[upload])
        return Response(AttachmentOutput(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(detail=True, methods=["get", "delete"], url_path=r"attachments/(?P<attachment_id>\d+)")
    def attachment(self, request: Request, pk: str, attachment_id: str) -> Any:
        """Download an attachment (GET) or remove it (DELETE)."""
        activity = self.get_object()
        attachment = get_object_or_404(activity.attachments.all(), pk=int(attachment_id))
        if request.method == "DELETE":
            services.attachment_delete(actor=acting_user(request), attachment=attachment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        return FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type="application/octet-stream"
        )

    def _read(self, activity: Activity) -> dict[str, Any]:
        fresh = selectors.activity_list_queryset(acting_user(self.request)).get(pk=activity.pk)
        return dict(self.get_serializer(fresh).data)
