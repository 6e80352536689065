from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.accounts import services
from kelu.accounts.models import Role, Team, User
from kelu.core.api import StrictInput, acting_user


class MeOutput(serializers.ModelSerializer):
    role = serializers.CharField(source="role_id")
    teams = serializers.SlugRelatedField[Team](many=True, read_only=True, slug_field="name")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "role", "teams", "language", "time_zone"]


class MeInput(StrictInput, serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["display_name", "language", "time_zone"]


@extend_schema(responses=MeOutput, request=MeInput, methods=["PATCH"])
@extend_schema(responses=MeOutput, methods=["GET"])
@api_view(["GET", "PATCH"])
@permission_classes([IsAuthenticated])  # one's own preferences, also for read-only roles
def me(request: Request) -> Response:
    """The user the request is authenticated as."""
    user = acting_user(request)
    if request.method == "PATCH":
        data = MeInput(instance=user, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {field: data.validated_data.get(field, getattr(user, field)) for field in MeInput.Meta.fields}
        services.user_update_preferences(user=user, **values)
    return Response(MeOutput(user).data)


# --- administration: users and roles ---------------------------------------------------------------------------------


class UserOutput(serializers.ModelSerializer):
    role = serializers.CharField(source="role_id")
    teams = serializers.SlugRelatedField[Team](many=True, read_only=True, slug_field="name")

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "email", "role", "teams", "is_active", "last_login"]


class UserInput(StrictInput):
    username = serializers.CharField(max_length=150, required=False)
    display_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.Key.choices, required=False)
    teams = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(required=False, write_only=True, help_text=_("Generated when not given."))


class RoleOutput(serializers.ModelSerializer):
    class Meta:
        model = Role
        fields = ["key", "can_import", "can_export", "can_delete", "can_see_full_contacts", "require_2fa"]


class RoleInput(StrictInput):
    can_import = serializers.BooleanField(required=False)
    can_export = serializers.BooleanField(required=False)
    can_delete = serializers.BooleanField(required=False)
    can_see_full_contacts = serializers.BooleanField(required=False)
    require_2fa = serializers.BooleanField(required=False)


def _admin_only(request: Request) -> User:
    user = acting_user(request)
    if not user.is_admin:
        raise exceptions.PermissionDenied(_("Only administrators may manage users and roles."))
    return user


@extend_schema(methods=["GET"], responses=UserOutput(many=True))
@extend_schema(methods=["POST"], request=UserInput, responses={201: UserOutput})
@api_view(["GET", "POST"])
def users(request: Request) -> Response:
    """Administrators: every user, and adding one (its password is returned once when generated)."""
    _admin_only(request)
    if request.method == "GET":
        return Response(UserOutput(User.objects.prefetch_related("teams").order_by("username"), many=True).data)
    data = UserInput(data=request.data)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    if "username" not in values or "role" not in values:
        raise exceptions.ValidationError({key: [_("This field is required.")] for key in ("username", "role")})
    user, password = services.user_create(
        username=values["username"], role=values["role"], teams=values.get("teams", ()),
        display_name=values.get("display_name", ""), email=values.get("email", ""), password=values.get("password"),
    )  # fmt: skip
    body = dict(UserOutput(user).data)
    if "password" not in values:
        body["password"] = password
    return Response(body, status=status.HTTP_201_CREATED)


@extend_schema(methods=["GET"], responses=UserOutput)
@extend_schema(methods=["PATCH"], request=UserInput, responses=UserOutput)
@api_view(["GET", "PATCH"])
def user_detail(request: Request, pk: int) -> Response:
    """Administrators: one user; change role, teams, activity (audited; applies on the next request)."""
    actor = _admin_only(request)
    user = get_object_or_404(User, pk=pk)
    if request.method == "PATCH":
        data = UserInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if "username" in values or "password" in values:
            raise exceptions.ValidationError({key: [_("This field cannot be set here.")] for key in values
                                              if key in ("username", "password")})  # fmt: skip
        services.user_update(actor=actor, user=user, **values)
    return Response(UserOutput(user).data)


@extend_schema(responses=RoleOutput(many=True))
@api_view(["GET"])
def roles(request: Request) -> Response:
    _admin_only(request)
    return Response(RoleOutput(Role.objects.all(), many=True).data)


@extend_schema(request=RoleInput, responses=RoleOutput)
@api_view(["PATCH"])
def role_detail(request: Request, key: str) -> Response:
    """Administrators: a role's rights (audited; apply on the next request)."""
    actor = _admin_only(request)
    role = get_object_or_404(Role, key=key)
    data = RoleInput(data=request.data, partial=True)
    data.is_valid(raise_exception=True)
    services.role_update(actor=actor, role=role, flags=dict(data.validated_data))
    return Response(RoleOutput(role).data)
