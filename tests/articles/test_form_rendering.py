"""RememberingRenderer writes each widget as Django's renderer does, the first time and
every time after, telling apart whatever the widget's template could tell apart."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from articles import form_rendering
from articles.form_rendering import RememberingRenderer
from articles.forms import SourceFormSet, VerdictForm

NASTY = "<b>bold</b> & \"double\" 'single' café 🚀"


def widgets(form) -> list:
    """Every widget of the form as the panel writes them (radios one by one)."""
    out = [str(field) for field in form]
    out += [radio.tag() for radio in form["rating"]] if "rating" in form.fields else []
    return out


def verdict_forms(renderer):
    data = {
        "rating": "<odd>",
        "rationale": NASTY,
        "revision": "3",
        "sources-TOTAL_FORMS": "2",
        "sources-INITIAL_FORMS": "1",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
        "sources-0-id": "7",
        "sources-0-url": NASTY,
        "sources-0-title": NASTY,
        "sources-1-url": "https://example.org/?a=1&b=2",
        "sources-1-stance": "refutes",
    }
    initial = [{"id": 4, "url": "https://e.org/x", "title": NASTY, "stance": "context"}]
    sources = type("Sources", (SourceFormSet,), {"renderer": renderer})
    sets = [
        (VerdictForm(renderer=renderer), sources(prefix="sources")),
        (
            VerdictForm(initial={"rating": "mixed", "rationale": NASTY}, renderer=renderer),
            sources(prefix="sources", initial=initial),
        ),
        (
            VerdictForm(data, renderer=renderer),
            sources(data, prefix="sources"),
        ),
    ]
    out = []
    for form, formset in sets:
        form.is_bound and form.is_valid()
        formset.is_bound and formset.is_valid()
        out += widgets(form) + [str(formset.management_form)]
        for sub in formset:
            out += widgets(sub)
    return out


def test_the_verdict_form_is_written_as_django_writes_it():
    expected = verdict_forms(DjangoTemplates())
    renderer = RememberingRenderer()
    assert verdict_forms(renderer) == expected
    assert renderer.written  # kept...
    assert verdict_forms(renderer) == expected  # ...and written from what was kept
    assert any("&lt;b&gt;bold&lt;/b&gt; &amp;" in html for html in expected)
    assert not any("<b>" in html for html in expected)


def test_the_panel_forms_use_it():
    assert VerdictForm().renderer is form_rendering.RENDERER
    formset = SourceFormSet(prefix="sources")
    assert formset.renderer is form_rendering.RENDERER
    assert formset.forms[0].renderer is form_rendering.RENDERER


class Text(forms.Form):
    text = forms.CharField(required=False)


def test_safe_text_and_plain_text_are_kept_apart():
    renderer = RememberingRenderer()
    plain = str(Text(initial={"text": "<i>"}, renderer=renderer)["text"])
    safe = str(Text(initial={"text": mark_safe("<i>")}, renderer=renderer)["text"])
    assert 'value="&lt;i&gt;"' in plain
    assert 'value="<i>"' in safe
    assert str(Text(initial={"text": "<i>"}, renderer=renderer)["text"]) == plain


def test_a_lazy_label_is_written_every_time():
    class Choice(forms.Form):
        pick = forms.ChoiceField(choices=[("a", gettext_lazy("Apple"))])

    renderer = RememberingRenderer()
    html = str(Choice(renderer=renderer)["pick"])
    assert ">Apple</option>" in html
    assert not renderer.written


@pytest.mark.parametrize("count", [10, form_rendering.MAX_WIDGETS * 2 + 3])
def test_it_keeps_at_most_max_widgets(count):
    renderer = RememberingRenderer()
    for i in range(count):
        html = str(Text(initial={"text": f"v{i}"}, renderer=renderer)["text"])
        assert f'value="v{i}"' in html
    assert len(renderer.written) <= form_rendering.MAX_WIDGETS
    assert len(renderer.written) == min(count, len(renderer.written))
