"""The permissions that make up Twin's roles; no table, only permissions to grant."""

from django.db import models


class Role(models.Model):
    """Holds Twin's own permissions; a role is a group granted some of them (see roles.py)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_twin", "See the live twin, scenarios, decisions, models and network"),
            ("plan", "Build and run scenarios, manage sources and model thresholds"),
            ("approve", "Approve or reject recommended decisions"),
        ]

    def __str__(self) -> str:
        return "Twin role permissions"
