"""App config for calibration."""

from django.apps import AppConfig


class CalibrationConfig(AppConfig):
    name = "apps.calibration"
    label = "calibration"
    verbose_name = "Calibration"
