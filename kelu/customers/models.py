from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kelu.core.models import SoftDeleteModel, TimeStampedModel

key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,49}$", _("Use lower-case letters, digits and underscores, starting with a letter.")
)


class BilingualLabel(models.Model):
    label_zh = models.CharField(_("Chinese label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100, blank=True)

    class Meta:
        abstract = True

    @property
    def label(self) -> str:
        if (get_language() or "").startswith("en") and self.label_en:
            return self.label_en
        return self.label_zh


class ChoiceOption(BilingualLabel):
    """An admin-editable option of a built-in choice field (level, stage, source, industry)."""

    class Field(models.TextChoices):
        LEVEL = "level", _("Level")
        STAGE = "stage", _("Lifecycle stage")
        SOURCE = "source", _("Source channel")
        INDUSTRY = "industry", _("Industry")

    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    key = models.CharField(_("key"), max_length=50, validators=[key_validator])
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["field", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["field", "key"], name="choice_option_unique_key")]
        verbose_name = _("choice option")
        verbose_name_plural = _("choice options")

    def __str__(self) -> str:
        return self.label


class FieldDefinition(BilingualLabel, TimeStampedModel):
    """An admin-defined custom field of customers or contacts; values live in the record's ``custom`` JSON."""

    class Entity(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        CONTACT = "contact", _("Contact")

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        LONG_TEXT = "long_text", _("Long text")
        INTEGER = "integer", _("Integer")
        DECIMAL = "decimal", _("Decimal")
        DATE = "date", _("Date")
        DATETIME = "datetime", _("Date and time")
        BOOLEAN = "boolean", _("Yes/no")
        SINGLE_SELECT = "single_select", _("Single select")
        MULTI_SELECT = "multi_select", _("Multiple select")
        URL = "url", _("URL")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        USER = "user", _("User")

    SELECT_TYPES = (Type.SINGLE_SELECT, Type.MULTI_SELECT)

    entity = models.CharField(_("record type"), max_length=20, choices=Entity.choices)
    key = models.CharField(_("key"), max_length=50, validators=[key_validator])
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    # For select types: [{"key": "...", "label_zh": "...", "label_en": "..."}]
    options = models.JSONField(_("options"), default=list, blank=True)
    is_required = models.BooleanField(_("required"), default=False)
    is_unique = models.BooleanField(_("unique"), default=False)
    show_in_list = models.BooleanField(_("shown in list"), default=False)
    is_filterable = models.BooleanField(_("filterable"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    # Removing a field hides it; stored values stay in the records and come back if it is re-activated.
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["entity", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="field_definition_unique_key")]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label

    def option_label(self, key: str) -> str:
        for option in self.options:
            if option.get("key") == key:
                if (get_language() or "").startswith("en") and option.get("label_en"):
                    return str(option["label_en"])
                return str(option.get("label_zh") or key)
        return key


class Tag(models.Model):
    class Color(models.TextChoices):
        BLUE = "blue", _("Blue")
        GREEN = "green", _("Green")
        RED = "red", _("Red")
        ORANGE = "orange", _("Orange")
        PURPLE = "purple", _("Purple")
        TEAL = "teal", _("Teal")
        GRAY = "gray", _("Gray")

    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=10, choices=Color.choices, default=Color.BLUE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


# Kept as module names because the services record a save and its tag changes as one history entry
# (django-simple-history would otherwise write one entry for the fields and another for the tags).
customer_history = HistoricalRecords(
    excluded_fields=["name_pinyin", "name_initials", "updated_at", "version"], m2m_fields=["tags"]
)
contact_history = HistoricalRecords(
    excluded_fields=["name_pinyin", "name_initials", "sort_letter", "updated_at", "version"], m2m_fields=["tags"]
)


class Customer(TimeStampedModel, SoftDeleteModel):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company")
        INDIVIDUAL = "individual", _("Individual")

    class Size(models.TextChoices):
        MICRO = "1-9", _("1–9 employees")
        SMALL = "10-49", _("10–49 employees")
        MEDIUM = "50-199", _("50–199 employees")
        LARGE = "200-999", _("200–999 employees")
        HUGE = "1000+", _("1000+ employees")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPANY)
    name = models.CharField(_("name"), max_length=200)
    name_pinyin = models.CharField(max_length=600, blank=True, editable=False)
    name_initials = models.CharField(max_length=200, blank=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="owned_customers", verbose_name=_("owner"),
        help_text=_("Empty: the customer is in the public pool."),
    )  # fmt: skip
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="customers",
        verbose_name=_("team"),
    )  # fmt: skip
    level = models.CharField(_("level"), max_length=50, blank=True)
    stage = models.CharField(_("lifecycle stage"), max_length=50, blank=True)
    source = models.CharField(_("source channel"), max_length=50, blank=True)
    industry = models.CharField(_("industry"), max_length=50, blank=True)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True, db_index=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    # Optimistic locking: a write based on an older version is refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField(_("version"), default=1)

    history = customer_history

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "deleted_at"], name="customer_owner_alive"),
            models.Index(fields=["team", "deleted_at"], name="customer_team_alive"),
            models.Index(fields=["name"], name="customer_name"),
            # Keyset pages of the list: (sort key, id) over living customers, for each common sort.
            models.Index(fields=["name_pinyin", "id"], name="customer_pinyin_alive", condition=Q(deleted_at=None)),
            models.Index(fields=["updated_at", "id"], name="customer_updated_alive", condition=Q(deleted_at=None)),
            models.Index(fields=["created_at", "id"], name="customer_created_alive", condition=Q(deleted_at=None)),
            models.Index(fields=["deleted_at", "id"], name="customer_trash", condition=Q(deleted_at__isnull=False)),
        ]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:detail", args=[self.pk])


class Contact(TimeStampedModel, SoftDeleteModel):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts",
        verbose_name=_("customer"),
    )  # fmt: skip
    # Owner of a contact that belongs to no customer; a customer's contacts follow the customer's owner.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_contacts",
        verbose_name=_("owner"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(max_length=300, blank=True, editable=False)
    name_initials = models.CharField(max_length=100, blank=True, editable=False)
    sort_letter = models.CharField(max_length=1, blank=True, editable=False, db_index=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("created by"),
    )  # fmt: skip
    version = models.PositiveIntegerField(_("version"), default=1)

    history = contact_history

    class Meta:
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["customer", "deleted_at"], name="contact_customer_alive"),
            models.Index(fields=["owner", "deleted_at"], name="contact_owner_alive"),
            models.Index(fields=["name_pinyin", "id"], name="contact_pinyin_alive", condition=Q(deleted_at=None)),
            models.Index(
                fields=["sort_letter", "name_pinyin", "id"], name="contact_letter_alive", condition=Q(deleted_at=None)
            ),
            models.Index(fields=["deleted_at", "id"], name="contact_trash", condition=Q(deleted_at__isnull=False)),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("customers:contact_detail", args=[self.pk])


class ContactPoint(TimeStampedModel):
    """A phone, email, WeChat ID or other address of a contact, or a customer's main line."""

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="points")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="points")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=50, blank=True)
    value = models.CharField(_("value"), max_length=300)
    normalized = models.CharField(_("normalised value"), max_length=300, blank=True, db_index=True)
    is_valid = models.BooleanField(_("valid"), default=True)
    problem = models.CharField(_("problem"), max_length=30, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False, contact__isnull=True)
                | Q(customer__isnull=True, contact__isnull=False),
                name="contact_point_has_one_parent",
            )
        ]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")

    def __str__(self) -> str:
        return self.value

    @property
    def problem_message(self) -> Any:
        from kelu.customers.normalization import problem_message

        return problem_message(self.kind, self.problem)


class CustomerShare(models.Model):
    """A collaborator on someone else's customer: sees it (and its contacts), and may edit it when ``can_edit``."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares", verbose_name=_("customer"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_shares", verbose_name=_("user")
    )
    can_edit = models.BooleanField(_("may edit"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("shared by"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("shared at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "customer"], name="customer_share_unique")]
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")

    def __str__(self) -> str:
        return f"{self.customer} → {self.user}"


class SavedView(TimeStampedModel):
    """A named list state (filters, text query, sort, columns, layout), personal or shared with a team.

    A view holds parameters only: it always runs inside the scope of the user who opens it, so sharing one never
    shows anybody more than they could see anyway.
    """

    class Layout(models.TextChoices):
        TABLE = "table", _("List")
        CARDS = "cards", _("Cards")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("owner")
    )
    entity = models.CharField(_("record type"), max_length=20, choices=FieldDefinition.Entity.choices)
    name = models.CharField(_("name"), max_length=100)
    # {parameter: [values]} of the filter language, the text query ``q`` included (kelu/customers/filters.py).
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort"), max_length=60, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    layout = models.CharField(_("layout"), max_length=10, choices=Layout.choices, default=Layout.TABLE)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="saved_views",
        verbose_name=_("shared with team"), help_text=_("Empty: only you see this view."),
    )  # fmt: skip
    pinned_by = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="pinned_views", verbose_name=_("pinned by")
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "entity", "name"], name="saved_view_unique_name"),
        ]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return list_url(self.entity, view=self.pk)


def list_url(entity: str, *, view: int | None = None) -> str:
    """The address of the contact list for contacts, else of the customer list; with ``view``, opened on that saved
    view."""
    url = reverse("customers:contacts" if entity == FieldDefinition.Entity.CONTACT else "customers:list")
    return f"{url}?view={view}" if view is not None else url
