"""The dashboard's long lists, written directly as strings: the rows of its table of
claims, the claims in one version only and the rows of the assignment board under it.

They were the templates' loops (``story_dashboard.html``, ``_assignment_board.html``):
fifty rows of some forty variables, loops and filters each were half of the page's work.
The output is byte for byte what the templates wrote (tests/articles/test_dashboard_html.py
renders the old loops beside them), so the rules of a template hold here by hand:

- every value from the database or a user goes through ``h`` (escaped as ``{{ value }}``
  in an autoescaped template is), numbers and codes too;
- numbers are written as they are: the board is inside ``{% localize off %}``.

Pure functions: no queries, no templates (a URL is reversed, as ``{% url %}`` did).
"""

from __future__ import annotations

from django.urls import reverse

from articles.export_html import Dates, h, person_name
from articles.ratings import SCALE
from articles.templatetags.verdicts import quote_chars

QUOTE_CHARS = 220
ONLY_ONE_QUOTE_CHARS = 140


def _code(rating) -> str:
    """``{{ rating|rating_code }}``."""
    step = SCALE.get(rating)
    return h(step.code) if step else ""


def settle_options(choices) -> str:
    """The <option>s of every Settle form's final verdict (``choices``: value, label)."""
    return "".join(f'<option value="{h(value)}">{h(text)}</option>' for value, text in choices)


def pk_url(name: str):
    """``reverse(name, args=[pk])`` for many pks: reversed once, each pk put in its place
    (a page has a Settle form on most of its fifty rows)."""
    marker = "9081726354"
    before, found, after = reverse(name, args=[int(marker)]).partition(marker)
    if not found or marker in after:
        return lambda pk: reverse(name, args=[pk])
    return lambda pk: f"{before}{int(pk)}{after}"


def entry_rows(entries, *, is_editor: bool, csrf_input: str, options: str) -> str:
    """The <tr> of each ``dashboard.Entry`` (as ``board_entries`` loads them), each with
    the whitespace the template's loop wrote around it. ``csrf_input``: what
    ``{% csrf_token %}`` writes; ``options``: ``settle_options``."""
    settle_url = pk_url("articles:claim_settle") if is_editor else None
    return "".join(_row(e, settle_url, csrf_input, options) for e in entries)


def only_one_items(only_one) -> str:
    """The <li> of each claim in one version only (``dashboard.OnlyOne``, with its
    ``version`` and ``missing_from`` attached), as the template's loop wrote them."""
    return "".join(
        f'<li><a href="{h(e.version.get_absolute_url())}?claim={h(e.pk)}">#{h(e.number)}</a> '
        f'<span class="muted small">added in {h(e.version.label)} · not in '
        + ", ".join(h(v.label) for v in e.missing_from)
        + f"</span> — {h(quote_chars(e.exact, ONLY_ONE_QUOTE_CHARS))}</li>"
        for e in only_one
    )


def _counterpart(cp, other) -> str:
    if cp.status == "confirmed":
        state = "confirmed"
    elif cp.status == "proposed":
        state = f"proposed ({h(cp.confidence)})"
    elif cp.status == "suggested":
        state = "not decided"
    else:
        state = "nothing similar found"
    out = [f'\n        <p class="muted small">{h(cp.version.label)} · {state}</p>\n        ']
    if cp.absent:
        out.append('<p class="gap">Not in this version</p>')
    elif cp.undecided:
        n = cp.candidate_count
        out.append(f'<p class="gap">{h(n)} suggestion{"" if n == 1 else "s"} to review</p>')
    else:
        out.append(
            f'<blockquote class="entry__quote">{h(quote_chars(cp.exact, QUOTE_CHARS))}</blockquote>'
        )
        if other:
            out.append(
                f'<p class="small">Claim <a href="{h(other.version.get_absolute_url())}'
                f'?claim={h(other.pk)}">#{h(other.number)}</a>'
            )
            if rating := other.display_rating:
                out.append(f' · <span class="rating-code">{_code(rating)}</span>')
            out.append("</p>")
    out.append("\n        ")
    return "".join(out)


def _status(entry, settle_url, csrf_input: str, options: str) -> str:
    claim = entry.claim
    status = entry.status
    if status == "open":
        return '<span class="badge badge--open">Open</span>'
    pk = h(claim.pk)
    is_editor = settle_url is not None
    url = h(settle_url(claim.pk)) if is_editor else ""
    form = (
        f'<form method="post" action="{url}" data-hx-post="{url}" data-hx-target="#board" '
        'data-hx-swap="outerHTML" data-hx-select="#board"'
    )
    if status == "settled":
        out = [
            f'\n        <p><span class="badge badge--settled r-{h(claim.settled_rating)}">'
            f'<span class="rating-code">{_code(claim.settled_rating)}</span> Settled</span></p>'
            f'\n        <p class="muted small">by {h(person_name(claim.settled_by))}</p>'
            "\n        "
        ]
        if is_editor:
            out.append(
                f"\n        {form}>"
                f'\n          {csrf_input}<input type="hidden" name="action" value="reopen">'
                f'<input type="hidden" name="revision" value="{h(claim.revision)}">'
                '\n          <button class="button button--small" type="submit">Reopen</button>'
                "\n        </form>\n        "
            )
        out.append("\n        ")
        return "".join(out)
    out = [
        '\n        <p><span class="badge badge--contested"><span aria-hidden="true">⚑</span> '
        "Contested</span></p>\n        "
    ]
    if is_editor:
        out.append(
            '\n        <details class="settle">'
            "\n          <summary>Settle…</summary>"
            f'\n          {form} class="stack">'
            f'\n            {csrf_input}<input type="hidden" name="action" value="settle">'
            f'<input type="hidden" name="revision" value="{h(claim.revision)}">'
            f'\n            <label for="settle-rating-{pk}">Final verdict</label>'
            f'\n            <select id="settle-rating-{pk}" name="rating" required>'
            f'<option value="">Choose…</option>{options}</select>'
            f'\n            <label for="settle-note-{pk}">Note</label>'
            f'\n            <textarea id="settle-note-{pk}" name="note" rows="2"></textarea>'
            '\n            <button class="button button--primary button--small" type="submit">'
            "Settle claim</button>"
            "\n          </form>"
            "\n        </details>\n        "
        )
    out.append("\n        ")
    return "".join(out)


def _row(entry, settle_url, csrf_input: str, options: str) -> str:
    claim = entry.claim
    pk = h(claim.pk)
    version = claim.version
    out = [
        f'\n    <tr id="entry-{pk}" class="entry entry--{h(entry.status)}" '
        f'data-severity="{h(entry.severity)}">'
        "\n      <td>"
        f'\n        <a href="{h(version.get_absolute_url())}?claim={pk}">#{h(claim.number)}</a>'
        f'\n        <span class="muted small">{h(version.label)}</span>'
        f'\n        <blockquote class="entry__quote">{h(quote_chars(claim.exact, QUOTE_CHARS))}'
        "</blockquote>"
        "\n      </td>"
        "\n      <td>"
        "\n        "
    ]
    if entry.counterparts:
        out.extend(_counterpart(cp, other) for cp, other in entry.counterparts)
    else:
        out.append('<p class="muted small">No other version</p>\n        ')
    out.append("\n      </td>\n      <td>\n        ")
    out.extend(
        f'<span class="reason reason--{h(key)}">{h(label)}</span>'
        for key, label in entry.reason_labels
    )
    out.append("\n        ")
    if facts := entry.fact_diffs:
        out.append(
            '<ul class="facts">' + "".join(f'<li class="fact">{h(f)}</li>' for f in facts) + "</ul>"
        )
    out.append("\n      </td>\n      <td>\n        ")
    if entry.verdicts:
        out.extend(
            f'<p class="small verdict-line r-{h(rating)}"><span class="rating-code">'
            f"{_code(rating)}</span> {h(person_name(reviewer))}</p>"
            for rating, reviewer in entry.verdicts
        )
    else:
        out.append('<p class="muted small">None yet</p>')
    out.append('\n      </td>\n      <td class="entry__status">\n        ')
    out.append(_status(entry, settle_url, csrf_input, options))
    out.append("\n      </td>\n    </tr>\n    ")
    return "".join(out)


# ---------------------------------------------------------------------------- who is on each claim

NOBODY = '<span class="muted">—</span>'


def assignment_rows(rows) -> str:
    """The <tr> of each ``workflow.BoardRow`` (the assignment board under the dashboard), as
    the template's loop wrote them; dates as the ``date`` filter writes them."""
    months = Dates().months
    out = []
    for row in rows:
        claim = row.claim
        pk = h(claim.pk)
        assigned = ", ".join(
            f'<span class="person">{h(person_name(person))}'
            + (
                f' <span class="muted small">due <time datetime="{due.year:04d}-{due.month:02d}-'
                f'{due.day:02d}">{h(f"{due.day} {months[due.month]}")}</time></span>'
                if due
                else ""
            )
            + "</span>"
            for person, due in row.assigned
        )
        judged = ", ".join(h(person_name(person)) for person in row.judged)
        late = "".join(
            f'<span class="badge badge--late">Late: {h(person_name(person))}</span> '
            for person in row.late
        )
        out.append(
            f'\n    <tr id="assigned-{pk}">'
            f'\n      <td><a href="{h(claim.version.get_absolute_url())}?claim={pk}">'
            f'#{h(claim.number)}</a> <span class="muted small">{h(claim.version.label)}</span></td>'
            f'\n      <td class="assigned">{assigned or NOBODY}</td>'
            f'\n      <td class="judged">{judged or NOBODY}</td>'
            f'\n      <td class="late">{late or NOBODY}</td>'
            "\n    </tr>\n    "
        )
    return "".join(out)
