"""Selections, quote selectors and highlight flattening, as pure functions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text.anchoring import (
    SelectionError,
    Span,
    check_selection,
    codepoint_to_utf16,
    describe,
    describe_unique,
    flatten,
    match_quote,
    pieces_by_sentence,
    pieces_streamed,
    snap_to_words,
    utf16_to_codepoint,
)

TEXT = "DeepSeek says it trained its model using 2,000 chips. Rivals 🚀 used 16,000."


def test_it_accepts_a_selection_that_matches_the_text():
    start = TEXT.index("2,000 chips")
    assert check_selection(TEXT, start, start + 11, "2,000 chips") == Span(start, start + 11)


def test_it_snaps_a_partial_word_selection_to_whole_words():
    start = TEXT.index("rained")
    span = check_selection(TEXT, start, start + 9, "rained it")
    assert TEXT[span.start : span.end] == "trained its"


def test_it_ignores_whitespace_differences_from_the_rendered_page():
    text = "First paragraph ends.\n\nSecond begins here."
    start, end = text.index("ends"), text.index("Second") + 6
    assert check_selection(text, start, end, "ends.Second") == Span(start, end)


@pytest.mark.parametrize(
    "start, end, exact, message",
    [
        (-1, 5, "DeepS", "outside the text"),
        (10, 10_000, "x", "outside the text"),
        (5, 5, "", "outside the text"),
        (9, 3, "x", "outside the text"),
        ("abc", 5, "x", "not a number"),
        (None, 5, "x", "not a number"),
        (0, 8, "   ", "empty"),
        (0, 8, "Rivals", "does not match"),
    ],
)
def test_it_rejects_bad_selections(start, end, exact, message):
    with pytest.raises(SelectionError, match=message):
        check_selection(TEXT, start, end, exact)


def test_it_rejects_a_selection_of_only_whitespace():
    text = "a    b"
    with pytest.raises(SelectionError):
        check_selection(text, 2, 4, "  ")


def test_it_converts_offsets_between_code_points_and_utf16():
    text = "a🚀b😀c"
    assert [codepoint_to_utf16(text, i) for i in range(6)] == [0, 1, 3, 4, 6, 7]
    assert [utf16_to_codepoint(text, u) for u in range(8)] == [0, 1, None, 2, 3, None, 4, 5]


@given(st.text(max_size=60))
def test_utf16_conversion_round_trips(text):
    for i in range(len(text) + 1):
        assert utf16_to_codepoint(text, codepoint_to_utf16(text, i)) == i
    assert codepoint_to_utf16(text, len(text)) == len(text.encode("utf-16-le")) // 2


def test_it_describes_and_matches_a_repeated_quote_by_its_context():
    text = "He said no. Then she said no. Then they said yes."
    second = Span(text.index("no", 10), text.index("no", 10) + 2)
    quote = describe(text, second)
    assert match_quote(text, quote.exact, quote.prefix, quote.suffix) == second


def test_it_returns_none_for_a_quote_not_in_the_text():
    assert match_quote(TEXT, "20,000 chips") is None
    assert match_quote(TEXT, "") is None


def _occurrences(text: str, pattern: str) -> list[int]:
    """Every start of pattern in text, overlapping ones included (as exact matchers find)."""
    return [i for i in range(len(text) - len(pattern) + 1) if text.startswith(pattern, i)]


@pytest.mark.parametrize(
    ("text", "words", "occurrence", "prefix_chars"),
    [
        ("A unique sentence.", "unique", 0, 2),  # short text: the whole of it
        ("x " * 40 + "no no no" + " y" * 40, "no", 1, 32),  # 32 characters suffice
        ("ab" * 100, "ab", 50, 100),  # periodic: grows to the edges (the whole text)
        ("la " * 60, "la", 0, 0),  # at the very start: no prefix at all
    ],
)
def test_a_described_quote_grows_its_context_until_unique(text, words, occurrence, prefix_chars):
    start = _occurrences(text, words)[occurrence]
    quote = describe_unique(text, Span(start, start + len(words)))
    assert len(quote.prefix) == prefix_chars
    assert _occurrences(text, quote.prefix + quote.exact + quote.suffix) == [
        start - len(quote.prefix)
    ]


def test_a_described_quote_is_absent_from_the_other_texts():
    shared = "The wall shields 3,400 homes, the survey says. " * 2
    mine, theirs = "Monday. " + shared + "End.", "Sunday. " + shared + "Fin."
    start = mine.index("3,400")
    quote = describe_unique(mine, Span(start, start + 5), others=[theirs])
    assert quote.prefix + quote.exact + quote.suffix not in theirs
    assert quote.prefix.startswith("Monday") or quote.suffix.endswith("End.")
    # A text the other one contains whole cannot be told apart: unique in its own text.
    quote = describe_unique("abc", Span(1, 2), others=["xxabcxx"])
    assert (quote.prefix, quote.exact, quote.suffix) == ("a", "b", "c")


def test_identical_versions_do_not_stretch_a_quote_to_the_whole_text():
    """Wire copy printed word for word by two outlets: the context stops growing at 512
    characters a side; the quote is still unique in its own text."""
    text = " ".join(f"Sentence number {i} of the wire story." for i in range(2000))
    start = text.index("number 1000 ")
    quote = describe_unique(text, Span(start, start + 11), others=[text])
    assert len(quote.prefix) == len(quote.suffix) == 512
    whole = quote.prefix + quote.exact + quote.suffix
    assert _occurrences(text, whole) == [start - 512]


@given(st.text(alphabet="ab \n🌊", min_size=1, max_size=120), st.data())
def test_described_quotes_occur_once_and_match_their_span(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    other = data.draw(st.text(alphabet="ab \n🌊", max_size=120))
    quote = describe_unique(text, Span(start, end), others=[other])
    whole = quote.prefix + quote.exact + quote.suffix
    assert quote.exact == text[start:end]
    assert text[start - len(quote.prefix) : start] == quote.prefix
    assert _occurrences(text, whole) == [start - len(quote.prefix)]
    assert whole not in other or len(whole) - len(quote.exact) >= 512 or whole == text
    assert match_quote(text, quote.exact, quote.prefix, quote.suffix) == Span(start, end)


@given(st.text(min_size=1, max_size=80), st.data())
def test_match_describe_round_trips(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    span = Span(start, end)
    quote = describe(text, span)
    found = match_quote(text, quote.exact, quote.prefix, quote.suffix, hint=start)
    assert found is not None
    # Context plus the position hint pick the described place, even for repeated text.
    assert found == span


@given(st.text(max_size=50), st.data())
def test_snapped_spans_stay_in_bounds_and_trimmed(text, data):
    if not text:
        return
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    span = snap_to_words(text, Span(start, end))
    assert 0 <= span.start <= span.end <= len(text)
    assert span.start <= start or text[start : span.start].isspace()
    piece = text[span.start : span.end]
    assert piece == piece.strip()


def test_flatten_handles_nested_and_overlapping_spans():
    pieces = flatten(0, 10, [(2, 8, "outer"), (4, 6, "inner"), (7, 10, "over")])
    assert [(p.start, p.end, p.keys) for p in pieces] == [
        (0, 2, ()),
        (2, 4, ("outer",)),
        (4, 6, ("outer", "inner")),
        (6, 7, ("outer",)),
        (7, 8, ("outer", "over")),
        (8, 10, ("over",)),
    ]


spans_strategy = st.lists(
    st.tuples(st.integers(0, 40), st.integers(1, 30)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=8,
)


@given(spans_strategy)
def test_flattened_pieces_tile_the_range_and_carry_exactly_the_covering_spans(raw):
    spans = [(s, e, i) for i, (s, e) in enumerate(raw)]
    pieces = flatten(0, 50, spans)
    assert pieces[0].start == 0 and pieces[-1].end == 50
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert a.end == b.start
    for piece in pieces:
        for pos in range(piece.start, piece.end):
            assert set(piece.keys) == {k for s, e, k in spans if s <= pos < e}


@given(spans_strategy)
def test_pieces_by_sentence_agrees_with_flatten_per_sentence(raw):
    spans = [(s, e, i) for i, (s, e) in enumerate(raw)]
    sentences = [(0, 9), (10, 25), (25, 26), (30, 70)]
    assert pieces_by_sentence(sentences, spans) == [flatten(s, e, spans) for s, e in sentences]


@given(spans_strategy)
def test_pieces_streamed_reads_the_spans_lazily_and_agrees_with_flatten(raw):
    """The summary's text export holds only the claims over the current block."""
    spans = sorted(((s, e, i) for i, (s, e) in enumerate(raw)), key=lambda t: t[0])
    sentences = [(0, 9, "a"), (10, 25, "b"), (25, 26, "c"), (30, 70, "d")]
    read = []

    def lazily():
        for span in spans:
            read.append(span)
            yield span

    streamed = pieces_streamed(iter(sentences), lazily())
    for (start, end, item), (got, pieces) in zip(sentences, streamed, strict=True):
        assert got == item
        assert pieces == flatten(start, end, spans)
        # Read so far: the spans that start before this sentence ends, and one more.
        assert all(t[0] < end for t in read[:-1])
