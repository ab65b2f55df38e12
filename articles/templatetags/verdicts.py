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
