"""Template tags for the workflow regions included in other pages (board, activity, presence).

They let a page show its workflow region with one ``{% include %}`` and no change to its view.
"""

from django import template
from django.utils.safestring import mark_safe

from articles import presence_html, workflow
from articles.models import is_editor

register = template.Library()


@register.simple_tag
def assignment_board(story, claims=None, judged=None):
    """The board of the story's claims, or of ``claims`` (a page) with who ``judged`` each."""
    return workflow.assignment_board(story, claims=claims, judged=judged)


@register.simple_tag
def story_activity(story, limit=30):
    return workflow.story_activity(story, limit=limit)


@register.simple_tag
def present_people(version, user):
    return workflow.present(version, user)


@register.simple_tag
def presence_region(version, people, fingerprint, oob):
    """The ``#presence`` section (``presence_html.region``: escaped there)."""
    html = presence_html.region(version.pk, people, fingerprint or "", oob=bool(oob))
    return mark_safe(html)  # noqa: S308


@register.filter
def editor(user) -> bool:
    return is_editor(user)
