"""Build the reading view's text: blocks, sentences and claim highlights, as safe HTML.

Markup is built here rather than in a template because the text must be exactly the stored
text's. The mapping between the page and the stored text is the identity: the text nodes of
the text element (``#version-text``), in document order, concatenate to ``Version.text``
character for character, whitespace between blocks included (it is rendered as text
between the block elements, where it does not show). Claim numbers are CSS generated
content (``data-n``/``data-close``), never text. So a W3C TextPositionSelector's code point
offsets into the stored text are offsets into that element's text, and a TextQuoteSelector
cut from the stored text matches it exactly (``tests/articles/test_reading.py``,
``tests/browser/test_anchoring.py``).
Every piece of text goes through ``escape``; nothing the user wrote becomes markup.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.cache import cache
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from articles import claim_status
from articles.ratings import Rating
from articles.text.anchoring import pieces_by_sentence

BLOCK_TAGS = {
    "heading": "h2",
    "byline": "p",
    "dateline": "p",
    "caption": "p",
    "paragraph": "p",
}


def render_text(text: str, blocks: Sequence, sentences: Sequence, claims: Sequence) -> SafeString:
    """Return the version's text as HTML: one element per block, one per sentence, marks per claim.

    ``blocks`` and ``sentences`` are model rows (ordered), ``claims`` the version's claims.
    Sentence elements carry ``data-start``/``data-end`` (code points into the stored text).
    """
    out = []
    position = 0
    for start, end, html in _render_blocks(text, blocks, sentences, claims):
        out.append(escape(text[position:start]))  # the gap before: "\n\n" mostly
        out.append(html)
        position = end
    out.append(escape(text[position:]))
    return mark_safe("".join(out))  # noqa: S308 -- every text piece is escaped


def render_blocks(
    text: str, blocks: Sequence, sentences: Sequence, claims: Sequence, *, oob: bool = False
) -> list[str]:
    """Each block's HTML (``id="b<position>"``), as in ``render_text``; any subset of blocks.

    ``sentences`` are those of the given blocks, ``claims`` at least those overlapping them.
    With ``oob`` each block replaces its namesake in the page (an htmx out-of-band swap):
    a live update redraws only the blocks whose claims changed.
    """
    return [html for _, _, html in _render_blocks(text, blocks, sentences, claims, oob=oob)]


def _render_blocks(
    text: str, blocks: Sequence, sentences: Sequence, claims: Sequence, *, oob: bool = False
) -> list[tuple[int, int, str]]:
    """(start, end, HTML) of each block; the text between blocks is left to the caller."""
    by_block: dict[int, list] = {}
    for sentence in sentences:
        by_block.setdefault(sentence.block_id, []).append(sentence)

    # A block's text starts at its first sentence (blocks are trimmed; only block.end is
    # read, so rows without a start do); what lies before it is the gap between blocks.
    # Every character of a block lies in one run: a sentence, or the gap (None) between
    # or after its sentences.
    starts: list[int] = []
    runs: list[tuple[int, int, object]] = []
    position = 0
    for block in blocks:
        block_sentences = by_block.get(block.pk, [])
        start = block_sentences[0].start if block_sentences else position
        starts.append(start)
        position = start
        for sentence in block_sentences:
            if position < sentence.start:
                runs.append((position, sentence.start, None))
            runs.append((sentence.start, sentence.end, sentence))
            position = sentence.end
        if position < block.end:
            runs.append((position, block.end, None))
        position = max(position, block.end)
    spans = [(c.start, c.end, c) for c in claims]
    pieces = pieces_by_sentence([(s, e) for s, e, _ in runs], spans)

    html_by_run = []
    for (start, _end, sentence), run_pieces in zip(runs, pieces, strict=True):
        # A claim's first piece (its number, its keyboard stop) is the one at its start, so
        # that a block drawn alone looks as it does in the whole text.
        inner = "".join(_piece_html(text, p) for p in run_pieces)
        if sentence is None:
            html_by_run.append((start, inner))
        else:
            html_by_run.append(
                (
                    start,
                    f'<span class="s" id="s{sentence.position}" data-start="{sentence.start}" '
                    f'data-end="{sentence.end}">{inner}</span>',
                )
            )

    out = []
    run_index = 0
    swap = ' data-hx-swap-oob="true"' if oob else ""
    for block, start in zip(blocks, starts, strict=True):
        tag = BLOCK_TAGS.get(block.kind, "p")
        parts = []
        while run_index < len(html_by_run) and html_by_run[run_index][0] < block.end:
            parts.append(html_by_run[run_index][1])
            run_index += 1
        out.append(
            (
                start,
                block.end,
                f'<{tag} class="block block--{block.kind}" id="b{block.position}" '
                f'data-kind="{block.kind}"{swap}>{"".join(parts)}</{tag}>',
            )
        )
    return out  # every text piece is escaped in _piece_html


def _piece_html(text: str, piece) -> str:
    chunk = escape(text[piece.start : piece.end])
    if not piece.keys:
        return chunk
    claims = piece.keys
    inner = claims[-1]  # innermost: the one a click opens
    numbers = [str(c.number) for c in claims if c.start == piece.start]
    # Claims that end here: their number is drawn as a closing bracket (CSS ::after), so
    # a reader sees where each of two overlapping claims stops.
    closing = [str(c.number) for c in claims if c.end == piece.end]
    rating = inner.display_rating or "none"
    first = str(inner.number) in numbers
    # f-strings, not format_html: thousands of marks per page; every value is a number or
    # one of the fixed status and rating codes, and the text is escaped above.
    attrs = (
        f'class="hl hl--{inner.status} r-{rating}" data-claim="{inner.pk}" '
        f'data-claims="{" ".join(str(c.pk) for c in claims)}" data-depth="{min(len(claims), 3)}"'
    )
    if numbers:
        attrs += f' data-n="{" ".join(numbers)}"'
    if closing:
        attrs += f' data-close="{" ".join(closing)}"'
    if first:
        # The first piece of each claim is a keyboard stop (Tab, then Enter opens the claim).
        attrs += f' id="hl-{inner.pk}" tabindex="0"'
    return f"<mark {attrs}>{chunk}</mark>"


# ---------------------------------------------------------------------------- claim rows

RATING_LABELS = dict(Rating.choices)
CACHE_SECONDS = 600


@dataclass(eq=False)
class ClaimMark:
    """What the text's marks and the claim list show of a claim; details load on demand.

    Built from columns (the stored status among them), not from model rows with their
    verdicts, sources and counterparts: a version with thousands of claims reads in a few
    milliseconds per thousand.
    """

    pk: int
    number: int
    start: int
    end: int
    exact: str
    status: str
    contest_codes: str
    settled_rating: str
    ratings: list[str] = field(default_factory=list)
    missing_from: list[str] = field(default_factory=list)  # labels of versions without it

    @property
    def display_rating(self) -> str | None:
        return claim_status.display_rating(self.settled_rating, self.ratings)

    @property
    def contest_summary(self) -> str:
        codes = self.contest_codes.split(",") if self.contest_codes else []
        return "; ".join(claim_status.REASONS[c][0] for c in codes if c in claim_status.REASONS)


def version_claims(version) -> list[ClaimMark]:
    """The version's claims as ClaimMark rows, ordered by start (longest first): three queries."""
    from articles.models import Claim, Counterpart, Verdict

    claims = {
        row[0]: ClaimMark(*row)
        for row in Claim.objects.filter(version=version)
        .order_by("start", "-end", "pk")
        .values_list(
            "pk",
            "number",
            "start",
            "end",
            "exact",
            "status",
            "contest_codes",
            "settled_rating",
        )
    }
    for claim_id, rating in (
        Verdict.objects.filter(claim__version=version)
        .order_by("created_at", "pk")
        .values_list("claim_id", "rating")
    ):
        claims[claim_id].ratings.append(rating)
    for claim_id, label in (
        Counterpart.objects.filter(
            claim__version=version,
            start__isnull=True,
            status__in=(Counterpart.Status.CONFIRMED, Counterpart.Status.NOT_FOUND),
        )
        .order_by("claim_id", "version__created_at", "version_id")
        .values_list("claim_id", "version__label")
    ):
        claims[claim_id].missing_from.append(label)
    return list(claims.values())


def rendered(version, claims: Sequence[ClaimMark]) -> tuple[SafeString, SafeString]:
    """The version's text with its marks, and the claim list's items: rendered once per state.

    Kept in the cache under a digest of everything they show (the claims' spans, numbers,
    statuses, ratings; the version's blocks, which re-segmenting replaces), so every reader
    of an unchanged version gets the same HTML without rendering it again.
    """
    from articles.models import Block

    first_block = list(
        Block.objects.filter(version=version).order_by("pk").values_list("pk", flat=True)[:1]
    )
    digest = hashlib.blake2b(digest_size=16)
    digest.update(repr((version.pk, first_block, version.segmenter, version.text_sha256)).encode())
    for c in claims:
        digest.update(
            repr(
                (
                    c.pk,
                    c.number,
                    c.start,
                    c.end,
                    c.status,
                    c.contest_codes,
                    c.settled_rating,
                    c.ratings,
                    c.missing_from,
                    c.exact,
                )
            ).encode()
        )
    key = f"reading:{version.pk}:{digest.hexdigest()}"
    cached = cache.get(key)
    if cached is None:
        blocks, sentences = _segments(version, first_block)
        cached = (
            str(render_text(version.text, blocks, sentences, claims)),
            str(render_claim_items(claims)),
        )
        cache.set(key, cached, CACHE_SECONDS)
    text_html, items_html = cached
    # Both were built from escaped text only (render_text, render_claim_items).
    return mark_safe(text_html), mark_safe(items_html)  # noqa: S308


class _Block(NamedTuple):
    pk: int
    position: int
    kind: str
    end: int


class _Sentence(NamedTuple):
    block_id: int
    position: int
    start: int
    end: int


def _segments(version, first_block: list[int]) -> tuple[list[_Block], list[_Sentence]]:
    """The version's blocks and sentences as plain values, cached: they change only when
    the version is re-segmented, which replaces its blocks (``first_block`` then differs).
    """
    key = f"segments:{version.pk}:{first_block}:{version.text_sha256}"
    segments = cache.get(key)
    if segments is None:
        segments = (
            [_Block(*row) for row in version.blocks.values_list("pk", "position", "kind", "end")],
            [
                _Sentence(*row)
                for row in version.sentences.values_list("block_id", "position", "start", "end")
            ],
        )
        cache.set(key, segments, CACHE_SECONDS)
    return segments


def render_claim_items(claims: Sequence[ClaimMark]) -> SafeString:
    """The claim list's items (``<li>`` each), as templates/articles/_status.html draws a status.

    Written here, not in a template, for the same reason as the text: a version may have
    thousands of claims, and a template include per claim costs a hundred times more.
    """
    url = reverse("articles:claim_detail", args=[0])
    head, tail = url.split("/0/")
    out = []
    for c in claims:
        link = f"{head}/{c.pk}/{tail}"
        out.append(
            f'<li class="claim-item claim-item--{c.status}" id="claim-item-{c.pk}" '
            f'data-claim="{c.pk}">\n'
            f'  <a href="{link}" data-hx-get="{link}" data-hx-target="#claim-panel" '
            'data-hx-swap="innerHTML">\n'
            f'    <span class="claim-no">#{c.number}</span>\n'
            f'    <span class="claim-quote">{escape(_truncate(c.exact, 110))}</span>\n'
            f"  </a>\n  {status_html(c)}\n</li>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 -- the quote is escaped, the rest is ours


def _truncate(text: str, length: int) -> str:
    """Like the truncatechars filter: at most ``length`` characters, an ellipsis included."""
    return text if len(text) <= length else text[: length - 1] + "…"


def status_html(c: ClaimMark) -> str:
    """A claim's status badges: the markup of templates/articles/_status.html."""
    if c.status == claim_status.SETTLED:
        label = escape(RATING_LABELS.get(c.settled_rating, ""))
        badge = (
            f'<span class="badge badge--settled r-{escape(c.settled_rating)}" '
            f'title="Settled: {label}">Settled · {label}</span>'
        )
    elif c.status == claim_status.CONTESTED:
        badge = (
            '<span class="badge badge--contested"><span aria-hidden="true">⚑</span> Contested'
            f'</span> <span class="reason-text">{escape(c.contest_summary)}</span>'
        )
    elif c.status == claim_status.REVIEWED:
        n = len(c.ratings)
        badge = (
            f'<span class="badge r-{c.display_rating}">{n} verdict{"" if n == 1 else "s"}</span>'
        )
    else:
        badge = '<span class="badge badge--open">Open</span>'
    if c.missing_from:
        badge += (
            ' <span class="badge badge--quiet" title="A reviewer confirmed it, or nothing similar'
            f' was found">Not in {escape(", ".join(c.missing_from))}</span>'
        )
    return f'<span class="status-group">{badge}</span>'
