"""Where each column of a file goes: targets, suggestions from header names (Chinese and English), Google Contacts and
Outlook exports recognised by their headers, and the checks on a mapping a user sends."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kelu.accounts.models import Role, User
from kelu.customers.models import FieldDefinition
from kelu.customers.selectors import field_definitions

IGNORE = "ignore"
CUSTOMER_TARGETS = {
    "customer.name": gettext_lazy("Customer (company) name"),
    "customer.level": gettext_lazy("Level"),
    "customer.stage": gettext_lazy("Lifecycle stage"),
    "customer.source": gettext_lazy("Source channel"),
    "customer.industry": gettext_lazy("Industry"),
    "customer.province": gettext_lazy("Province"),
    "customer.city": gettext_lazy("City"),
    "customer.district": gettext_lazy("District"),
    "customer.address": gettext_lazy("Address"),
    "customer.website": gettext_lazy("Website"),
    "customer.size": gettext_lazy("Size"),
    "customer.notes": gettext_lazy("Customer notes"),
    "customer.tags": gettext_lazy("Tags"),
    "customer.owner": gettext_lazy("Owner (user name)"),
}
CONTACT_TARGETS = {
    "contact.name": gettext_lazy("Contact name"),
    "contact.family_name": gettext_lazy("Contact family name"),
    "contact.given_name": gettext_lazy("Contact given name"),
    "contact.title": gettext_lazy("Job title"),
    "contact.department": gettext_lazy("Department"),
    "contact.birthday": gettext_lazy("Birthday"),
    "contact.wechat": gettext_lazy("WeChat"),
    "contact.notes": gettext_lazy("Contact notes"),
}
POINT_TARGETS = {"phone": gettext_lazy("Phone"), "email": gettext_lazy("Email")}
SIMPLE_TARGETS = {IGNORE: gettext_lazy("Ignore"), **CUSTOMER_TARGETS, **CONTACT_TARGETS, **POINT_TARGETS}

# Header words, normalised (lower case, no spaces or punctuation), and where they point; phones and emails with label.
_SUGGESTIONS: dict[str, tuple[str, str]] = {}


def _suggest(target: str, label: str, *names: str) -> None:
    for name in names:
        _SUGGESTIONS[normalize_header(name)] = (target, label)


def normalize_header(text: str) -> str:
    from kelu.core.text import to_halfwidth

    return re.sub(r"[\s\W_]+", "", to_halfwidth(str(text)).lower())


_suggest("customer.name", "", "客户名称", "客户", "客户名", "公司", "公司名称", "公司名", "企业名称", "企业", "单位",
         "单位名称", "机构", "Company", "Company Name", "Organization", "Organization Name", "Organization 1 - Name",
         "Organisation", "Account", "Account Name", "Customer", "Customer Name")  # fmt: skip
_suggest("contact.name", "", "联系人", "姓名", "名字", "联系人姓名", "联系人名称", "Name", "Full Name", "Contact",
         "Contact Name", "Display Name")  # fmt: skip
_suggest("contact.family_name", "", "姓", "姓氏", "Last Name", "Family Name", "Surname")
_suggest("contact.given_name", "", "名", "First Name", "Given Name")
_suggest("contact.title", "", "职位", "职务", "头衔", "岗位", "Title", "Job Title", "Position", "Organization Title",
         "Organization 1 - Title")  # fmt: skip
_suggest("contact.department", "", "部门", "Department", "Organization Department", "Organization 1 - Department")
_suggest("contact.birthday", "", "生日", "出生日期", "Birthday", "Date of Birth")
_suggest("contact.wechat", "", "微信", "微信号", "WeChat", "WeChat ID", "Wechat")
_suggest("contact.notes", "", "联系人备注")
_suggest("phone", "手机", "手机", "手机号", "手机号码", "移动电话", "Mobile", "Mobile Phone", "Cell", "Cell Phone",
         "Mobile Number")  # fmt: skip
_suggest("phone", "办公", "电话", "办公电话", "固话", "座机", "联系电话", "公司电话", "Phone", "Telephone", "Tel",
         "Work Phone", "Business Phone", "Business Phone 2", "Office Phone", "Company Main Telephone")  # fmt: skip
_suggest("phone", "总机", "总机")
_suggest("phone", "家庭", "家庭电话", "住宅电话", "Home Phone", "Home Phone 2")
_suggest("phone", "传真", "传真", "Fax", "Business Fax", "Home Fax")
_suggest("phone", "", "其他电话", "Other Phone", "Primary Phone")
_suggest("email", "工作", "邮箱", "电子邮箱", "电子邮件", "邮件", "Email", "E-mail", "Email Address",
         "E-mail Address", "Work Email", "Business Email")  # fmt: skip
_suggest("email", "个人", "个人邮箱", "Home Email", "Personal Email", "E-mail 2 Address")
_suggest("email", "", "E-mail 3 Address", "Other Email")
_suggest("customer.level", "", "客户等级", "等级", "级别", "客户级别", "Level", "Rating", "Customer Level")
_suggest("customer.stage", "", "客户阶段", "阶段", "生命周期", "客户状态", "Stage", "Lifecycle Stage", "Status")
_suggest("customer.source", "", "来源", "客户来源", "渠道", "来源渠道", "Source", "Lead Source", "Channel")
_suggest("customer.industry", "", "行业", "所属行业", "Industry")
_suggest("customer.province", "", "省", "省份", "所在省份", "Province", "State", "Business State")
_suggest("customer.city", "", "市", "城市", "所在城市", "City", "Business City")
_suggest("customer.district", "", "区", "区县", "District")
_suggest("customer.address", "", "地址", "详细地址", "公司地址", "通讯地址", "Address", "Street", "Business Street",
         "Address 1 - Formatted", "Business Address")  # fmt: skip
_suggest("customer.website", "", "网站", "网址", "官网", "主页", "Website", "Web Page", "Web Site", "URL",
         "Website 1 - Value")  # fmt: skip
_suggest("customer.size", "", "规模", "公司规模", "人数", "员工人数", "Size", "Company Size", "Employees")
_suggest("customer.notes", "", "备注", "说明", "描述", "Notes", "Note", "Comments", "Description")
_suggest("customer.tags", "", "标签", "分组", "分类", "Tags", "Labels", "Categories", "Group Membership")
_suggest("customer.owner", "", "负责人", "所有者", "归属人", "销售", "销售人员", "客户经理", "Owner", "Account Owner",
         "Sales Rep")  # fmt: skip
# vCard columns (see vcards.HEADERS)
_suggest("contact.name", "", "Full name")
_suggest("customer.name", "", "Organization")
_suggest("phone", "手机", "Mobile phone")
_suggest("phone", "办公", "Work phone")
_suggest("phone", "家庭", "Home phone")
_suggest("phone", "传真", "Fax")
_suggest("phone", "", "Other phone")
_suggest("email", "工作", "Work email")
_suggest("email", "个人", "Home email")
_suggest("email", "", "Other email")

_GOOGLE_POINT = re.compile(r"^(phone|e-mail) (\d+) - (value|label|type)$", re.IGNORECASE)


def recognise(headers: list[str]) -> str:
    """ "google" or "outlook" when the headers are those of their contact exports, else ""."""
    names = {header.strip().lower() for header in headers}
    if any(_GOOGLE_POINT.match(header.strip()) for header in headers) and (
        {"first name", "given name", "name"} & names
    ):
        return "google"
    if {"e-mail address", "job title"} <= names and ({"business phone", "mobile phone"} & names):
        return "outlook"
    return ""


def suggest(headers: list[str], *, owner_column: bool = False) -> list[dict[str, Any]]:
    """A mapping entry per column: the target its header suggests (custom fields by label or key), else ignore.

    An owner column is suggested only to those who may import owners (``owner_column``).
    """
    custom = _custom_by_name()
    layout = recognise(headers)
    entries: list[dict[str, Any]] = []
    taken: set[str] = set()
    for header in headers:
        entry: dict[str, Any] = {"target": IGNORE, "label": ""}
        key = normalize_header(header)
        google = _GOOGLE_POINT.match(header.strip())
        if layout == "outlook" and key == "title":
            entry = {"target": IGNORE, "label": ""}  # Outlook's "Title" is the salutation (Mr., Dr.)
        elif google:
            kind = "phone" if google.group(1).lower() == "phone" else "email"
            if google.group(3).lower() == "value":
                label_header = f"{google.group(1)} {google.group(2)} - "
                label_column = next(
                    (i for i, h in enumerate(headers) if h.strip().lower() in
                     (label_header.lower() + "label", label_header.lower() + "type")), None,
                )  # fmt: skip
                entry = {"target": kind, "label": "", "label_column": label_column}
        elif key in custom:
            entry = {"target": custom[key], "label": ""}
        elif key in _SUGGESTIONS:
            target, label = _SUGGESTIONS[key]
            entry = {"target": target, "label": label}
        if entry["target"] == "customer.owner" and not owner_column:
            entry = {"target": IGNORE, "label": ""}
        single = entry["target"] not in ("phone", "email", "customer.tags", IGNORE)
        if single and entry["target"] in taken:
            entry = {"target": IGNORE, "label": ""}  # a second "Name" column would overwrite the first
        taken.add(entry["target"])
        entries.append(entry)
    return entries


def _custom_by_name() -> dict[str, str]:
    found: dict[str, str] = {}
    for entity in (FieldDefinition.Entity.CUSTOMER, FieldDefinition.Entity.CONTACT):
        for definition in field_definitions(entity):
            target = f"custom.{entity}.{definition.key}"
            for name in (definition.key, definition.label_zh, definition.label_en):
                if name:
                    found.setdefault(normalize_header(name), target)
    return found


def target_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped targets for the mapping form."""
    groups: list[tuple[str, list[tuple[str, str]]]] = [
        (_("Do not import"), [(IGNORE, str(SIMPLE_TARGETS[IGNORE]))]),
        (_("Customer"), [(key, str(label)) for key, label in CUSTOMER_TARGETS.items()]),
        (_("Contact"), [(key, str(label)) for key, label in CONTACT_TARGETS.items()]),
        (_("Phone and email"), [(key, str(label)) for key, label in POINT_TARGETS.items()]),
    ]
    for entity, title in ((FieldDefinition.Entity.CUSTOMER, _("Customer custom fields")),
                          (FieldDefinition.Entity.CONTACT, _("Contact custom fields"))):  # fmt: skip
        options = [(f"custom.{entity}.{d.key}", d.label) for d in field_definitions(entity)]
        if options:
            groups.append((title, options))
    return groups


def may_map_owner(actor: User) -> bool:
    return actor.role_id in (Role.Key.ADMIN, Role.Key.MANAGER)


def clean_mapping(actor: User, headers: list[str], entries: Any) -> list[dict[str, Any]]:
    """A mapping as sent by a user, checked: one entry per column, known targets, a name column, owner rights."""
    if not isinstance(entries, list) or len(entries) != len(headers):
        raise ValidationError({"mapping": [_("Give one entry per column of the file.")]})
    valid = {key for group in target_choices() for key, _label in group[1]}
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    for index, entry in enumerate(entries):
        if isinstance(entry, str):
            entry = {"target": entry}
        if not isinstance(entry, dict):
            errors.append(_("Column “%(column)s”: give a target.") % {"column": headers[index]})
            continue
        target = str(entry.get("target") or IGNORE)
        if target not in valid:
            errors.append(
                _("Column “%(column)s”: “%(target)s” is not something a column can be imported into.")
                % {"column": headers[index], "target": target}
            )
            continue
        label_column = entry.get("label_column")
        if label_column is not None and (not isinstance(label_column, int) or not 0 <= label_column < len(headers)):
            label_column = None
        cleaned.append({"target": target, "label": str(entry.get("label") or "")[:50], "label_column": label_column})
    targets = [entry["target"] for entry in cleaned]
    for target in set(targets):
        if target not in ("phone", "email", "customer.tags", IGNORE) and targets.count(target) > 1:
            errors.append(_("“%(target)s” is chosen for more than one column.") % {"target": _target_label(target)})
    if not errors and not {"customer.name", "contact.name", "contact.family_name", "contact.given_name"} & set(targets):
        errors.append(_("Choose the column that holds the customer name or the contact name."))
    if "customer.owner" in targets and not may_map_owner(actor):
        errors.append(_("Only managers and administrators may import the owner from a column."))
    if errors:
        raise ValidationError({"mapping": errors})
    return cleaned


def _target_label(target: str) -> str:
    if target in SIMPLE_TARGETS:
        return str(SIMPLE_TARGETS[target])
    return target
