"""REST endpoints for customers, contacts, tags, custom field definitions and choice options (thin: selectors in,
services out)."""

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.accounts.audit import record_event
from kelu.accounts.models import AuditEvent, User
from kelu.core.api import AdministratorsChange, CursorPagination, StrictInput, WritableRole, acting_user, validated
from kelu.core.errors import Conflict
from kelu.core.masking import sees_full_contacts, shown_value
from kelu.core.permissions import may_see_full_contacts
from kelu.customers import selectors, services
from kelu.customers.history import history_entries
from kelu.customers.models import (
    ChoiceOption,
    Contact,
    ContactPoint,
    Customer,
    CustomerShare,
    FieldDefinition,
    SavedView,
    Tag,
)

# --- serializers -----------------------------------------------------------------------------------------------------


class PointSerializer(StrictInput, serializers.ModelSerializer):
    id = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=ContactPoint.Kind.choices, default=ContactPoint.Kind.PHONE)
    value = serializers.CharField(max_length=300)
    problem = serializers.SerializerMethodField()

    class Meta:
        model = ContactPoint
        fields = ["id", "kind", "label", "value", "normalized", "is_valid", "problem", "is_primary"]
        read_only_fields = ["normalized", "is_valid", "problem"]

    def get_problem(self, point: ContactPoint) -> str:
        return str(point.problem_message)

    def to_representation(self, instance: ContactPoint) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not sees_full_contacts(self.context.get("request")):
            data["value"] = shown_value(instance.kind, data["value"], full=False)
            data["normalized"] = shown_value(instance.kind, data["normalized"], full=False)
        return data


def TagNames(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=50), **kwargs)


class ContactOutput(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField[Tag](many=True, read_only=True, slug_field="name")
    points = PointSerializer(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "customer", "name", "title", "department", "is_decision_maker", "is_primary", "birthday",
            "wechat", "notes", "tags", "custom", "points", "created_at", "updated_at", "version",
        ]  # fmt: skip

    def to_representation(self, instance: Contact) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not sees_full_contacts(self.context.get("request")):
            data["wechat"] = shown_value("wechat", data["wechat"], full=False)
        return data


class ContactInput(StrictInput, serializers.Serializer):
    customer = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    department = serializers.CharField(max_length=100, required=False, allow_blank=True)
    is_decision_maker = serializers.BooleanField(required=False)
    is_primary = serializers.BooleanField(required=False)
    birthday = serializers.DateField(required=False, allow_null=True)
    wechat = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = TagNames(required=False)
    custom = serializers.DictField(required=False)
    points = PointSerializer(many=True, required=False)
    version = serializers.IntegerField(required=False, help_text=_("The version you edited; a stale one gets 409."))


class CustomerOutput(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField[Tag](many=True, read_only=True, slug_field="name")
    points = PointSerializer(many=True, read_only=True)
    contacts = ContactOutput(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id", "name", "kind", "owner", "team", "level", "stage", "source", "industry", "province", "city",
            "district", "address", "website", "size", "notes", "tags", "custom", "points", "contacts",
            "last_contacted_at", "next_follow_up_at", "created_at", "updated_at", "deleted_at", "version",
        ]  # fmt: skip


class CustomerInput(StrictInput, serializers.Serializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, required=False)
    owner = serializers.IntegerField(required=False, allow_null=True, help_text=_("User id; null = public pool."))
    team = serializers.IntegerField(required=False, allow_null=True)
    level = serializers.CharField(max_length=50, required=False, allow_blank=True)
    stage = serializers.CharField(max_length=50, required=False, allow_blank=True)
    source = serializers.CharField(max_length=50, required=False, allow_blank=True)  # type: ignore[assignment]
    industry = serializers.CharField(max_length=50, required=False, allow_blank=True)
    province = serializers.CharField(max_length=50, required=False, allow_blank=True)
    city = serializers.CharField(max_length=50, required=False, allow_blank=True)
    district = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    website = serializers.URLField(max_length=300, required=False, allow_blank=True)
    size = serializers.ChoiceField(choices=Customer.Size.choices, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = TagNames(required=False)
    custom = serializers.DictField(required=False)
    points = PointSerializer(many=True, required=False, help_text=_("The customer's main-line phones and emails."))
    contacts = ContactInput(many=True, required=False, help_text=_("Contacts to create with the customer."))
    version = serializers.IntegerField(required=False, help_text=_("The version you edited; a stale one gets 409."))


class ShareSerializer(StrictInput, serializers.ModelSerializer):
    user = serializers.IntegerField(source="user_id", help_text=_("The colleague's user id."))

    class Meta:
        model = CustomerShare
        fields = ["user", "can_edit", "created_at"]
        read_only_fields = ["created_at"]


class TransferInput(StrictInput, serializers.Serializer):
    from_user = serializers.IntegerField()
    to_user = serializers.IntegerField()


class TransferOutput(serializers.Serializer):
    customers = serializers.IntegerField(help_text=_("How many customers changed owner."))


class HistoryChange(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class HistoryEntry(serializers.Serializer):
    history_id = serializers.IntegerField(help_text=_("Pass it to revert/ to restore this version."))
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    of = serializers.ChoiceField(choices=["record", "contact_point"])
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    changes = HistoryChange(many=True)


class RevertInput(StrictInput, serializers.Serializer):
    history_id = serializers.IntegerField()


HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


def _history_rows(record: Customer | Contact, request: Request) -> list[dict[str, Any]]:
    return [
        {
            "history_id": entry["record"].history_id,
            "type": HISTORY_TYPES[entry["record"].history_type],
            "of": "record" if entry["revertible"] else "contact_point",
            "user": str(entry["record"].history_user) if entry["record"].history_user else None,
            "at": entry["record"].history_date,
            "changes": [{"field": field, "old": old, "new": new} for field, old, new in entry["changes"]],
        }
        for entry in history_entries(record, full_contacts=may_see_full_contacts(acting_user(request)))
    ]


RELATED = ("tags", "custom", "points", "contacts", "version")


def _split(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Plain field values apart from the related data the services take separately."""
    values = {key: value for key, value in data.items() if key not in RELATED and key != "customer"}
    return values, {key: data[key] for key in RELATED if key in data}


def _points(items: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    return None if items is None else [dict(item) for item in items]


# --- customers -------------------------------------------------------------------------------------------------------

updated_since = OpenApiParameter(
    "updated_since", str, description="ISO 8601 time: only records changed since (for sync clients)."
)
trashed = OpenApiParameter("trashed", bool, description="List the trash instead of living records.")
LIST_LANGUAGE = (
    "Filter language of the lists (README, “Filters and saved views”): repeat a parameter or separate values with "
    "commas for *any of*; unknown names, operators or values answer 400 naming the parameter."
)
customer_filters = [
    OpenApiParameter("q", str, description="Text search (names, pinyin …)."),
    OpenApiParameter("view", int, description="Apply a saved view's filters (parameters given here override them)."),
    OpenApiParameter("sort", str, description="name, created, updated or id; prefix - for descending."),
    OpenApiParameter(
        "level",
        str,
        description=f"Also stage, source, industry, kind, size, province, city, district: "
        f"exact (any of), `__not`, `__empty=1|0`. {LIST_LANGUAGE}",
    ),
    OpenApiParameter("owner", str, description="me, team, pool or a user id (any of)."),
    OpenApiParameter("team", str, description="Team id or none."),
    OpenApiParameter("tag", str, description="Tag names; with tag_mode=any (default), all or none."),
    OpenApiParameter("tag_mode", str, enum=["any", "all", "none"]),
    OpenApiParameter(
        "created__gte",
        str,
        description="Date or ISO time; also __lte/__gt/__lt, and updated__*, last_contacted__*, next_follow_up__*.",
    ),
    OpenApiParameter("stale_days", int, description="Not contacted for this many days (never contacted included)."),
    OpenApiParameter("overdue", bool, description="The next follow-up is past due."),
    OpenApiParameter("invalid", str, enum=["phone", "email"], description="Has an invalid phone/email."),
    OpenApiParameter("no_contact", bool, description="Has no contact (0: has one)."),
    OpenApiParameter(
        "cf_<key>",
        str,
        description="Filterable custom fields: ranges (__gte …) for numbers and dates, "
        "any of for selects, 1/0 for yes/no, __contains for text, __empty.",
    ),
]
contact_filters = [
    *customer_filters[:3],
    OpenApiParameter("customer", str, description="Customer id or none (standalone contacts)."),
    OpenApiParameter("letter", str, description="A–Z or # (first letter of the pinyin)."),
    OpenApiParameter("decision_maker", bool),
    OpenApiParameter("title__contains", str, description="Also department__contains."),
    *customer_filters[4:8],
    OpenApiParameter("invalid", str, enum=["phone", "email"]),
]
API_SORTS = {"name": "name_pinyin", "created": "created_at", "updated": "updated_at", "id": "pk"}


class SortedCursorPagination(CursorPagination):
    """Cursor pages in the order ``sort`` asks for (a few indexed keys; ties broken by id)."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> tuple[str, ...]:
        raw = request.query_params.get("sort")
        if not raw:
            return ("-pk",)
        key, sign = raw.removeprefix("-"), "-" if raw.startswith("-") else ""
        if key not in API_SORTS:
            raise ValidationError({"sort": [_("Sort by name, created, updated or id (prefix - for descending).")]})
        return (f"{sign}{API_SORTS[key]}",) if key == "id" else (f"{sign}{API_SORTS[key]}", f"{sign}pk")


class AuditedRetrieveMixin(mixins.RetrieveModelMixin):
    """Reading one record in full (phones and emails unmasked) is audited, as on the pages."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        if sees_full_contacts(request):
            record_event(
                action=AuditEvent.Action.VIEW_UNMASKED,
                request=request._request,
                target=self.get_object(),  # type: ignore[attr-defined]
            )
        return response


@extend_schema_view(
    list=extend_schema(parameters=[updated_since, trashed, *customer_filters], responses=CustomerOutput),
    retrieve=extend_schema(responses=CustomerOutput),
    create=extend_schema(
        request=CustomerInput,
        responses={201: CustomerOutput},
        parameters=[
            OpenApiParameter(
                "prevent_duplicates",
                bool,
                description="Refuse with 409 (listing them under `duplicates`) when the customer may already exist.",
            )
        ],
    ),
    partial_update=extend_schema(request=CustomerInput, responses=CustomerOutput),
    destroy=extend_schema(description="Move to the trash (restorable)."),
)
class CustomerViewSet(mixins.ListModelMixin, AuditedRetrieveMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = CustomerOutput
    pagination_class = SortedCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Customer.objects.none()
        user = acting_user(self.request)
        show_trash = self.action in ("restore", "purge") or self.request.query_params.get("trashed") in ("1", "true")
        if self.action == "list":  # the lists' filter language (and ?view=), in the caller's scope
            qs = selectors.customers_matching(user, self.request.query_params, trashed=show_trash, walk_order=True)
            return _since(selectors.with_customer_details(qs), self.request)
        qs = selectors.customer_detail_queryset(user, trashed=show_trash)
        return _since(qs, self.request)

    def create(self, request: Request) -> Response:
        data = validated(CustomerInput, request.data)
        values, related = _split(data)
        if request.query_params.get("prevent_duplicates") in ("1", "true"):
            _refuse_duplicates(request, data)
        contacts = [
            {"values": _split(contact)[0], "points": _points(contact.get("points")) or [],
             "tags": contact.get("tags", []), "custom": contact.get("custom")}
            for contact in related.get("contacts", [])
        ]  # fmt: skip
        customer = services.customer_create(
            actor=acting_user(request), values=values, tags=related.get("tags", []),
            points=_points(related.get("points")) or [], custom=related.get("custom"), contacts=contacts,
        )  # fmt: skip
        return Response(self._read(customer), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        customer = self.get_object()
        data = validated(CustomerInput, request.data, partial=True)
        values, related = _split(data)
        if "contacts" in related:
            raise ValidationError({"contacts": [_("Change contacts through /api/v1/contacts/.")]})
        services.customer_update(
            actor=acting_user(request), customer=customer, values=values, version=related.get("version"),
            tags=related.get("tags"), points=_points(related.get("points")), custom=related.get("custom"),
        )  # fmt: skip
        return Response(self._read(customer))

    def perform_destroy(self, instance: Customer) -> None:
        services.customer_delete(actor=acting_user(self.request), customer=instance)

    @extend_schema(request=None, responses=CustomerOutput)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        """Take the customer out of the trash."""
        customer = self.get_object()
        services.customer_restore(actor=acting_user(request), customer=customer)
        return Response(self._read(customer))

    @extend_schema(responses=HistoryEntry(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        """Every recorded change, newest first, with who made it."""
        return Response(HistoryEntry(_history_rows(self.get_object(), request), many=True).data)

    @extend_schema(request=RevertInput, responses=CustomerOutput)
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str) -> Response:
        """Restore the fields, tags and custom values of a past version (recorded as a new change)."""
        customer = self.get_object()
        data = validated(RevertInput, request.data)
        services.customer_revert(actor=acting_user(request), customer=customer, history_id=data["history_id"])
        return Response(self._read(customer))

    @extend_schema(request=None, responses=CustomerOutput)
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """Take a public-pool customer: you become its owner."""
        customer = self.get_object()
        services.customer_claim(actor=acting_user(request), customer=customer)
        return Response(self._read(customer))

    @extend_schema(methods=["GET"], request=None, responses=ShareSerializer(many=True))
    @extend_schema(methods=["POST"], request=ShareSerializer, responses=ShareSerializer)
    @action(detail=True, methods=["get", "post"])
    def shares(self, request: Request, pk: str) -> Response:
        """Collaborators: colleagues who see this customer (and may edit it when ``can_edit``)."""
        customer = self.get_object()
        if request.method == "GET":
            return Response(ShareSerializer(customer.shares.all(), many=True).data)
        data = validated(ShareSerializer, request.data)
        user = User.objects.filter(pk=data["user_id"]).first()
        if user is None:
            raise ValidationError({"user": [_("There is no such user.")]})
        share = services.customer_share(
            actor=acting_user(request), customer=customer, user=user, can_edit=data.get("can_edit", False)
        )
        return Response(ShareSerializer(share).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"shares/(?P<user_id>\d+)")
    def unshare(self, request: Request, pk: str, user_id: str) -> Response:
        """Remove a collaborator (or leave, with your own id)."""
        customer = self.get_object()
        share = get_object_or_404(customer.shares.select_related("user"), user_id=int(user_id))
        services.customer_unshare(actor=acting_user(request), customer=customer, user=share.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=TransferInput, responses=TransferOutput)
    @action(detail=False, methods=["post"])
    def transfer(self, request: Request) -> Response:
        """Hand every customer and standalone contact of one user to another (e.g. someone leaving)."""
        data = validated(TransferInput, request.data)
        users = {user.pk: user for user in User.objects.filter(pk__in=[data["from_user"], data["to_user"]])}
        missing = {key: [_("There is no such user.")] for key in ("from_user", "to_user") if data[key] not in users}
        if missing:
            raise ValidationError(missing)
        moved = services.records_transfer(
            actor=acting_user(request), from_user=users[data["from_user"]], to_user=users[data["to_user"]]
        )
        return Response({"customers": moved})

    def _read(self, customer: Customer) -> dict[str, Any]:
        user = acting_user(self.request)
        fresh = selectors.customer_detail_queryset(user, trashed=customer.deleted_at is not None).get(pk=customer.pk)
        return dict(self.get_serializer(fresh).data)


def _refuse_duplicates(request: Request, data: dict[str, Any]) -> None:
    """``?prevent_duplicates=1``: 409 listing the existing customers (that the caller may see) this one may repeat."""
    from kelu.quality.duplicates import possible_duplicates  # quality builds on customers

    points = [(point["kind"], point["value"]) for point in data.get("points", [])]
    points += [(p["kind"], p["value"]) for contact in data.get("contacts", []) for p in contact.get("points", [])]
    found = possible_duplicates(
        selectors.customers_visible_to(acting_user(request)), name=data.get("name", ""), points=points
    )
    if found:
        raise Conflict(
            str(_("This customer may already exist.")),
            details={"duplicates": [{"id": c.pk, "name": c.name, "reason": reason} for c, reason in found]},
        )


# --- contacts --------------------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[updated_since, trashed, *contact_filters], responses=ContactOutput),
    retrieve=extend_schema(responses=ContactOutput),
    create=extend_schema(request=ContactInput, responses={201: ContactOutput}),
    partial_update=extend_schema(request=ContactInput, responses=ContactOutput),
    destroy=extend_schema(description="Move to the trash (restorable)."),
)
class ContactViewSet(mixins.ListModelMixin, AuditedRetrieveMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = ContactOutput
    pagination_class = SortedCursorPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        user = acting_user(self.request)
        show_trash = self.action == "restore" or self.request.query_params.get("trashed") in ("1", "true")
        if self.action == "list":  # the lists' filter language (``customer=<id>`` included) and ?view=
            qs = selectors.contacts_matching(user, self.request.query_params, trashed=show_trash, walk_order=True)
        else:
            qs = selectors.contacts_visible_to(user, trashed=show_trash)
        return _since(qs.prefetch_related("points", "tags"), self.request)

    def create(self, request: Request) -> Response:
        user = acting_user(request)
        data = validated(ContactInput, request.data)
        customer = None
        if data.get("customer"):
            customer = get_object_or_404(selectors.customers_visible_to(user), pk=data["customer"])
        values, related = _split(data)
        contact = services.contact_create(
            actor=user, customer=customer, values=values, points=_points(related.get("points")) or [],
            tags=related.get("tags", []), custom=related.get("custom"),
        )  # fmt: skip
        return Response(
            self.get_serializer(self.get_queryset().get(pk=contact.pk)).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        data = validated(ContactInput, request.data, partial=True)
        if "customer" in data:
            raise ValidationError({"customer": [_("A contact cannot move to another customer here.")]})
        values, related = _split(data)
        services.contact_update(
            actor=acting_user(request), contact=contact, values=values, version=related.get("version"),
            points=_points(related.get("points")), tags=related.get("tags"), custom=related.get("custom"),
        )  # fmt: skip
        return Response(self.get_serializer(self.get_queryset().get(pk=contact.pk)).data)

    def perform_destroy(self, instance: Contact) -> None:
        services.contact_delete(actor=acting_user(self.request), contact=instance)

    @extend_schema(request=None, responses=ContactOutput)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        services.contact_restore(actor=acting_user(request), contact=contact)
        return Response(self.get_serializer(contact).data)

    @extend_schema(responses=HistoryEntry(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        return Response(HistoryEntry(_history_rows(self.get_object(), request), many=True).data)

    @extend_schema(request=RevertInput, responses=ContactOutput)
    @action(detail=True, methods=["post"])
    def revert(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        data = validated(RevertInput, request.data)
        services.contact_revert(actor=acting_user(request), contact=contact, history_id=data["history_id"])
        return Response(self.get_serializer(self.get_queryset().get(pk=contact.pk)).data)


# --- tags, custom fields, choices ------------------------------------------------------------------------------------


class TagSerializer(StrictInput, serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


@extend_schema_view(
    partial_update=extend_schema(description="Rename or recolour (administrators)."),
    destroy=extend_schema(description="Remove the tag from every record and delete it (administrators)."),
)
class TagViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TagSerializer
    queryset = Tag.objects.all()
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self) -> list[Any]:
        # Tagging creates tags on the fly, so anyone who writes may add one; the rest changes every record.
        return [WritableRole() if self.action == "create" else AdministratorsChange()]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.tag_save(actor=acting_user(self.request), tag=Tag(**serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        tag = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(tag, key, value)
        services.tag_save(actor=acting_user(self.request), tag=tag)

    def perform_destroy(self, instance: Tag) -> None:
        services.tag_delete(actor=acting_user(self.request), tag=instance)


class FieldDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FieldDefinition
        fields = [
            "id", "entity", "key", "label_zh", "label_en", "type", "options", "is_required", "is_unique",
            "show_in_list", "is_filterable", "position", "is_active",
        ]  # fmt: skip


class FieldDefinitionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Custom field definitions. Everyone reads them; administrators change them. Deactivate instead of delete."""

    serializer_class = FieldDefinitionSerializer
    queryset = FieldDefinition.objects.all()
    permission_classes = [AdministratorsChange]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        self._save(serializer, FieldDefinition(**serializer.validated_data))

    def perform_update(self, serializer: Any) -> None:
        definition = serializer.instance
        for key, value in serializer.validated_data.items():
            setattr(definition, key, value)
        self._save(serializer, definition)

    def _save(self, serializer: Any, definition: FieldDefinition) -> None:
        user = acting_user(self.request)
        serializer.instance = services.field_definition_save(actor=user, definition=definition)


class ChoiceOptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChoiceOption
        fields = ["id", "field", "key", "label_zh", "label_en", "position", "is_active"]


class ChoiceOptionViewSet(FieldDefinitionViewSet):
    """Options of the built-in choice fields (level, stage, source, industry)."""

    serializer_class = ChoiceOptionSerializer  # type: ignore[assignment]
    queryset = ChoiceOption.objects.all()  # type: ignore[assignment]

    def _save(self, serializer: Any, definition: Any) -> None:
        user = acting_user(self.request)
        serializer.instance = services.choice_option_save(actor=user, option=definition)

    def perform_create(self, serializer: Any) -> None:
        self._save(serializer, ChoiceOption(**serializer.validated_data))


# --- helpers ---------------------------------------------------------------------------------------------------------


def _since(qs: Any, request: Request) -> Any:
    raw = request.query_params.get("updated_since")
    if not raw:
        return qs
    try:
        moment = parse_datetime(raw)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError({"updated_since": [_("Use an ISO 8601 time, e.g. 2026-01-31T08:00:00Z.")]})
    return qs.filter(updated_at__gte=moment)


# --- saved views -----------------------------------------------------------------------------------------------------


class SavedViewSerializer(StrictInput, serializers.ModelSerializer):
    filters = serializers.DictField(
        required=False, help_text=_('Filter-language parameters and q, e.g. {"level": ["a"], "stale_days": ["30"]}.')
    )
    columns = serializers.ListField(child=serializers.CharField(), required=False)
    team = serializers.IntegerField(
        source="team_id", required=False, allow_null=True, help_text=_("Team id to share with; null = only you.")
    )
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    pinned = serializers.BooleanField(required=False, help_text=_("Pinned to your sidebar (for you only)."))

    class Meta:
        model = SavedView
        fields = [
            "id", "entity", "name", "filters", "sort", "columns", "layout", "team", "owner", "pinned", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def to_representation(self, instance: SavedView) -> dict[str, Any]:
        data = super().to_representation(instance)
        user = acting_user(self.context["request"])
        data["pinned"] = any(pinned.pk == user.pk for pinned in instance.pinned_by.all())
        return data


@extend_schema_view(
    list=extend_schema(
        description="Your views and the views shared with your teams.",
        parameters=[OpenApiParameter("entity", str, enum=["customer", "contact"])],
    ),
    partial_update=extend_schema(description="Rename, (un)share or change a view (its owner); `pinned` for yourself."),
    destroy=extend_schema(description="Delete a view (its owner)."),
)
class SavedViewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    mixins.DestroyModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """Saved views of the customer and contact lists. Apply one with ``?view=<id>`` on /customers/ or /contacts/;
    it always runs inside the scope of the user applying it."""

    serializer_class = SavedViewSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return SavedView.objects.none()
        entity = self.request.query_params.get("entity")
        qs = selectors.saved_views_visible_to(acting_user(self.request), entity or None)
        return qs.prefetch_related("pinned_by")

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        pinned = data.pop("pinned", None)
        view = SavedView(**data)
        serializer.instance = services.saved_view_save(actor=acting_user(self.request), view=view, pinned=pinned)

    def perform_update(self, serializer: Any) -> None:
        view, user = serializer.instance, acting_user(self.request)
        data = dict(serializer.validated_data)
        pinned = data.pop("pinned", None)
        if data:
            for key, value in data.items():
                setattr(view, key, value)
            services.saved_view_save(actor=user, view=view)
        if pinned is not None:
            services.saved_view_pin(actor=user, view=view, pinned=pinned)
        serializer.instance = self.get_queryset().get(pk=view.pk)

    def perform_destroy(self, instance: SavedView) -> None:
        services.saved_view_delete(actor=acting_user(self.request), view=instance)
