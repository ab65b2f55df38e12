"""Template filters the pages lean on for speed must say what Django's own filters say."""

from django.template.defaultfilters import truncatechars
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.templatetags.verdicts import quote_chars

# Letters, combining accents (é as e + U+0301), Hangul jamo that compose, spaces.
TEXT = st.text(alphabet=st.sampled_from("ab éz\u0301\u1100\u1161 ."), max_size=40)


@given(text=TEXT, length=st.integers(min_value=0, max_value=45))
@settings(max_examples=300, deadline=None)
def test_quote_chars_is_truncatechars(text, length):
    assert quote_chars(text, length) == truncatechars(text, length)


def test_a_long_quote_is_cut_and_a_short_one_kept():
    quote = "The sea wall takes eighteen months to build. " * 6
    assert quote_chars(quote, 220) == quote[:219] + "…"
    assert quote_chars("Eighteen months.", 220) == "Eighteen months."
