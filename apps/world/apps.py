"""App config for the demo enterprise."""

from django.apps import AppConfig


class WorldConfig(AppConfig):
    name = "apps.world"
    label = "world"
    verbose_name = "Demo enterprise"
