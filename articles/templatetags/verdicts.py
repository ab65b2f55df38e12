import unicodedata

from django import template
from django.template.defaultfilters import truncatechars

from articles.ratings import SCALE

register = template.Library()


@register.filter(is_safe=True)
def quote_chars(value, length):
    """``truncatechars`` for quotes: a quote that fits is returned as it is, without the
    filter's walk over every character (150 quotes on a page of the dashboard)."""
    fits = isinstance(value, str) and len(value) <= int(length)
    if fits and unicodedata.is_normalized("NFC", value):
        return value
    return truncatechars(value, length)


@register.filter
def rating_code(rating: str) -> str:
    step = SCALE.get(rating)
    return step.code if step else ""


@register.filter
def rating_label(rating: str) -> str:
    step = SCALE.get(rating)
    return step.label if step else ""


@register.filter
def iso(value) -> str:
    """A datetime as a valid HTML `datetime` value: ISO 8601 to the second, with its offset.

    Django's `date:'c'` keeps microseconds, six fraction digits, which HTML does not allow.
    """
    if not value:
        return ""
    return value.isoformat(timespec="seconds")
