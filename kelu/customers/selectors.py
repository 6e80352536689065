"""Every read of customer data, always scoped by the acting user (DESIGN.md §5)."""

from django.db.models import Prefetch, Q, QuerySet

from kelu.accounts.models import User
from kelu.core.permissions import record_scope
from kelu.customers.models import ChoiceOption, Contact, ContactPoint, Customer, FieldDefinition, Tag


def customers_visible_to(user: User, *, trashed: bool = False) -> QuerySet[Customer]:
    qs = Customer.objects.filter(record_scope(user))
    return qs.filter(deleted_at__isnull=not trashed)


def customer_detail_queryset(user: User, *, trashed: bool = False) -> QuerySet[Customer]:
    return (
        customers_visible_to(user, trashed=trashed)
        .select_related("owner", "team", "created_by")
        .prefetch_related(
            "tags",
            "points",
            Prefetch(
                "contacts",
                queryset=Contact.objects.filter(deleted_at__isnull=True)
                .prefetch_related("points", "tags")
                .order_by("-is_primary", "name_pinyin", "id"),
            ),
        )
    )


def contact_scope(user: User) -> Q:
    """Contacts of visible, living customers, and standalone contacts whose owner the user may see."""
    of_customer = Q(customer__isnull=False, customer__deleted_at__isnull=True) & record_scope(user, "customer__")
    standalone = Q(customer__isnull=True) & record_scope(user, has_team=False)
    return of_customer | standalone


def contacts_visible_to(user: User, *, trashed: bool = False) -> QuerySet[Contact]:
    return Contact.objects.filter(contact_scope(user), deleted_at__isnull=not trashed)


def points_visible_to(user: User) -> QuerySet[ContactPoint]:
    return ContactPoint.objects.filter(
        Q(customer__in=customers_visible_to(user)) | Q(contact__in=contacts_visible_to(user))
    )


def choice_options(field: str, *, include_inactive: bool = False) -> list[ChoiceOption]:
    qs = ChoiceOption.objects.filter(field=field)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs)


def choice_labels() -> dict[str, dict[str, str]]:
    """{field: {key: label}} including inactive options, so old values still read well."""
    labels: dict[str, dict[str, str]] = {}
    for option in ChoiceOption.objects.all():
        labels.setdefault(option.field, {})[option.key] = option.label
    return labels


def field_definitions(entity: str, *, include_inactive: bool = False) -> list[FieldDefinition]:
    qs = FieldDefinition.objects.filter(entity=entity)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs)


def tags_all() -> QuerySet[Tag]:
    return Tag.objects.all()
