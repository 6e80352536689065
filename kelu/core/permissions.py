"""Who may see and change which records: the rules, written once, that every selector and service applies.

admin: everything · manager: records of their teams and the public pool; may edit them and reassign owners within
their teams · sales: own records, records shared with them (collaborators) and the public pool (visible, claimable,
not editable until claimed) · viewer: records of their teams, read-only.

Anyone may additionally see the customers shared with them; ``CustomerShare.can_edit`` lets them edit those too.
"""

from typing import Any, Protocol

from django.db.models import Q, QuerySet

from kelu.accounts.models import Role, User


class CustomerLike(Protocol):
    pk: int
    owner_id: int | None
    team_id: int | None


def team_member_ids(user: User) -> list[int]:
    return list(User.objects.filter(teams__in=user.teams.all()).values_list("id", flat=True).distinct())


def shared_customer_ids(user: User, *, editable: bool = False) -> QuerySet[Any]:
    """A subquery of the ids of customers shared with the user (lazy import: customers depends on core)."""
    from kelu.customers.models import CustomerShare

    shares = CustomerShare.objects.filter(user=user)
    if editable:
        shares = shares.filter(can_edit=True)
    return shares.values("customer_id")


def record_scope(user: User, prefix: str = "", *, has_team: bool = True) -> Q:
    """The records (customers, or ``prefix``-ed relations to them) the user may see, as a filter.

    ``has_team=False`` for records that only have an owner (contacts of no customer); they cannot be shared.
    """
    role = user.role_id
    if role == Role.Key.ADMIN:
        return Q()
    own = Q(**{f"{prefix}owner": user})
    if has_team:
        own |= Q(**{f"{prefix}pk__in": shared_customer_ids(user)})
    public_pool = Q(**{f"{prefix}owner__isnull": True})
    if role == Role.Key.SALES:
        return own | public_pool
    teams = Q(**{f"{prefix}owner__in": team_member_ids(user)})
    if has_team:
        teams |= Q(**{f"{prefix}team__in": list(user.teams.values_list("id", flat=True))})
    if role == Role.Key.MANAGER:
        return own | teams | public_pool
    return own | teams


def may_edit(user: User, *, owner_id: int | None, team_id: int | None, customer_id: int | None = None) -> bool:
    """Edit rights on a record the user can already see (``customer_id`` when the record can be shared)."""
    role = user.role_id
    if role == Role.Key.VIEWER:
        return False
    if role == Role.Key.ADMIN or (owner_id is not None and owner_id == user.pk):
        return True
    if role == Role.Key.MANAGER and (
        owner_id is None
        or owner_id in team_member_ids(user)
        or (team_id is not None and user.teams.filter(pk=team_id).exists())
    ):
        return True
    return customer_id is not None and shared_customer_ids(user, editable=True).filter(customer_id=customer_id).exists()


def may_delete(user: User, *, owner_id: int | None, team_id: int | None) -> bool:
    """Deleting is the owner's (or a manager's/admin's) decision, never a collaborator's."""
    if not user.role.can_delete or not may_edit(user, owner_id=owner_id, team_id=team_id):
        return False
    return user.role_id != Role.Key.SALES or owner_id == user.pk


def may_claim(user: User, *, owner_id: int | None) -> bool:
    """Anyone who may write can take a customer out of the public pool."""
    return owner_id is None and user.role_id != Role.Key.VIEWER


def is_read_only(user: User) -> bool:
    """Read-only roles change nothing but their own account (profile, password, language, tokens)."""
    return user.role_id == Role.Key.VIEWER


def may_see_full_contacts(user: User) -> bool:
    """Phones, emails and WeChat IDs in full; otherwise masked everywhere (pages, API, search, exports)."""
    return user.role_id == Role.Key.ADMIN or user.role.can_see_full_contacts


def assignable_owner_ids(user: User) -> list[int] | None:
    """Users this user may make owner of a record; None means anyone."""
    if user.role_id == Role.Key.ADMIN:
        return None
    if user.role_id == Role.Key.MANAGER:
        return [*team_member_ids(user), user.pk]
    return [user.pk]


def may_edit_customer(user: User, customer: "CustomerLike") -> bool:
    return may_edit(user, owner_id=customer.owner_id, team_id=customer.team_id, customer_id=customer.pk)


def may_delete_customer(user: User, customer: "CustomerLike") -> bool:
    return may_delete(user, owner_id=customer.owner_id, team_id=customer.team_id)


def may_edit_contact(user: User, contact: Any) -> bool:
    """A contact of a customer follows its customer; a standalone contact its owner."""
    parent = contact.customer if contact.customer_id else contact
    return may_edit(
        user, owner_id=parent.owner_id, team_id=getattr(parent, "team_id", None), customer_id=contact.customer_id
    )


def may_delete_contact(user: User, contact: Any) -> bool:
    return user.role.can_delete and may_edit_contact(user, contact)
