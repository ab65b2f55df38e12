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
    punctuation are dropped; "U.S." becomes "us". Results are cached per text (a story's
    sentences are compared again on every claim).
    """
    missing = list(dict.fromkeys(t for t in texts if t not in _CACHE))
    if missing:
        docs = _nlp().pipe((normalize_numbers(t) for t in missing), batch_size=256)
        for text, doc in zip(missing, docs, strict=True):
            _CACHE[text] = tuple(_content(doc))
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    return [list(_CACHE[t]) for t in texts]


_CACHE: dict[str, tuple[str, ...]] = {}
_CACHE_SIZE = 200_000


@lru_cache(maxsize=100_000)
def _lemma(lower: str) -> str:
    return _lemma_table().get(lower, lower)


def content_words(text: str) -> str:
    """The text's words without stop words, as written (for character n-grams)."""
    words = re.findall(r"\w+", normalize_numbers(text))
    return " ".join(w for w in words if w.lower() not in _STOP or w.isupper())


_EDGE = re.compile(r"^\W+|\W+$")
_OPENERS = {"“", '"', "‘", "'", "(", "”", "’", "-", "—", ":"}


def _content(doc) -> Iterable[str]:
    texts = [token.text for token in doc]
    for k, text in enumerate(texts):
        info = _word(text)
        if info is None:
            continue
        lemma, marked, capital = info
        rare = marked or (capital and k > 0 and texts[k - 1] not in _OPENERS)
        yield f"!{lemma}" if rare else lemma


@lru_cache(maxsize=200_000)
def _word(text: str) -> tuple[str, bool, bool] | None:
    """(lemma, a number or acronym, capitalised) for a token's text; None to drop it."""
    lexeme = _nlp().vocab[text]
    if lexeme.is_stop or lexeme.is_punct:
        return None
    word = _EDGE.sub("", text).replace(".", "")
    if not word or not _KEEP.search(word):
        return None
    lower = word.lower()
    if lower in _STOP and not word.isupper():
        return None
    marked = any(c.isdigit() for c in word) or sum(c.isupper() for c in word) > 1
    return _lemma(lower), marked, word[0].isupper()


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


_STOP = _stop_words()
