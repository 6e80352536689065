"""Who may see and change which records: the rules, written once, that every selector and service applies.

admin: everything · manager: records of their teams (and the public pool) · sales: own records and the public pool ·
viewer: records of their teams, read-only.
"""

from django.db.models import Q

from kelu.accounts.models import Role, User


def team_member_ids(user: User) -> list[int]:
    return list(User.objects.filter(teams__in=user.teams.all()).values_list("id", flat=True).distinct())


def record_scope(user: User, prefix: str = "", *, has_team: bool = True) -> Q:
    """The records (customers, or ``prefix``-ed relations to them) the user may see, as a filter.

    ``has_team=False`` for records that only have an owner (contacts of no customer).
    """
    role = user.role_id
    if role == Role.Key.ADMIN:
        return Q()
    public_pool = Q(**{f"{prefix}owner__isnull": True})
    if role == Role.Key.SALES:
        return Q(**{f"{prefix}owner": user}) | public_pool
    team_ids = list(user.teams.values_list("id", flat=True))
    teams = Q(**{f"{prefix}owner__in": team_member_ids(user)})
    if has_team:
        teams |= Q(**{f"{prefix}team__in": team_ids})
    if role == Role.Key.MANAGER:
        return teams | public_pool
    return teams | Q(**{f"{prefix}owner": user})


def may_edit(user: User, *, owner_id: int | None, team_id: int | None) -> bool:
    """Edit rights on a record the user can already see."""
    role = user.role_id
    if role == Role.Key.ADMIN or role == Role.Key.MANAGER:
        return True
    if role == Role.Key.SALES:
        return owner_id == user.pk
    return False


def may_delete(user: User, *, owner_id: int | None, team_id: int | None) -> bool:
    return user.role.can_delete and may_edit(user, owner_id=owner_id, team_id=team_id)


def assignable_owner_ids(user: User) -> list[int] | None:
    """Users this user may make owner of a record; None means anyone."""
    if user.role_id == Role.Key.ADMIN:
        return None
    if user.role_id == Role.Key.MANAGER:
        return [*team_member_ids(user), user.pk]
    return [user.pk]
