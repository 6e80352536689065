from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from kelu.accounts import services
from kelu.accounts.models import Team, User
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
