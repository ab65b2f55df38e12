"""Words of a sentence reduced to what they mean for matching: lower-case lemmas, no stop words.

spaCy's lookup lemmatizer (tables from spaCy's own ``spacy-lookups-data``) maps "trained" to
"train" and "chips" to "chip" without a statistical model. Numbers are normalised first, so
that "10, 000", "10,000" and "10000" are one token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

# "10, 000" (a stray space from rewording tools) and "10,000" are the same number.
_THOUSANDS = re.compile(r"(?<=\d)[,\u00a0\u202f ]\s?(?=\d{3}\b)")
_KEEP = re.compile(r"\w")


@lru_cache(maxsize=1)
def _nlp():
    import spacy  # imported lazily: loading spaCy costs about a second

    return spacy.blank("en")


@lru_cache(maxsize=1)
def _lemma_table():
    """spaCy's English lemma lookup table; empty (surface forms) if the package is missing."""
    try:
        from spacy.lookups import load_lookups

        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except (ImportError, ValueError, OSError):
        return {}


def normalize_numbers(text: str) -> str:
    """Join digit groups split by a comma and a stray space: "2, 000" -> "2000"."""
    return _THOUSANDS.sub("", text)


def lemmatize(texts: Sequence[str]) -> list[list[str]]:
    """Content lemmas of each text, lower-cased; names and numbers marked with a leading '!'.

    The mark lets a caller weigh names and figures above common words. Stop words and
    punctuation are dropped; "U.S." becomes "us".
    """
    nlp = _nlp()
    table = _lemma_table()
    return [
        list(_content(doc, table))
        for doc in nlp.pipe((normalize_numbers(t) for t in texts), batch_size=256)
    ]


_EDGE = re.compile(r"^\W+|\W+$")
_OPENERS = {"“", '"', "‘", "'", "(", "”", "’", "-", "—", ":"}


def _content(doc, table) -> Iterable[str]:
    for k, token in enumerate(doc):
        if token.is_stop or token.is_punct:
            continue
        word = _EDGE.sub("", token.text).replace(".", "")
        if not word or not _KEEP.search(word):
            continue
        lower = word.lower()
        if lower in _STOP and not word.isupper():
            continue
        rare = (
            any(c.isdigit() for c in word)
            or sum(c.isupper() for c in word) > 1
            or (word[0].isupper() and k > 0 and doc[k - 1].text not in _OPENERS)
        )
        lemma = table.get(lower, lower)
        yield f"!{lemma}" if rare else lemma


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


_STOP = _stop_words()
