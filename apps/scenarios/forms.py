"""Forms of the scenario builder: a draft's settings, a new scenario, the rebalance
suggestion's run settings. Each error is one sentence naming its field by its label."""

from django import forms
from django.core.exceptions import ValidationError

from apps.scenarios.messages import field_sentence, number_rule
from apps.scenarios.models import HORIZON_DAYS_RANGE, REPLICATIONS_RANGE, Comparison

# Every way a typed number can be wrong: one message for them all.
_NUMBER_ERRORS = ("required", "invalid", "min_value", "max_value")


def bounded_number(label: str, bounds: tuple[float, float], *, whole: bool, **kwargs):
    low, high = bounds
    message = number_rule(label, low, high, whole=whole)
    field = forms.IntegerField if whole else forms.FloatField
    return field(
        label=label,
        min_value=low,
        max_value=high,
        error_messages=dict.fromkeys(_NUMBER_ERRORS, message),
        **kwargs,
    )


def horizon_days_field(**kwargs) -> forms.FloatField:
    return bounded_number("Horizon (days)", HORIZON_DAYS_RANGE, whole=False, **kwargs)


def replications_field(**kwargs) -> forms.IntegerField:
    return bounded_number("Replications", REPLICATIONS_RANGE, whole=True, **kwargs)


def text_field(label: str, *, max_length: int, required: bool = True, **kwargs):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        error_messages={
            "required": f"{label} is required.",
            "max_length": f"{label} must be at most {max_length} characters.",
        },
        **kwargs,
    )


class ComparisonSettingsForm(forms.ModelForm):
    name = text_field("Name", max_length=120)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    horizon_days = horizon_days_field()
    replications = replications_field()

    class Meta:
        model = Comparison
        fields = ["name", "note", "horizon_days", "replications"]

    def add_error(self, field, error) -> None:
        """The model's own checks (the horizon against the warm-up) come as bare reasons, and
        after the field's: each becomes a sentence led by the field's label, and a field that
        already has an error keeps that one only."""
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                reason = ValidationError(errors).messages[0]
                if name not in self.fields:
                    super().add_error(None, reason)
                elif name not in self.errors:
                    super().add_error(name, field_sentence(self.fields[name].label, reason))
            return
        super().add_error(field, error)


class ScenarioForm(forms.Form):
    name = text_field("Scenario name", max_length=80)
    note = text_field("Note", max_length=500, required=False)

    def __init__(self, *args, **kwargs) -> None:
        # On the builder page beside the draft's settings form, whose fields share these
        # names: ids of their own, the posted names unchanged.
        kwargs.setdefault("auto_id", "scenario_%s")
        super().__init__(*args, **kwargs)


class SuggestForm(forms.Form):
    horizon_days = horizon_days_field(initial=14)
    replications = replications_field(initial=10)
    run_now = forms.BooleanField(required=False, initial=True, label="Run at once")
