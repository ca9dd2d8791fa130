"""What every page needs to know about the signed-in user (the navigation)."""

from django.http import HttpRequest

from projects.roles import Role
from projects.selectors.evaluations import user_roles


def roles(request: HttpRequest) -> dict[str, bool]:
    current = user_roles(request.user)
    return {
        "user_is_admin": Role.ADMIN in current,
        "user_is_reviewer": Role.REVIEWER in current,
        "user_has_role": bool(current),
    }
