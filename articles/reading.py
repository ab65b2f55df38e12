"""Build the reading view's text: blocks, sentences and claim highlights, as safe HTML.

Markup is built here rather than in a template because whitespace inside a sentence
element must be exactly the stored text's: the browser measures offsets from it.
Every piece of text goes through ``escape``; nothing the user wrote becomes markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

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
    return mark_safe("\n".join(render_blocks(text, blocks, sentences, claims)))  # noqa: S308


def render_blocks(
    text: str, blocks: Sequence, sentences: Sequence, claims: Sequence, *, oob: bool = False
) -> list[str]:
    """Each block's HTML (``id="b<position>"``), as in ``render_text``; any subset of blocks.

    ``sentences`` are those of the given blocks, ``claims`` at least those overlapping them.
    With ``oob`` each block replaces its namesake in the page (an htmx out-of-band swap):
    a live update redraws only the blocks whose claims changed.
    """
    by_block: dict[int, list] = {}
    for sentence in sentences:
        by_block.setdefault(sentence.block_id, []).append(sentence)

    runs: list[tuple[int, int, object]] = []  # (start, end, sentence or None for a gap)
    for block in blocks:
        previous_end = None
        for sentence in by_block.get(block.pk, []):
            if previous_end is not None and previous_end < sentence.start:
                runs.append((previous_end, sentence.start, None))
            runs.append((sentence.start, sentence.end, sentence))
            previous_end = sentence.end
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
    for block in blocks:
        tag = BLOCK_TAGS.get(block.kind, "p")
        parts = []
        while run_index < len(html_by_run) and html_by_run[run_index][0] < block.end:
            parts.append(html_by_run[run_index][1])
            run_index += 1
        out.append(
            f'<{tag} class="block block--{block.kind}" id="b{block.position}" '
            f'data-kind="{block.kind}"{swap}>{"".join(parts)}</{tag}>'
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
    return format_html(
        '<mark class="hl hl--{} r-{}" data-claim="{}" data-claims="{}" data-depth="{}"{}{}{}>{}</mark>',
        inner.status,
        rating,
        inner.pk,
        " ".join(str(c.pk) for c in claims),
        min(len(claims), 3),
        format_html(' data-n="{}"', " ".join(numbers)) if numbers else "",
        format_html(' data-close="{}"', " ".join(closing)) if closing else "",
        # The first piece of each claim is a keyboard stop (Tab, then Enter opens the claim).
        format_html(' id="hl-{}" tabindex="0"', inner.pk) if first else "",
        chunk,
    )
