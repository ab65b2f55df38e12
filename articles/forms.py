"""Forms: validation at the boundary. Nothing from the client is trusted."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat

from articles import importing, validation
from articles.form_rendering import RENDERER
from articles.models import Source, Story
from articles.ratings import SCALE, Rating
from articles.validation import MAX_QUOTE, MAX_RATIONALE

# Field cleaning calls the checks of articles.validation, which the domain functions and
# the importers call too; their ValidationError is the one forms expect.


class LoginForm(AuthenticationForm):
    """The login form, refusing a username no account can have before authenticating.

    AuthenticationForm sets the username's max_length after the field is built, so no
    validator checks it; a longer one would reach django-axes, whose failed-attempt row
    holds 255 characters (a DataError, a 500, on PostgreSQL).
    """

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if len(username) > self.fields["username"].max_length:
            raise self.get_invalid_login_error()  # shown like any failed login
        return super().clean()


class HttpURLField(forms.URLField):
    """A URL that must be http or https (never javascript:, data: or file:), normalised."""

    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {"invalid": "Enter a web address starting with http:// or https://."}

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        try:
            return validation.http_url(value, required=False)
        except forms.ValidationError as exc:
            if exc.code == "invalid":
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
            raise


class MembersField(forms.ModelMultipleChoiceField):
    """Reviewer choices; ids beyond a 64-bit integer are refused before the query."""

    def _check_values(self, value):
        for pk in value or ():
            if not str(pk).isdecimal() or int(pk) > 2**63 - 1:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class StoryForm(forms.ModelForm):
    members = MembersField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Reviewers",
        help_text="Who may read and annotate this story. Editors see every story.",
    )

    class Meta:
        model = Story
        fields = ["title", "description", "members"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean_title(self):
        return validation.single_line(
            self.cleaned_data["title"],
            what="The title",
            max_length=validation.MAX_TITLE,
            required=True,
        )

    def clean_description(self):
        return validation.text(
            self.cleaned_data["description"],
            what="The description",
            max_length=validation.MAX_DESCRIPTION,
        )


class VersionImportForm(forms.Form):
    """A version's metadata and its text: pasted, or uploaded as .txt or saved .html."""

    label = forms.CharField(max_length=120, help_text="For example “Original report”.")
    outlet = forms.CharField(max_length=120, required=False)
    byline = forms.CharField(max_length=200, required=False)
    url = HttpURLField(required=False, label="URL")
    published_on = forms.DateField(
        required=False, label="Published on", widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        label="Paste the text",
        help_text="Paragraphs separated by blank lines; headings and captions on lines of their own.",
    )
    file = forms.FileField(
        required=False,
        label="…or upload a file",
        help_text="A .txt file or a saved web page (.html).",
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.html,.htm,text/plain,text/html"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Neither is required on its own, but one of the two is: say so instead of "(optional)".
        self.fields["text"].alternative = "or upload a file below: one of the two is needed"
        self.fields["file"].alternative = "instead of pasting the text"

    def clean_label(self):
        return validation.single_line(
            self.cleaned_data["label"],
            what="The label",
            max_length=validation.MAX_LABEL,
            required=True,
        )

    def clean_outlet(self):
        return validation.single_line(
            self.cleaned_data["outlet"], what="The outlet", max_length=validation.MAX_OUTLET
        )

    def clean_byline(self):
        return validation.single_line(
            self.cleaned_data["byline"], what="The byline", max_length=validation.MAX_BYLINE
        )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > settings.VERSION_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the limit is "
                f"{filesizeformat(settings.VERSION_UPLOAD_MAX_BYTES)}."
            )
        return upload

    def clean(self):
        data = super().clean()
        text, upload = data.get("text") or "", data.get("file")
        if self.errors:
            return data
        if upload and text.strip():
            raise forms.ValidationError("Paste the text or upload a file, not both.")
        if upload:
            # Only the cheap checks here: the import job extracts the text.
            source = upload.read()
            try:
                importing.check_upload(upload.name, source)
            except importing.UnreadableFile as exc:
                self.add_error("file", str(exc))
                return data
            data["source"], data["file_name"] = source, upload.name[:255]
        elif not text.strip():
            self.add_error("text", "The text is empty: paste the version's text or upload a file.")
        elif len(text.encode("utf-8")) > settings.VERSION_UPLOAD_MAX_BYTES:
            self.add_error(
                "text",
                f"The text is longer than {filesizeformat(settings.VERSION_UPLOAD_MAX_BYTES)}.",
            )
        else:
            data["source"], data["file_name"] = text.encode("utf-8"), ""
        return data


class SelectionForm(forms.Form):
    """A browser selection; the offsets are re-checked against the stored text."""

    start = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    exact = forms.CharField(strip=False, max_length=20_000, widget=forms.HiddenInput)
    prefix = forms.CharField(
        strip=False, required=False, max_length=2_000, widget=forms.HiddenInput
    )
    suffix = forms.CharField(
        strip=False, required=False, max_length=2_000, widget=forms.HiddenInput
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)


class VerdictForm(forms.Form):
    # The claim panel's form, rendered with every panel: its widgets are remembered.
    default_renderer = RENDERER

    rating = forms.ChoiceField(
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Choose a rating on the scale.",
            "required": "Choose a rating on the scale.",
        },
    )
    rationale = forms.CharField(
        required=False,
        max_length=MAX_RATIONALE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Why: what the sources show.",
    )
    revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_rationale(self):
        return validation.text(
            self.cleaned_data["rationale"], what="The rationale", max_length=MAX_RATIONALE
        )

    def rating_steps(self):
        return [SCALE[value] for value, _ in Rating.choices]


class SourceForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    url = HttpURLField(label="Link")
    title = forms.CharField(max_length=300, required=False)
    publisher = forms.CharField(max_length=200, required=False)
    quote = forms.CharField(
        max_length=MAX_QUOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Quoted evidence",
    )
    stance = forms.ChoiceField(choices=Source.Stance.choices, initial=Source.Stance.SUPPORTS)

    def clean_title(self):
        return validation.single_line(
            self.cleaned_data["title"], what="The title", max_length=validation.MAX_SOURCE_TITLE
        )

    def clean_publisher(self):
        return validation.single_line(
            self.cleaned_data["publisher"],
            what="The publisher",
            max_length=validation.MAX_PUBLISHER,
        )

    def clean_quote(self):
        return validation.text(
            self.cleaned_data["quote"], what="The quoted evidence", max_length=MAX_QUOTE
        )


SourceFormSet = forms.formset_factory(
    SourceForm, extra=1, can_delete=True, max_num=20, validate_max=True, renderer=RENDERER
)


class LinkForm(forms.Form):
    """An editor's correction of the alignment: a sentence and its counterpart(s)."""

    position = forms.IntegerField(min_value=0)
    other_positions = forms.CharField(
        required=False,
        max_length=40,
        help_text="Sentence number(s) in the other version, e.g. 12 or 12, 13; empty: none.",
    )

    def clean_other_positions(self):
        """Sentence numbers as shown (1-based) to positions (0-based)."""
        raw = self.cleaned_data["other_positions"].strip().lower()
        if raw in {"", "none", "-"}:
            return []
        try:
            numbers = [int(p) for p in raw.replace(" ", "").split(",") if p]
        except ValueError:
            raise forms.ValidationError("Enter sentence numbers such as 12 or 12, 13.") from None
        if any(n < 1 for n in numbers):
            raise forms.ValidationError("Sentence numbers start at 1.")
        return [n - 1 for n in numbers]


_NUMBER_ERRORS = ("invalid", "min_value", "max_value")


class CounterpartForm(forms.Form):
    """A reviewer's decision on a counterpart: confirm, choose a suggestion, own words, absent, link."""

    action = forms.ChoiceField(
        choices=[
            ("confirm", "Confirm"),
            ("choose", "Choose a suggestion"),
            ("words", "Set the words"),
            ("absent", "Not in this version"),
            ("link", "Link to a claim"),
        ],
        error_messages={"invalid_choice": "Choose what to do with the counterpart."},
    )
    candidate = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10,
        error_messages={k: "Choose one of the suggestions shown." for k in _NUMBER_ERRORS},
    )
    words = forms.CharField(required=False, max_length=4000, strip=True)
    other_claim = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        error_messages={
            k: "Choose one of the claims in the other version." for k in _NUMBER_ERRORS
        },
    )
    # Optional so that older pages still work; when given, a stale decision is refused.
    revision = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def clean_words(self):
        words = self.cleaned_data["words"]
        if "\x00" in words:
            raise forms.ValidationError("The words contain a NUL character.")
        return words


class SettleForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("settle", "Settle"), ("reopen", "Reopen")], initial="settle"
    )
    rating = forms.ChoiceField(choices=Rating.choices, required=False)
    note = forms.CharField(
        required=False, max_length=validation.MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2})
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def clean_note(self):
        return validation.note(self.cleaned_data["note"])

    def clean(self):
        data = super().clean()
        if data.get("action") == "settle" and not data.get("rating"):
            self.add_error("rating", "Choose a final rating on the scale.")
        return data
