"""The claim panel's long read-only parts, written by ``articles.panel_html`` instead of loops."""

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import mark_safe

from articles import panel_html

register = template.Library()


@register.simple_tag(takes_context=True)
def counterpart_sections(context, claim):
    """The claim's counterpart sections (escaped in ``panel_html``), with the claims they
    can be linked to (``other_claims``), the confidence legend and the CSRF token."""
    return mark_safe(  # noqa: S308 -- every value is escaped by panel_html
        panel_html.counterpart_sections(
            claim,
            other_claims=context.get("other_claims") or [],
            legend=context.get("confidence_legend") or {},
            csrf_input=CsrfTokenNode().render(context),
        )
    )


@register.simple_tag
def verdict_items(claim):
    """The <li> of each of the claim's verdicts (escaped in ``panel_html``)."""
    return mark_safe(panel_html.verdict_items(claim))  # noqa: S308
