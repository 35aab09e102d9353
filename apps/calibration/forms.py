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


class DiffForm(forms.Form):
    a = forms.IntegerField(min_value=1, label="Version")
    b = forms.IntegerField(min_value=1, label="against")
