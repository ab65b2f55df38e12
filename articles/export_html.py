"""The repeated parts of the HTML summary (``export.summary_parts``): each claim's entry and
each block of a version's text, written directly as strings.

They were Django templates (``summary_claims.html``, ``summary_text.html``); a 10,000-claim
story spent most of its export time in the template engine resolving some fifty variables
and filters per claim. The page's frame is still a template (``summary.html``). The output
is byte for byte what the templates wrote, so the rules of a template hold here by hand:

- every value from the database or a user goes through ``h`` (escaped as ``{{ value }}``
  in an autoescaped template is: ``& < > " '``, unless already marked safe);
- dates are written as the ``date`` filter writes them in the current time zone
  (``time_element``).

Pure functions: no queries, no templates.
"""

from __future__ import annotations

import html
from datetime import datetime

from django.conf import settings
from django.utils.dates import MONTHS_3
from django.utils.timezone import get_current_timezone, get_default_timezone, is_naive

from articles.ratings import SCALE


def h(value) -> str:
    """``{{ value }}`` in an autoescaped template (for text, numbers and safe strings)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


# ---------------------------------------------------------------------------- dates


def _offset(moment: datetime) -> str:
    """The date filter's ``O`` ('+0200'); empty where the local time is ambiguous or
    imaginary (a daylight-saving change), as Django leaves it."""
    tz = get_default_timezone() if is_naive(moment) else moment.tzinfo
    offset = tz.utcoffset(moment)
    if tz.utcoffset(moment.replace(fold=not moment.fold)) != offset:
        return ""
    seconds = offset.days * 86400 + offset.seconds
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    return "%s%02d%02d" % (sign, seconds // 3600, (seconds // 60) % 60)  # noqa: UP031


class Dates:
    """The date filter's formats in the current time zone and language, both read once (a
    summary writes thousands of dates, and each read goes through thread-local state)."""

    def __init__(self):
        self.zone = get_current_timezone() if settings.USE_TZ else None
        self.months = ["", *(str(MONTHS_3[i].title()) for i in range(1, 13))]

    def time_element(self, moment: datetime | None, clock: bool = False) -> str:
        """``<time datetime="{{ moment|date:'Y-m-d\\TH:i:sO' }}">{{ moment|date:"j M Y" }}
        </time>``, or with ``clock`` ``"j M Y, H:i"`` ('4 Mar 2025, 09:05')."""
        if moment is None:
            return '<time datetime=""></time>'
        m = moment
        # template_localtime, with the zone read once.
        if self.zone is not None and not is_naive(m) and getattr(m, "convert_to_local_time", True):
            m = m.astimezone(self.zone)
        day = f"{m.day} {self.months[m.month]} {m.year:04d}"
        if clock:
            day += f", {m.hour:02d}:{m.minute:02d}"
        return (
            f'<time datetime="{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:'
            f'{m.second:02d}{_offset(m)}">{h(day)}</time>'
        )


def time_element(moment: datetime | None, clock: bool = False) -> str:
    """``Dates.time_element`` in the current time zone and language."""
    return Dates().time_element(moment, clock)


# ---------------------------------------------------------------------------- a claim


def person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def is_web_url(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _verdict(verdict, dates: Dates) -> str:
    step = SCALE[verdict.rating]
    out = [
        f'\n      <li class="verdict r-{h(verdict.rating)}">'
        f'\n        <p><span class="code">{h(step.code)}</span> <strong>{h(step.label)}</strong></p>'
        f'\n        <p class="who">{h(person_name(verdict.reviewer))} · '
        f"{dates.time_element(verdict.updated_at)}</p>"
        "\n        "
    ]
    if verdict.rationale:
        out.append(f'<p class="rationale">{h(verdict.rationale)}</p>')
    else:
        out.append('<p class="muted small">No rationale given.</p>')
    out.append("\n        ")
    sources = verdict.sources.all()
    if sources:
        out.append('\n        <ul class="sources">\n          ')
        for s in sources:
            title = h(s.title or s.url)
            out.append(f'\n          <li><span class="stance">{h(s.get_stance_display())}</span>')
            if is_web_url(s.url):
                out.append(f'<a href="{h(s.url)}" rel="noopener noreferrer">{title}</a>')
            else:
                out.append(title)
            if s.publisher:
                out.append(f' <span class="muted">· {h(s.publisher)}</span>')
            out.append("\n          ")
            if s.quote:
                out.append(f"<blockquote>{h(s.quote)}</blockquote>")
            out.append("</li>\n          ")
        out.append("\n        </ul>\n        ")
    out.append("\n      </li>\n      ")
    return "".join(out)


def _trail(events: list[dict], settled: bool, dates: Dates) -> str:
    if not (len(events) > 1 or (events and not settled)):
        return ""
    items = []
    for t in events:
        step = SCALE.get(t["rating"])
        item = ["<li>"]
        if t["action"] == "settled":
            code, label = (h(step.code), h(step.label)) if step else ("", "")
            item.append(f'Settled as <span class="code">{code}</span> {label}')
        else:
            item.append("Reopened")
        if t["who"]:
            item.append(f" by {h(person_name(t['who']))}")
        item.append(f" · {dates.time_element(t['when'], clock=True)}")
        if t["action"] == "settled" and t["note"]:
            item.append(f": {h(t['note'])}")
        item.append("</li>")
        items.append("".join(item))
    return (
        '\n    <div class="trail">'
        '\n      <p class="small"><strong>Settlement trail</strong></p>'
        f'\n      <ol class="small">{"".join(items)}</ol>'
        "\n    </div>\n    "
    )


def claim_entry(entry, by_pk: dict, dates: Dates | None = None) -> str:
    """A claim's <article> in the summary (``entry``: a ``dashboard.Entry`` as
    ``export_data.StorySource.entries`` loads it; ``by_pk``: the story's versions; ``dates``:
    one ``Dates`` for many claims)."""
    dates = dates or Dates()
    claim = entry.claim
    status = entry.status
    anchor = f"claim-{claim.pk}"
    shown = claim.display_rating
    version = h(by_pk[claim.version_id].label)
    number = h(claim.number)
    out = [
        f'\n  <article class="claim claim--{h(status)}'
        + (f" r-{h(shown)}" if shown else "")
        + f'" id="{anchor}" aria-labelledby="{anchor}-title">'
        '\n    <div class="claim__head">'
        f'\n      <h4 id="{anchor}-title">Claim #{number} <span class="muted small">· {version}'
        "</span></h4>"
        '\n      <p class="small">\n        '
    ]
    final = SCALE[claim.settled_rating] if claim.is_settled else None
    if status == "settled":
        out.append(
            f'<span class="badge badge--settled r-{h(claim.settled_rating)}"><span class="code">'
            f"{h(final.code)}</span> Settled: {h(final.label)}</span>\n        "
        )
    elif status == "contested":
        out.append(
            '<span class="badge badge--contested"><span aria-hidden="true">⚑</span> Contested'
            "</span>\n        "
        )
    elif shown:
        step = SCALE[shown]
        out.append(
            f'<span class="badge r-{h(shown)}"><span class="code">{h(step.code)}</span> '
            f"Reviewers agree: {h(step.label)}</span>\n        "
        )
    else:
        out.append('<span class="badge badge--open">Open, not yet reviewed</span>')
    out.append(
        "\n      </p>\n    </div>"
        f'\n    <blockquote class="quote">{h(claim.exact)}</blockquote>'
        f'\n    <p class="small"><a href="#text-{anchor}">Show claim #{number} in the text of '
        f"{version}</a></p>\n    "
    )
    reasons = entry.reason_labels
    if reasons:
        because = "Was contested because" if status == "settled" else "Contested because"
        labels = "".join(f'<span class="reason">{h(label)}</span>' for _, label in reasons)
        out.append(f'<p class="small">{because}: {labels}</p>')
    out.append("\n    ")
    for cp, other in entry.counterparts:
        label = h(by_pk.get(cp.version_id, cp.version).label)
        confirmed = " · confirmed" if cp.status == "confirmed" else ""
        out.append(f"\n    <h5>Counterpart in {label}{confirmed}</h5>\n    ")
        if cp.absent:
            out.append(f'<p class="gap">Not present in {label}.</p>\n    ')
        else:
            out.append(f'<blockquote class="quote quote--other">{h(cp.exact)}</blockquote>')
            if other:
                out.append(
                    f'<p class="small">Marked there as <a href="#claim-{h(other.pk)}">claim '
                    f"#{h(other.number)}</a>.</p>"
                )
        out.append("\n    ")
        if cp.fact_diffs:
            facts = "".join(f'<li class="fact">{h(d.get("text", ""))}</li>' for d in cp.fact_diffs)
            out.append(f'<h5>Fact differences</h5><ul class="facts">{facts}</ul>')
        out.append("\n    ")
    out.append("\n    <h5>Reviewers' verdicts</h5>\n    ")
    verdicts = claim.verdicts.all()
    if verdicts:
        out.append('\n    <ul class="verdicts">\n      ')
        out.extend(_verdict(v, dates) for v in verdicts)
        out.append("\n    </ul>\n    ")
    else:
        out.append('<p class="muted small">No verdicts yet.</p>')
    out.append("\n    ")
    if final:
        out.append(
            f'\n    <div class="final r-{h(claim.settled_rating)}">'
            f'\n      <p><strong>Final verdict:</strong> <span class="code">{h(final.code)}</span> '
            f"{h(final.label)}</p>"
            f'\n      <p class="who">Settled by {h(person_name(claim.settled_by))} · '
            f"{dates.time_element(claim.settled_at, clock=True)}</p>\n      "
        )
        if claim.settled_note:
            out.append(f'<p class="rationale">{h(claim.settled_note)}</p>')
        out.append("\n    </div>\n    ")
    out.append("\n    ")
    out.append(_trail(getattr(claim, "settlement_trail", []), bool(final), dates))
    out.append("\n  </article>\n  ")
    return "".join(out)


# ---------------------------------------------------------------------------- the text


def number_link(view: dict) -> str:
    """The link to a claim's entry where its highlight starts (``view``: ``mark_view``)."""
    contested = view["status"] == "contested"
    code = f" {h(view['code'])}" if view["code"] else ""
    state = ", contested" if contested else ", settled" if view["status"] == "settled" else ""
    return (
        f'<a class="hl-n{" hl-n--contested" if contested else ""}" id="text-{view["anchor"]}" '
        f'href="#{view["anchor"]}" aria-label="Claim #{h(view["number"])}{code}{state}" '
        f'data-n="#{h(view["number"])}{code}"></a>'
    )


def highlight(view: dict, depth: int, text: str) -> str:
    """A piece of text inside ``depth`` claims, the innermost ``view`` (``mark_view``)."""
    rating = f" has-rating r-{h(view['rating'])}" if view["rating"] else ""
    deeper = f' data-depth="{depth}"' if depth > 1 else ""
    return f'<mark class="hl hl--{h(view["status"])}{rating}"{deeper}>{h(text)}</mark>'


def block_open(kind: str, before: str) -> str:
    """The text before a block (kept as stored), and the block's opening tag."""
    return f'{h(before)}<p class="block block--{h(kind)}">'
