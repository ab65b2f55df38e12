"""Forms of the newsroom workflow: assignments, search, suggestions. Nothing is trusted."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import Claim, SuggestionDismissal, Version
from articles.ratings import Rating
from articles.search import STATUSES

GONE = "That reviewer's account no longer exists; choose another reviewer."


class SafeIdMixin:
    """Ids beyond a 64-bit integer are refused before they reach the database."""

    def _check_values(self, value):
        for pk in value or ():
            if not str(pk).isdecimal() or int(pk) > 2**63 - 1:
                raise forms.ValidationError(GONE, code="invalid_pk_value")
        return super()._check_values(value)


class SafeMultipleChoice(SafeIdMixin, forms.ModelMultipleChoiceField):
    pass


class SafeChoice(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and (
            not str(value).isdecimal() or int(value) > 2**63 - 1
        ):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


def _due_on_field():
    return forms.DateField(
        required=False,
        label="Due on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional.",
    )


def _clean_due(value):
    if value and value < timezone.localdate():
        raise forms.ValidationError("The due date is in the past; choose today or a later day.")
    return value


class AssignForm(forms.Form):
    """Assign chosen claims of one version (or the whole version) to reviewers."""

    version = SafeChoice(queryset=Version.objects.none(), empty_label=None)
    claims = SafeMultipleChoice(
        queryset=Claim.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: the whole version, including claims marked later.",
    )
    assignees = SafeMultipleChoice(
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Reviewers",
        error_messages={"invalid_choice": GONE, "required": "Choose at least one reviewer."},
    )
    due_on = _due_on_field()

    def __init__(self, *args, story, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = story.versions.all()
        self.fields["claims"].queryset = Claim.objects.filter(version__story=story)
        # Every active account: a non-member is refused with a message naming them.
        self.fields["assignees"].queryset = get_user_model().objects.filter(is_active=True)

    def clean_due_on(self):
        return _clean_due(self.cleaned_data.get("due_on"))


class AssignmentChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("change", "change"), ("remove", "remove")])
    assignee = SafeChoice(
        queryset=get_user_model().objects.filter(is_active=True),
        required=False,
        error_messages={"invalid_choice": GONE},
    )
    due_on = _due_on_field()
    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1)

    def clean_due_on(self):
        return _clean_due(self.cleaned_data.get("due_on"))

    def clean(self):
        data = super().clean()
        if data.get("action") == "change" and not data.get("assignee") and not self.errors:
            self.add_error("assignee", "Choose who takes this assignment.")
        return data


class SearchForm(forms.Form):
    q = forms.CharField(required=False, strip=True, label="Search")
    story = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status")] + [(s, s.capitalize()) for s in STATUSES]
    )
    rating = forms.ChoiceField(required=False, choices=[("", "Any rating"), *Rating.choices])
    reviewer = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class SuggestionForm(forms.Form):
    start = forms.IntegerField(min_value=0, max_value=2**31 - 1)
    end = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    reason = forms.ChoiceField(required=False, choices=SuggestionDismissal.Reason.choices)
