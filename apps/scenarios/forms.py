"""Forms of the scenario builder: a draft's settings, a new scenario, the rebalance
suggestion's run settings."""

from django import forms

from apps.scenarios.models import Comparison


class ComparisonSettingsForm(forms.ModelForm):
    class Meta:
        model = Comparison
        fields = ["name", "note", "horizon_days", "replications"]
        labels = {"horizon_days": "Horizon (days)", "replications": "Replications"}
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=80, label="Scenario name")
    note = forms.CharField(required=False, label="Note", max_length=500)


class SuggestForm(forms.Form):
    horizon_days = forms.FloatField(min_value=1, max_value=60, initial=14, label="Horizon (days)")
    replications = forms.IntegerField(min_value=2, max_value=100, initial=10, label="Replications")
    run_now = forms.BooleanField(required=False, initial=True, label="Run at once")
