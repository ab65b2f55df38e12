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

A version past ``LAZY_CHARS`` (or ``LAZY_SENTENCES``, or with more than ``LAZY_CLAIMS``
claims) is shown in windows of blocks (``Window``), each bounded in characters and in claims: the page opens with one, and the others load as the reader scrolls up or
down, or jumps to a claim or sentence. What holds then: each window's text nodes are the
stored text from its start to the next window's, so windows loaded next to each other
are the stored text between their ends, and once every window has loaded (as by
scrolling from the top to the end) the element's text is the whole stored text again
(``tests/browser/test_lazy_reading.py``). Until then a TextPositionSelector's offsets
are not offsets into the element's text: anchoring a W3C annotation in the page needs
the whole text loaded. Sentences carry their stored offsets (``data-start``), so marking
a claim by selecting words in any loaded window sends the right offsets. A live update's
block (``render_blocks`` with ``oob``) that the page has not loaded finds no target and is
dropped; the window brings that block's current state when it loads.
Every piece of text goes through ``escape``; nothing the user wrote becomes markup.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.cache import cache
from django.db.models import Q
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
    text: str,
    blocks: Sequence,
    sentences: Sequence,
    claims: Sequence,
    *,
    oob: bool = False,
    offset: int = 0,
) -> list[str]:
    """Each block's HTML (``id="b<position>"``), as in ``render_text``; any subset of blocks.

    ``sentences`` are those of the given blocks, ``claims`` at least those overlapping them.
    With ``oob`` each block replaces its namesake in the page (an htmx out-of-band swap):
    a live update redraws only the blocks whose claims changed. ``text`` may be a slice
    of the stored text that starts at code point ``offset`` and covers the blocks.
    """
    return [
        html
        for _, _, html in _render_blocks(text, blocks, sentences, claims, oob=oob, offset=offset)
    ]


def _render_blocks(
    text: str,
    blocks: Sequence,
    sentences: Sequence,
    claims: Sequence,
    *,
    oob: bool = False,
    offset: int = 0,
) -> list[tuple[int, int, str]]:
    """(start, end, HTML) of each block; the text between blocks is left to the caller.

    Offsets are into the stored text; ``text`` is that text from code point ``offset`` on.
    """
    by_block: dict[int, list] = {}
    for sentence in sentences:
        by_block.setdefault(sentence.block_id, []).append(sentence)

    # A block's text starts at its first sentence (blocks are trimmed; only block.end is
    # read, so rows without a start do); what lies before it is the gap between blocks.
    # Every character of a block lies in one run: a sentence, or the gap (None) between
    # or after its sentences.
    starts: list[int] = []
    runs: list[tuple[int, int, object]] = []
    position = offset
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
        inner = "".join(_piece_html(text, p, offset) for p in run_pieces)
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


def _piece_html(text: str, piece, offset: int = 0) -> str:
    chunk = escape(text[piece.start - offset : piece.end - offset])
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


def version_claims(
    version,
    span: tuple[int, int] | None = None,
    *,
    after: tuple[int, int, int] | None = None,
    limit: int | None = None,
) -> list[ClaimMark]:
    """The version's claims as ClaimMark rows, ordered by start (longest first): three queries.

    With ``span`` (code points, half-open), only the claims that overlap it. With ``after``
    (a ``claim_key``), only the claims listed after that one; with ``limit``, at most that many.
    """
    from articles.models import Claim, Counterpart, Verdict

    rows = Claim.objects.filter(version=version)
    if span is not None:
        rows = rows.filter(start__lt=span[1], end__gt=span[0])
    if after is not None:
        start, end, pk = after
        rows = rows.filter(
            Q(start__gt=start) | Q(start=start, end__lt=end) | Q(start=start, end=end, pk__gt=pk)
        )
    rows = rows.order_by("start", "-end", "pk")
    if limit is not None:
        rows = rows[:limit]
    claims = {
        row[0]: ClaimMark(*row)
        for row in rows.values_list(
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
    verdicts = Verdict.objects.filter(claim__version=version)
    missing = Counterpart.objects.filter(claim__version=version)
    if after is not None or limit is not None:
        # A page's claims by id: no join, only their rows.
        verdicts = Verdict.objects.filter(claim_id__in=list(claims))
        missing = Counterpart.objects.filter(claim_id__in=list(claims))
    elif span is not None:
        verdicts = verdicts.filter(claim__start__lt=span[1], claim__end__gt=span[0])
        missing = missing.filter(claim__start__lt=span[1], claim__end__gt=span[0])
    for claim_id, rating in verdicts.order_by("created_at", "pk").values_list("claim_id", "rating"):
        claims[claim_id].ratings.append(rating)
    for claim_id, label in (
        missing.filter(
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
    first_block = _first_block(version)
    key = f"reading:{version.pk}:{_digest(version, first_block, claims)}"
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


def rendered_claim_items(version, claims: Sequence[ClaimMark]) -> SafeString:
    """The claim list's items, cached like ``rendered``: for a version read in windows, or a
    page of the list."""
    key = f"claim-items:{version.pk}:{_digest(version, [], claims)}"
    cached = cache.get(key)
    if cached is None:
        cached = str(render_claim_items(claims))
        cache.set(key, cached, CACHE_SECONDS)
    return mark_safe(cached)  # noqa: S308 -- built by render_claim_items from escaped text


def _first_block(version) -> list[int]:
    from articles.models import Block

    return list(
        Block.objects.filter(version=version).order_by("pk").values_list("pk", flat=True)[:1]
    )


def _digest(version, first_block: list[int], claims: Sequence[ClaimMark]) -> str:
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
    return digest.hexdigest()


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
            f'data-claim="{c.pk}" data-key="{claim_key(c)}">\n'
            f'  <a href="{link}" data-hx-get="{link}" data-hx-target="#claim-panel" '
            'data-hx-swap="innerHTML">\n'
            f'    <span class="claim-no">#{c.number}</span>\n'
            f'    <span class="claim-quote">{escape(_truncate(c.exact, 110))}</span>\n'
            f"  </a>\n  {status_html(c)}\n</li>"
        )
    return mark_safe("\n".join(out))  # noqa: S308 -- the quote is escaped, the rest is ours


# ---------------------------------------------------------------------------- claim list

# A version with more claims than this is read in windows of its text (as a long one is),
# and its claim list shows CLAIM_PAGE items at a time, the next ones loading at its end
# ("Show more claims", fetched as it comes into view; a plain link without JavaScript).
LAZY_CLAIMS = 300
CLAIM_PAGE = 100


def claim_key(claim) -> str:
    """Where a claim stands in the list (by start, longer first, then pk): "start-end-pk"."""
    return f"{claim.start}-{claim.end}-{claim.pk}"


def parse_claim_key(raw: str | None) -> tuple[int, int, int] | None:
    """The (start, end, pk) of a ``claim_key``; None unless it is three numbers."""
    parts = (raw or "").split("-")
    if len(parts) != 3 or not all(p.isascii() and p.isdecimal() and len(p) < 12 for p in parts):
        return None
    start, end, pk = (int(p) for p in parts)
    return start, end, pk


def claim_page(version, after: tuple[int, int, int] | None = None) -> tuple[list[ClaimMark], str]:
    """The CLAIM_PAGE claims listed after ``after`` (from the first without it), and the key
    of the last of them if more follow ("" if none): three queries, bounded however many."""
    claims = version_claims(version, after=after, limit=CLAIM_PAGE + 1)
    if len(claims) <= CLAIM_PAGE:
        return claims, ""
    claims = claims[:CLAIM_PAGE]
    return claims, claim_key(claims[-1])


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


# ---------------------------------------------------------------------------- windows

# A version longer than this is read in windows of blocks that load as the reader scrolls
# (or jumps): a 1,000-page report opens at its top at once. Shorter ones render whole.
LAZY_CHARS = 200_000
LAZY_SENTENCES = 3_000
# A window ends before the block that takes it past WINDOW_CHARS code points (it holds at
# least one block, however long) or at WINDOW_BLOCKS blocks.
WINDOW_CHARS = 40_000
WINDOW_BLOCKS = 200


# A window also ends before the block that holds its WINDOW_CLAIMS+1-th claim (it holds at
# least one block, however many claims): a window's size is bounded by its claims too.
WINDOW_CLAIMS = 150


def is_lazy(*, text_length: int, sentence_count: int, claim_count: int = 0) -> bool:
    """True if a version this long, or with this many claims, is read in windows."""
    return text_length > LAZY_CHARS or sentence_count > LAZY_SENTENCES or claim_count > LAZY_CLAIMS


@dataclass(frozen=True)
class Window:
    """A run of a long version's blocks with the text between and after them, as HTML.

    The text nodes of ``html`` concatenate to ``Version.text[start:end]``; the windows
    that follow each other (``later`` is the next one's first block, ``earlier`` this
    one's, for the window before it; None at either end of the text) tile the whole text.
    """

    html: SafeString
    start: int
    end: int
    first: int  # block positions, inclusive
    last: int
    earlier: int | None
    later: int | None


class _WindowBlock(NamedTuple):
    pk: int
    position: int
    kind: str
    start: int
    end: int


def window_from(version, position: int) -> Window | None:
    """The window that starts at block ``position``; None if the version has no such block.

    Eight queries: blocks, where its claims cut it, claims (three), and unless its HTML is
    cached (``_window``), text and sentences.
    """
    from articles.models import Block

    rows = [
        _WindowBlock(*row)
        for row in Block.objects.filter(version=version, position__gte=position)
        .order_by("position")
        .values_list("pk", "position", "kind", "start", "end")[: WINDOW_BLOCKS + 1]
    ]
    if not rows or rows[0].position != position:
        return None
    # The start of the first claim past WINDOW_CLAIMS from the window's start on, if any.
    cut = _nth_claim_start(version, rows[0].start, rows[-1].end, descending=False)
    keep = rows[:1]
    for row in rows[1:WINDOW_BLOCKS]:
        if row.end - rows[0].start > WINDOW_CHARS or (cut is not None and row.end > cut):
            break
        keep.append(row)
    following = rows[len(keep)] if len(rows) > len(keep) else None
    return _window(version, keep, following)


def window_before(version, position: int) -> Window | None:
    """The window that ends where block ``position`` starts; None if there is none."""
    from articles.models import Block

    rows = [
        _WindowBlock(*row)
        for row in Block.objects.filter(version=version, position__lte=position)
        .order_by("-position")
        .values_list("pk", "position", "kind", "start", "end")[: WINDOW_BLOCKS + 1]
    ]
    if len(rows) < 2 or rows[0].position != position:
        return None
    following, rows = rows[0], rows[1:]
    # The start of the first claim past WINDOW_CLAIMS counting back from the window's end.
    cut = _nth_claim_start(version, rows[-1].start, following.start, descending=True)
    keep = rows[:1]
    for row in rows[1:]:
        if rows[0].end - row.start > WINDOW_CHARS or (cut is not None and row.start <= cut):
            break
        keep.append(row)
    keep.reverse()
    return _window(version, keep, following)


def _nth_claim_start(version, start: int, end: int, *, descending: bool) -> int | None:
    """The start of the WINDOW_CLAIMS+1-th claim starting in [start, end), counted from
    ``start`` (or back from ``end``); None if there are no more than WINDOW_CLAIMS."""
    from articles.models import Claim

    rows = Claim.objects.filter(version=version, start__gte=start, start__lt=end).order_by(
        "-start" if descending else "start"
    )
    found = list(rows.values_list("start", flat=True)[WINDOW_CLAIMS : WINDOW_CLAIMS + 1])
    return found[0] if found else None


def window(version, where: str, number: int) -> Window | None:
    """The window ``where`` (``from``, ``before``, ``claim``, ``sentence``) and ``number``
    point at: a block position, a claim's pk, a sentence position. None if there is none.
    """
    from articles.models import Claim, Sentence

    if where == "from":
        return window_from(version, number)
    if where == "before":
        return window_before(version, number)
    if where == "claim":
        start = Claim.objects.filter(version=version, pk=number).values_list("start", flat=True)
        start = start.first()
        return None if start is None else window_from(version, block_at(version, start))
    if where == "sentence":
        position = (
            Sentence.objects.filter(version=version, position=number)
            .values_list("block__position", flat=True)
            .first()
        )
        return None if position is None else window_from(version, position)
    raise ValueError(where)


def block_at(version, offset: int) -> int:
    """The position of the block that holds code point ``offset`` (or the next one; 0 if none)."""
    from articles.models import Block

    found = (
        Block.objects.filter(version=version, end__gt=offset)
        .order_by("position")
        .values_list("position", flat=True)
        .first()
    )
    return found or 0


def _window(version, blocks: list[_WindowBlock], following: _WindowBlock | None) -> Window:
    """The window of ``blocks``; its HTML is cached like ``rendered``'s, under a digest of
    its claims and blocks, so a window shown again costs its claims' queries, no rendering.
    """
    from django.db.models.functions import Substr

    from articles.models import Sentence, Version

    start = 0 if blocks[0].position == 0 else blocks[0].start
    # The text between the last block and the next one is this window's: the windows tile.
    end = following.start if following else None
    # The last window's claims: every claim from its start on (none lies past the text).
    claims = version_claims(version, (start, end if end is not None else 2**62))
    key = (
        f"window:{version.pk}:{blocks[0].pk}:{blocks[-1].pk}:{start}:{end}:"
        f"{_digest(version, [], claims)}"
    )
    cached = cache.get(key)
    if cached is None:
        # Only the window's text leaves the database, not a 1M-word version's whole text.
        chunk = (
            Version.objects.filter(pk=version.pk)
            .annotate(chunk=Substr("text", start + 1, None if end is None else end - start))
            .values_list("chunk", flat=True)
            .get()
        )
        sentences = [
            _Sentence(*row)
            for row in Sentence.objects.filter(block_id__in=[b.pk for b in blocks])
            .order_by("position")
            .values_list("block_id", "position", "start", "end")
        ]
        out = []
        position = start
        for block_start, block_end, html in _render_blocks(
            chunk, blocks, sentences, claims, offset=start
        ):
            out.append(escape(chunk[position - start : block_start - start]))
            out.append(html)
            position = block_end
        out.append(escape(chunk[position - start :]))
        cached = ("".join(out), start + len(chunk))
        cache.set(key, cached, CACHE_SECONDS)
    html, end = cached
    return Window(
        html=mark_safe(html),  # noqa: S308 -- every text piece is escaped
        start=start,
        end=end,
        first=blocks[0].position,
        last=blocks[-1].position,
        earlier=blocks[0].position or None,
        later=following.position if following else None,
    )
