from kelu.accounts.models import ApiToken, User


def tokens_of(user: User) -> "list[ApiToken]":
    return list(ApiToken.objects.filter(user=user))


def user_by_token(raw: str) -> tuple[User, ApiToken] | None:
    token = ApiToken.objects.active().matching(raw).select_related("user").first()
    if token is None:
        return None
    return token.user, token
