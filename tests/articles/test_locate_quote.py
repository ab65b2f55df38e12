"""locate_quote: a quote's place in a text, or an honest "ambiguous" instead of a guess."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from articles.text.anchoring import Span, locate_quote, match_quote

TEXT = "The wall is old. The wall is new. A wall."


@pytest.mark.parametrize(
    ("exact", "prefix", "suffix", "hint", "span", "ambiguous"),
    [
        ("is old", "", "", None, Span(9, 15), False),  # once: found
        ("absent", "", "", None, None, False),
        ("", "", "", None, None, False),
        ("The wall", "", "", None, None, True),  # twice, nothing to tell them apart
        ("The wall", "old. ", "", None, Span(17, 25), False),  # the prefix tells
        ("The wall", "", " is new", None, Span(17, 25), False),  # the suffix tells
        ("The wall", "", "", 16, Span(17, 25), False),  # the position tells
        ("wall", "", "", 12, Span(4, 8), False),  # 4 is nearer 12 than 21 is
        ("wall", "", "", 30, Span(36, 40), False),
        ("wall", "The ", " is", None, None, True),  # both "The wall is": context ties
        ("é", "", "", None, Span(1, 2), False),
    ],
)
def test_cases(exact, prefix, suffix, hint, span, ambiguous):
    text = "né" if exact == "é" else TEXT
    found = locate_quote(text, exact, prefix, suffix, hint)
    assert (found.span, found.ambiguous) == (span, ambiguous)


def test_two_places_equally_near_the_position_are_ambiguous():
    found = locate_quote("ab  ab", "ab", hint=2)
    assert (found.span, found.ambiguous, found.count) == (None, True, 2)


def test_it_counts_occurrences():
    assert locate_quote(TEXT, "wall").count == 3


words = st.lists(st.sampled_from(["a", "b", "sea", "wall", "£4m", "é"]), min_size=1, max_size=30)


@given(words=words, data=st.data())
def test_a_found_quote_is_the_quote_and_agrees_with_match_quote(words, data):
    text = " ".join(words)
    i = data.draw(st.integers(0, len(words) - 1))
    j = data.draw(st.integers(i + 1, len(words)))
    exact = " ".join(words[i:j])
    found = locate_quote(text, exact)
    assert found.count >= 1
    if found.span is not None:
        assert text[found.span.start : found.span.end] == exact
        assert found.span == match_quote(text, exact)
        assert found.count == 1 or found.context > 0
    else:
        assert found.ambiguous and found.count > 1


@given(words=words, data=st.data())
def test_with_the_full_text_around_it_a_quote_is_never_ambiguous(words, data):
    text = " ".join(words)
    i = data.draw(st.integers(0, len(words) - 1))
    start = len(" ".join(words[:i])) + (1 if i else 0)
    exact = words[i]
    found = locate_quote(text, exact, text[:start], text[start + len(exact) :])
    assert found.span == Span(start, start + len(exact))
