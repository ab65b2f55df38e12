"""A form renderer that remembers the widgets Django's templates wrote.

The claim panel's verdict form (a rating on the scale, a rationale, a formset of sources)
is some twenty widgets, each one a render of Django's widget templates: more than half
of the panel's template work, for a form that is the same blank form on most claims.
``RememberingRenderer`` is Django's own renderer (``DjangoTemplates``): a widget is
written by Django's template, once, and the HTML is kept under everything that template
can see, the template's name and the widget's context (name, value, attributes, choices),
so the same widget is written the same as before, and a widget that differs in anything
is written anew.

Only plain data is kept: a context holding any other value (a lazy translation, a date)
is rendered every time. Forms and formsets (their own templates, with errors) are never
kept. At most ``MAX_WIDGETS`` are kept; the oldest half goes when it is full.
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates

MAX_WIDGETS = 512


class _NotPlain(Exception):
    """A value a widget's context held that is not plain data (see ``_key``)."""


def _key(value):
    """``value`` as a hashable key that tells apart whatever a template could: a plain str
    as it is, any other value with its type (a SafeString is not written as the same text
    in a str), a list or dict item by item (in its order, which attributes are written in);
    raises _NotPlain for anything that is not plain data."""
    kind = type(value)
    if kind is str:
        return value
    if value is None or kind is bool or kind is int or kind is float:
        return kind, value
    if kind is dict:
        return kind, tuple(
            (k if type(k) is str else _key(k), v if type(v) is str else _key(v))
            for k, v in value.items()
        )
    if kind is list or kind is tuple:
        return kind, tuple(item if type(item) is str else _key(item) for item in value)
    if isinstance(value, str):  # SafeString, a str enum: the type tells them apart
        return kind, str.__str__(value)
    raise _NotPlain


class RememberingRenderer(DjangoTemplates):
    """Django's template renderer, keeping the HTML of each widget it wrote."""

    def __init__(self):
        super().__init__()
        self.written: dict = {}

    def render(self, template_name, context, request=None):
        if request is not None or list(context) != ["widget"]:
            return super().render(template_name, context, request)
        try:
            key = (template_name, _key(context["widget"]))
        except _NotPlain:
            return super().render(template_name, context, request)
        html = self.written.get(key)
        if html is None:
            html = super().render(template_name, context, request)
            if len(self.written) >= MAX_WIDGETS:
                for old in list(self.written)[: MAX_WIDGETS // 2]:
                    self.written.pop(old, None)
            self.written[key] = html
        return html


# One for the process: its engine (Django's widget templates, loaded once) and what it kept.
RENDERER = RememberingRenderer()
