"""The dashboard's long lists, written by ``articles.dashboard_html`` instead of loops."""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import mark_safe

from articles import dashboard_html

register = template.Library()


@register.simple_tag(takes_context=True)
def entry_rows(context, entries):
    """Every row of ``entries``, as the template's loop wrote them (escaped in
    ``dashboard_html``), with the page's CSRF token and Settle options."""
    return mark_safe(  # noqa: S308 -- every value is escaped by dashboard_html.h
        dashboard_html.entry_rows(
            entries,
            is_editor=bool(context.get("is_editor")),
            csrf_input=CsrfTokenNode().render(context),
            options=dashboard_html.settle_options(context.get("settle_choices") or []),
        )
    )


@register.simple_tag
def only_one_items(only_one):
    """Every <li> of the claims in one version only (escaped in ``dashboard_html``)."""
    return mark_safe(dashboard_html.only_one_items(only_one))  # noqa: S308


@register.simple_tag
def assignment_rows(board_rows):
    """Every <tr> of the assignment board (escaped in ``dashboard_html``)."""
    return mark_safe(dashboard_html.assignment_rows(board_rows))  # noqa: S308
