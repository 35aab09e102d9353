"""Twin's roles as groups of permissions, shared by the data migration and the tests."""

VIEWER = "viewer"
PLANNER = "planner"
APPROVER = "approver"

# An approver also plans: four eyes is enforced per decision (nobody approves their own
# recommendation), not by keeping approvers out of the scenario builder.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    VIEWER: ("view_twin",),
    PLANNER: ("view_twin", "plan"),
    APPROVER: ("view_twin", "plan", "approve"),
}


def role_groups_ensure(*, group_model, permission_model) -> None:
    """Create or repair the role groups (models passed in: a migration passes historical ones)."""
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = permission_model.objects.filter(
            content_type__app_label="accounts", codename__in=codenames
        )
        found = {p.codename for p in permissions}
        missing = set(codenames) - found
        if missing:
            raise LookupError(f"permissions missing for role {role}: {sorted(missing)}")
        group.permissions.set(permissions)
