"""Who's here, the reading view's presence region, written directly as a string.

A live poll answers it whenever someone on the page's version opens another claim: in a
busy story that is most polls, and the template's loop over some twenty people was half
of such a poll's work. The output is what the template wrote (tests/articles/
test_presence_html.py renders the old template beside it): every value goes through
``h``, as ``{{ value }}`` in an autoescaped template does.

Pure: no queries (``people`` come with their user and claim loaded).
"""

from __future__ import annotations

from django.urls import reverse

from articles.export_html import h, person_name


def region(version_pk: int, people, fingerprint: str, *, oob: bool = False) -> str:
    """The ``#presence`` section: ``people`` are ``Presence`` rows (``workflow.present``)."""
    leave = reverse("articles:presence_leave", args=[version_pk])
    swap = ' data-hx-swap-oob="true"' if oob else ""
    out = [
        '\n<section id="presence" class="presence" aria-label="Also reading this version" '
        f'aria-live="polite" data-leave-url="{h(leave)}" data-fingerprint="{h(fingerprint)}"'
        f"{swap}>\n  "
    ]
    if people:
        out.append(
            '\n  <p class="presence__label">Also here</p>\n  <ul class="presence__list">\n    '
        )
        for p in people:
            name = person_name(p.user)
            claim = f' data-claim="{h(p.claim_id)}"' if p.claim_id else ""
            looking = (
                f' <span class="muted small">looking at <a href="?claim={h(p.claim_id)}">'
                f"claim #{h(p.claim.number)}</a></span>"
                if p.claim_id
                else ""
            )
            out.append(
                f'\n    <li class="presence__person" data-user="{h(p.user_id)}"{claim}>\n'
                f'      <span class="avatar" aria-hidden="true">{h(name[:1].upper())}</span>\n'
                f'      <span class="presence__name">{h(name)}</span>{looking}\n    </li>\n    '
            )
        out.append("\n  </ul>\n  ")
    out.append("\n</section>\n")
    return "".join(out)
