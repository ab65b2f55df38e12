"""The claim panel's long read-only parts, written directly as strings: the section of each
counterpart (its suggestions, its forms, the claims it can be linked to) and each verdict
of the list.

They were the loops of ``templates/articles/claim_panel.html``: some thousands of template
nodes, half of the panel's work, and the panel is the request served most after the live
poll. The output is byte for byte what the loops wrote (tests/articles/test_panel_html.py
renders the old template beside the new one, in every state of the panel), so the rules
of a template hold here by hand:

- every value from the database or a user goes through ``h`` (escaped as ``{{ value }}``
  in an autoescaped template is), and numbers, dates and other values that are not text
  through ``v`` (localized, in the current time zone, then escaped, as ``{{ value }}``);
- a filter is Django's own function (``floatformat``, ``linebreaksbr``, ``naturaltime``),
  called as the template called it; a missing key of a dict is "" as in a template.

Pure functions: no queries but the one the empty loop made (a story with one version),
no templates (a URL is reversed, as ``{% url %}`` did).
"""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import naturaltime
from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.defaultfilters import capfirst, floatformat, linebreaksbr

from articles.dashboard_html import pk_url
from articles.export_html import h
from articles.models import Version
from articles.templatetags.verdicts import iso, quote_chars, rating_code

OPTION_CHARS = 70  # a claim offered for a link: its words, cut to this many characters

_VALUES = Context()  # how a template writes a value: autoescaped, localized, local time


def v(value) -> str:
    """``{{ value }}`` for any value: a number as the locale writes it, a date in the
    current time zone, then escaped (``h`` is the same for text, and cheaper)."""
    return render_value_in_context(value, _VALUES)


# ---------------------------------------------------------------------------- counterparts


def counterpart_sections(claim, *, other_claims, legend: dict, csrf_input: str) -> str:
    """Every ``<section class="counterpart">`` of the claim (its counterparts prefetched),
    or, for a claim without any, the line saying its story has one version (one query: the
    loop's ``{% empty %}``). ``other_claims``: ``views._nearby_claims``; ``legend``: the
    confidence words explained; ``csrf_input``: what ``{% csrf_token %}`` writes."""
    counterparts = claim.counterparts.all()
    if not counterparts:
        one = ""
        # The story's versions counted by its id: the panel's claim comes without its story.
        if Version.objects.filter(story_id=claim.version.story_id).count() < 2:
            one = (
                '<p class="muted small counterpart">This story has one version: import another'
                " to compare claims across versions.</p>"
            )
        return f"\n  {one}\n  "
    options: dict[int, list[str]] = {}
    for oc in other_claims:
        # Inside {% localize off %}: numbers as they are.
        options.setdefault(oc.version_id, []).append(
            f'<option value="{h(oc.pk)}">#{h(oc.number)} · '
            f"{h(quote_chars(oc.exact, OPTION_CHARS))}</option>"
        )
    legend_html = "".join(
        f"<dt>{h(capfirst(key))}</dt><dd>{h(text)}</dd>" for key, text in legend.items()
    )
    url = pk_url("articles:counterpart_update")
    return "".join(
        _counterpart(
            claim,
            cp,
            h(url(cp.pk)),
            "".join(options.get(cp.version_id, ())),
            legend_html,
            csrf_input,
        )
        for cp in counterparts
    )


def _facts(diffs) -> str:
    """The ``<ul class="facts">`` of fact differences (a list of dicts: kind, text, material)."""
    items = []
    for d in diffs:
        context = (
            ' fact--context" title="Mentioned in one version only: context, not a changed fact'
            if d.get("material") is False
            else ""
        )
        items.append(
            f'<li class="fact fact--{v(d.get("kind", ""))}{context}">{v(d.get("text", ""))}</li>'
        )
    return '<ul class="facts" aria-label="Facts that differ">' + "".join(items) + "</ul>"


def _state(claim, cp) -> str:
    if cp.status == "confirmed":
        what = "Not in this version" if cp.absent else "Counterpart confirmed"
        who = cp.confirmed_by.get_username() if cp.confirmed_by is not None else ""
        return f"<strong>{what}</strong> by {h(who or 'a reviewer')}\n      "
    if cp.status == "proposed":
        return (
            f'<strong>Proposed counterpart</strong> <span class="confidence confidence--'
            f'{h(cp.confidence)}">{h(cp.get_confidence_display())}</span> match; confirm it or '
            "choose another.\n      "
        )
    if cp.status == "suggested":
        return (
            "<strong>No strong match.</strong> Choose a suggestion, type the words, or say it is "
            "not there.\n      "
        )
    return (
        "<strong>Nothing similar found:</strong> this claim may be only in "
        f"{h(claim.version.label)}."
    )


def _candidate(cp, index: int, c: dict, cp_url: str, csrf_input: str) -> str:
    confidence = v(c.get("confidence", ""))
    current = cp.chosen and c.get("start") == cp.start and c.get("end") == cp.end
    via = "linked in the alignment" if c.get("via") == "alignment" else "similar wording"
    out = [
        f'\n      <li class="candidate candidate--{confidence}{" is-current" if current else ""}">'
        f'\n        <p class="candidate__head"><span class="confidence confidence--{confidence}">'
        f"{v(capfirst(c.get('confidence', '')))}</span>"
        f'\n          <span class="muted small">score {v(floatformat(c.get("score", ""), 2))} · '
        f"{via}</span></p>"
        f'\n        <blockquote class="candidate__text">{v(c.get("exact", ""))}</blockquote>'
        "\n        "
    ]
    if c.get("fact_diffs"):
        out.append(_facts(c["fact_diffs"]) + "\n        ")
    else:
        out.append('<p class="muted small">Same facts.</p>')
    out.append("\n        ")
    if not current or cp.status != "confirmed":
        out.append(
            f'\n        <form method="post" action="{cp_url}" data-hx-post="{cp_url}" '
            'data-hx-target="#claim-panel" data-hx-swap="innerHTML">'
            f'\n          {csrf_input}<input type="hidden" name="revision" value="{v(cp.revision)}">'
            f'<input type="hidden" name="candidate" value="{v(index)}">'
            '\n          <button class="button button--small" type="submit" name="action" '
            'value="choose">This is the counterpart</button>'
            "\n        </form>\n        "
        )
    out.append("\n      </li>\n      ")
    return "".join(out)


def _counterpart(claim, cp, cp_url: str, options: str, legend: str, csrf_input: str) -> str:
    pk = v(cp.pk)
    label = h(cp.version.label)
    form = (
        f'<form method="post" action="{cp_url}" data-hx-post="{cp_url}" '
        'data-hx-target="#claim-panel" data-hx-swap="innerHTML"'
    )
    revision = f'{csrf_input}<input type="hidden" name="revision" value="{v(cp.revision)}">'
    out = [
        f'\n  \n  <section class="counterpart counterpart--{h(cp.status)}" id="counterpart-{pk}" '
        f'aria-labelledby="counterpart-title-{pk}">'
        f'\n    <h3 id="counterpart-title-{pk}">In {label}</h3>'
        f'\n    <p class="cp-state">\n      {_state(claim, cp)}\n    </p>\n    '
    ]
    if cp.chosen:
        out.append(
            '\n    <blockquote class="claim-quote-full claim-quote-full--other"><a href="'
            f'{h(cp.version.get_absolute_url())}?at={v(cp.start)}">{h(cp.exact)}</a></blockquote>'
            "\n    "
        )
        if cp.fact_diffs:
            out.append(_facts(cp.fact_diffs) + "\n    ")
        else:
            out.append(
                '<p class="muted small">Same facts: no number, name, place, date, role or '
                "negation differs.</p>"
            )
        out.append("\n    ")
    out.append("\n\n    ")
    candidates = cp.candidates
    if candidates:
        out.append(
            f'\n    <ol class="candidates" aria-label="Suggested counterparts in {label}, best '
            'first">\n      '
        )
        out.extend(_candidate(cp, i, c, cp_url, csrf_input) for i, c in enumerate(candidates))
        out.append(
            "\n    </ol>"
            '\n    <details class="legend small"><summary>What “strong”, “possible” and “weak” '
            f"mean</summary>\n      <dl>{legend}</dl>"
            f"\n      <p>Matched by {h(cp.backend or 'the alignment')}. A strong suggestion is "
            "proposed as the counterpart; weaker ones wait for a reviewer.</p>"
            "\n    </details>\n    "
        )
    out.append(f'\n\n    {form} class="row">\n      {revision}\n      ')
    if cp.status == "proposed":
        out.append(
            '<button class="button button--small" type="submit" name="action" value="confirm">'
            "Confirm proposed</button>"
        )
    out.append("\n      ")
    if not cp.absent or cp.status != "confirmed":
        out.append(
            '<button class="button button--small button--quiet" type="submit" name="action" '
            f'value="absent">Not in {label}</button>'
        )
    if cp.chosen:
        words = h(cp.exact)
    elif candidates:
        words = v(candidates[0].get("exact", ""))
    else:
        words = ""
    out.append(
        "\n    </form>"
        '\n    <details class="correct">'
        "\n      <summary>Type the counterpart's words</summary>"
        f'\n      {form} class="stack">'
        f'\n        {revision}<input type="hidden" name="action" value="words">'
        f'\n        <label for="cp-words-{pk}">Words as they stand in {label} (within one '
        "paragraph)</label>"
        f'\n        <textarea id="cp-words-{pk}" name="words" rows="3" maxlength="4000" '
        f"required>{words}</textarea>"
        '\n        <button class="button button--small" type="submit">Set counterpart</button>'
        "\n      </form>"
        "\n    </details>"
        '\n    <details class="correct">'
        f"\n      <summary>Link to another claim in {label}</summary>"
        f'\n      {form} class="stack">'
        f"\n        {revision}"
        '\n        <input type="hidden" name="action" value="link">'
        f'\n        <label for="other-claim-{pk}">Counterpart claim</label>'
        f'\n        <select id="other-claim-{pk}" name="other_claim" required>'
        '\n          <option value="">Choose…</option>'
        f"\n          {options}"
        "\n        </select>"
        '\n        <button class="button button--small" type="submit">Link</button>'
        "\n      </form>"
        "\n    </details>"
        "\n  </section>\n  "
    )
    return "".join(out)


# ---------------------------------------------------------------------------- verdicts


def verdict_items(claim) -> str:
    """The ``<li>`` of each of the claim's verdicts (prefetched with their reviewers and
    sources), as the template's loop wrote them."""
    return "".join(_verdict(verdict) for verdict in claim.verdicts.all())


def _verdict(verdict) -> str:
    reviewer = verdict.reviewer
    name = reviewer.get_full_name() or reviewer.username
    when = verdict.updated_at
    out = [
        f'\n      <li class="verdict r-{h(verdict.rating)}" id="verdict-{v(verdict.pk)}" '
        f'data-reviewer="{h(reviewer.username)}" tabindex="-1">'
        f'\n        <p class="verdict__rating"><span class="rating-code">'
        f"{h(rating_code(verdict.rating))}</span> {h(verdict.get_rating_display())}</p>"
        f'\n        <p class="verdict__who">{h(name)} · <time datetime="{h(iso(when))}" '
        f'title="{v(when)}">{h(naturaltime(when))}</time>'
    ]
    if verdict.revision > 1:
        out.append(" · edited")
    if verdict.imported_by_name:
        out.append(f" · imported, given by {h(verdict.imported_by_name)}")
    out.append("</p>\n        ")
    if verdict.rationale:
        out.append(
            f'<p class="verdict__rationale">{linebreaksbr(verdict.rationale, autoescape=True)}</p>'
        )
    out.append("\n        ")
    sources = verdict.sources.all()
    if sources:
        out.append('\n        <ul class="sources">\n          ')
        for s in sources:
            out.append(
                f'\n          <li class="source source--{h(s.stance)}">'
                f'\n            <a href="{h(s.url)}" rel="noopener noreferrer" target="_blank">'
                f"{h(s.title or s.url)}</a>"
            )
            if s.publisher:
                out.append(f' <span class="muted">· {h(s.publisher)}</span>')
            out.append(
                f'\n            <span class="stance">{h(s.get_stance_display())}</span>\n            '
            )
            if s.quote:
                out.append(f"<blockquote>{h(s.quote)}</blockquote>")
            out.append("\n          </li>\n          ")
        out.append("\n        </ul>\n        ")
    out.append("\n      </li>\n      ")
    return "".join(out)
