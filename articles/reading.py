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
