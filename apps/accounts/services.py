"""Writes for accounts: the demo users, one per role."""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from apps.accounts.roles import APPROVER, PLANNER, VIEWER, role_groups_ensure

DEMO_PASSWORD = "twin-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    created: bool


@transaction.atomic
def demo_users_ensure() -> list[DemoUser]:
    """One user per role plus an admin, all with DEMO_PASSWORD; existing users keep theirs."""
    role_groups_ensure(group_model=Group, permission_model=Permission)
    result = []
    for username, role in ((VIEWER, VIEWER), (PLANNER, PLANNER), (APPROVER, APPROVER)):
        user, created = User.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.set([Group.objects.get(name=role)])
        result.append(DemoUser(username, role, created))
    admin, created = User.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    result.append(DemoUser("admin", "superuser (Django admin)", created))
    return result


def demo_users_lines() -> list[str]:
    """Ensure the demo users and say who they are, as `make run` prints them."""
    lines = [f"Demo users (password {DEMO_PASSWORD!r}, development only):"]
    for user in demo_users_ensure():
        note = "created" if user.created else "kept its password"
        lines.append(f"  {user.username:<10} {user.role:<26} ({note})")
    return lines
