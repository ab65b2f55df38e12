from django import template

from articles.ratings import SCALE

register = template.Library()


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
