"""Forms of decisions: a recommendation from a comparison, a step of the workflow, the audit
log's filters."""

from django import forms

from apps.decisions.models import Decision


class RecommendForm(forms.Form):
    scenario = forms.CharField(
        max_length=80,
        required=False,
        error_messages={"max_length": "Scenario must be at most 80 characters."},
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ActForm(forms.Form):
    action = forms.CharField(max_length=20)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class EditForm(forms.Form):
    title = forms.CharField(max_length=160)
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, label="Who")
    # Bounded by the id column's range: a larger number names no decision and would
    # overflow the query.
    decision = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, label="Decision #"
    )
    to_status = forms.ChoiceField(
        required=False, label="To", choices=[("", "any"), *Decision.Status.choices]
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(
        required=False, label="To day", widget=forms.DateInput({"type": "date"})
    )
