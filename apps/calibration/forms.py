"""Forms of the Models page."""

from django import forms

from apps.calibration.models import ModelSettings


class ModelSettingsForm(forms.ModelForm):
    class Meta:
        model = ModelSettings
        fields = ["threshold_pct", "window_hours", "min_predictions", "auto_recalibrate"]
        labels = {
            "threshold_pct": "Threshold (%)",
            "window_hours": "Window (h)",
            "min_predictions": "Predictions needed",
            "auto_recalibrate": "Recalibrate automatically",
        }


# The largest version number the database column holds: a larger one is no version, and
# must not reach the query, where it overflows.
VERSION_MAX = 2**31 - 1


class DiffForm(forms.Form):
    a = forms.IntegerField(min_value=1, max_value=VERSION_MAX, label="Version")
    b = forms.IntegerField(min_value=1, max_value=VERSION_MAX, label="against")
