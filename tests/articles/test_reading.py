"""The reading view's text element holds the stored text verbatim: the documented mapping
between the page's DOM text and ``Version.text`` is the identity (articles/reading.py)."""

from html.parser import HTMLParser
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from articles.reading import render_text
from articles.text.segmentation import normalize, segment

VOID = {"br", "img", "input", "meta", "link", "hr", "wbr"}


class _TextOf(HTMLParser):
    """The text nodes inside the first element whose ``attr`` is ``value`` (all text if
    ``attr`` is None), in document order, as a browser's ``textContent`` gives them."""

    def __init__(self, attr=None, value=None):
        super().__init__(convert_charrefs=True)
        self.attr, self.value = attr, value
        self.depth = 0 if attr else 1
        self.done = False
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
        elif not self.done and (self.attr, self.value) in attrs:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1
            self.done = self.done or self.depth == 0

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(html: str, attr=None, value=None) -> str:
    parser = _TextOf(attr, value)
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def rows(text: str, claim_spans=()):
    """Blocks, sentences and claims as render_text reads them from the database."""
    blocks, sentences = [], []
    for i, block in enumerate(segment(text), 1):
        # As articles/reading.py reads them: a block's pk, kind and end (no start).
        blocks.append(SimpleNamespace(pk=i, position=i, end=block.end, kind=block.kind))
        for span in block.sentences:
            sentences.append(
                SimpleNamespace(block_id=i, position=len(sentences), start=span.start, end=span.end)
            )
    claims = [
        SimpleNamespace(pk=n, number=n, start=s, end=e, status="open", display_rating=None)
        for n, (s, e) in enumerate(claim_spans, 1)
    ]
    return blocks, sentences, claims


TEXT = normalize(
    "  Headline 🌊 & <b>not bold</b>\n\nBy A. Writer\n\nFirst sentence. Second one\nwrapped.  "
    "Third.\n\n\n\nLast paragraph, after three blank lines.\n"
)


def test_the_text_element_holds_the_stored_text_with_blank_lines_and_edges():
    spans = [(2, 12), (TEXT.index("Second"), TEXT.index("Last") + 4)]  # one crosses blocks
    html = render_text(TEXT, *rows(TEXT, spans))
    assert text_of(html) == TEXT
    assert "<b>" not in html and "&lt;b&gt;" in html
    # The claim numbers are attributes for CSS generated content, not text.
    assert 'data-n="1"' in html and 'data-n="2"' in html


texts = st.text(
    alphabet=st.sampled_from(list("ab .?\n\n\n  Mr<&>\"'🌊é\u0301\t")) | st.characters(),
    max_size=160,
).map(normalize)


@given(texts, st.data())
def test_the_dom_text_is_the_stored_text(text, data):
    """Whatever the text and wherever claims lie (overlapping, across blocks), the text
    nodes of the rendered element concatenate to the stored text exactly."""
    spans = []
    if text:
        for _ in range(data.draw(st.integers(0, 4))):
            start = data.draw(st.integers(0, len(text) - 1))
            spans.append((start, data.draw(st.integers(start + 1, len(text)))))
    html = render_text(text, *rows(text, spans))
    assert text_of(html) == text
