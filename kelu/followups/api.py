"""REST endpoints for follow-ups and notifications (thin: selectors in, services out)."""

from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.accounts.models import User
from kelu.activities.selectors import activities_visible_to
from kelu.core.api import CursorPagination, StrictInput, acting_user, query_id, query_moment, validated
from kelu.customers.selectors import contacts_visible_to, customers_visible_to
from kelu.followups import selectors, services
from kelu.followups.models import FollowUp, Notification


class FollowUpPages(CursorPagination):
    ordering = ("due_at", "id")  # type: ignore[assignment]  # DRF takes a tuple too


class FollowUpOutput(serializers.ModelSerializer):
    class Meta:
        model = FollowUp
        fields = [
            "id", "title", "notes", "due_at", "remind_at", "assignee", "created_by", "customer", "contact", "activity",
            "priority", "status", "origin", "completed_at", "reminder_sent_at", "created_at", "updated_at",
        ]  # fmt: skip


class FollowUpInput(StrictInput, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_at = serializers.DateTimeField()
    remind_at = serializers.DateTimeField(required=False, allow_null=True)
    assignee = serializers.IntegerField(required=False, help_text=_("User id; default: you."))
    priority = serializers.ChoiceField(choices=FollowUp.Priority.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    customer = serializers.IntegerField(required=False, allow_null=True)
    contact = serializers.IntegerField(required=False, allow_null=True)
    activity = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("The interaction this is the next step of.")
    )
    status = serializers.ChoiceField(
        choices=FollowUp.Status.choices, required=False, help_text=_("Only when changing: open, done or cancelled.")
    )


class SnoozeInput(StrictInput, serializers.Serializer):
    period = serializers.ChoiceField(choices=[(key, key) for key in services.SNOOZE_CHOICES])


FILTERS = [
    OpenApiParameter("customer", int, description="Only follow-ups of this customer."),
    OpenApiParameter("contact", int, description="Only follow-ups of this contact."),
    OpenApiParameter("assignee", str, description="`me`, or a user id."),
    OpenApiParameter("status", str, enum=FollowUp.Status.values, description="open, done or cancelled."),
    OpenApiParameter("due_before", str, description="ISO 8601 time: due before it (e.g. now: overdue)."),
    OpenApiParameter("due_after", str, description="ISO 8601 time."),
]


@extend_schema_view(
    list=extend_schema(parameters=FILTERS, responses=FollowUpOutput),
    retrieve=extend_schema(responses=FollowUpOutput),
    create=extend_schema(request=FollowUpInput, responses={201: FollowUpOutput}),
    partial_update=extend_schema(request=FollowUpInput, responses=FollowUpOutput),
    destroy=extend_schema(description="Delete for good; its reminder is not sent."),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-ups: what is to be done for a customer, by when, by whom; reminders are sent at ``remind_at``."""

    serializer_class = FollowUpOutput
    pagination_class = FollowUpPages
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return FollowUp.objects.none()
        user = acting_user(self.request)
        qs = selectors.follow_up_list_queryset(user)
        if self.action != "list":
            return qs
        params = self.request.query_params
        if (customer := query_id(self.request, "customer")) is not None:
            qs = qs.filter(customer_id=customer)
        if (contact := query_id(self.request, "contact")) is not None:
            qs = qs.filter(contact_id=contact)
        if assignee := params.get("assignee"):
            qs = (
                qs.filter(assignee=user)
                if assignee == "me"
                else qs.filter(assignee_id=query_id(self.request, "assignee"))
            )
        if status_ := params.get("status"):
            if status_ not in FollowUp.Status.values:
                raise ValidationError({"status": [_("Choose open, done or cancelled.")]})
            qs = qs.filter(status=status_)
        if (before := query_moment(self.request, "due_before")) is not None:
            qs = qs.filter(due_at__lt=before)
        if (after := query_moment(self.request, "due_after")) is not None:
            qs = qs.filter(due_at__gte=after)
        return qs

    def create(self, request: Request) -> Response:
        user = acting_user(request)
        data = validated(FollowUpInput, request.data)
        if "status" in data:
            raise ValidationError({"status": [_("A new follow-up is open.")]})
        customer = contact = activity = None
        if data.get("customer"):
            customer = get_object_or_404(customers_visible_to(user), pk=data["customer"])
        if data.get("contact"):
            contact = get_object_or_404(contacts_visible_to(user).select_related("customer"), pk=data["contact"])
        if data.get("activity"):
            activity = get_object_or_404(activities_visible_to(user), pk=data["activity"])
        follow_up = services.follow_up_create(
            actor=user, values=data, customer=customer, contact=contact, assignee=self._assignee(data, user),
            activity=activity, origin=FollowUp.Origin.INTERACTION if activity else FollowUp.Origin.MANUAL,
        )  # fmt: skip
        return Response(self._read(follow_up), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        follow_up = self.get_object()
        user = acting_user(request)
        data = validated(FollowUpInput, request.data, partial=True)
        moved = [name for name in ("customer", "contact", "activity") if name in data]
        if moved:
            raise ValidationError({name: [_("A follow-up cannot move to another record.")] for name in moved})
        new_status = data.pop("status", None)
        kwargs: dict[str, Any] = {}
        if "assignee" in data:
            kwargs["assignee"] = self._assignee(data, user)
        with transaction.atomic():  # all of the change or none of it
            if data or kwargs:
                services.follow_up_update(actor=user, follow_up=follow_up, values=data, **kwargs)
            if new_status is not None:
                services.follow_up_set_status(actor=user, follow_up=follow_up, status=new_status)
        return Response(self._read(follow_up))

    def destroy(self, request: Request, pk: str) -> Response:
        services.follow_up_delete(actor=acting_user(request), follow_up=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=FollowUpOutput)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """Mark as done."""
        follow_up = services.follow_up_complete(actor=acting_user(request), follow_up=self.get_object())
        return Response(self._read(follow_up))

    @extend_schema(request=SnoozeInput, responses=FollowUpOutput)
    @action(detail=True, methods=["post"])
    def snooze(self, request: Request, pk: str) -> Response:
        """Put off by `1h`, `1d` or `7d` (from now, or from the due time if later); the reminder moves along."""
        follow_up = self.get_object()  # a follow-up one may not see is missing, whatever the input
        data = validated(SnoozeInput, request.data)
        follow_up = services.follow_up_snooze(actor=acting_user(request), follow_up=follow_up, period=data["period"])
        return Response(self._read(follow_up))

    @staticmethod
    def _assignee(data: dict[str, Any], user: User) -> User:
        pk = data.pop("assignee", None)
        if pk is None:
            return user
        found = User.objects.filter(pk=pk, is_active=True).first()
        if found is None:
            raise ValidationError({"assignee": [_("There is no such user.")]})
        return found

    def _read(self, follow_up: FollowUp) -> dict[str, Any]:
        fresh = selectors.follow_up_list_queryset(acting_user(self.request)).get(pk=follow_up.pk)
        return dict(self.get_serializer(fresh).data)


class NotificationOutput(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text=_("The follow-up's title (reminders and assignments)."))

    class Meta:
        model = Notification
        fields = ["id", "kind", "follow_up", "title", "count", "created_at", "read_at"]

    def get_title(self, notification: Notification) -> str:
        return notification.follow_up.title if notification.follow_up else ""


class UnreadOutput(serializers.Serializer):
    unread = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="Only unread notifications.")],
        responses=NotificationOutput,
    ),
    retrieve=extend_schema(responses=NotificationOutput),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your in-app notifications (reminders, follow-ups assigned to you, overdue digests)."""

    serializer_class = NotificationOutput

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        qs = selectors.notifications_of(acting_user(self.request))
        if self.action == "list" and self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(request=None, responses=NotificationOutput)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Mark as read."""
        notification = services.notification_read(actor=acting_user(request), notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=UnreadOutput)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark all as read."""
        services.notifications_read_all(actor=acting_user(request))
        return Response({"unread": 0})
