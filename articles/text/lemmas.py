"""Words of a sentence reduced to what they mean for matching: lower-case lemmas, no stop words.

spaCy's lookup lemmatizer (tables from spaCy's own ``spacy-lookups-data``) maps "trained" to
"train" and "chips" to "chip" without a statistical model. Numbers are normalised first, so
that "10, 000", "10,000" and "10000" are one token.

Tokens are spaCy's (``blank("en")``: "U.S." stays whole, "don't" is "do" + "n't", "$5" is
"$" + "5"), but spaCy is asked only once per distinct whitespace-separated chunk: its
tokenizer cuts each such chunk on its own, so a chunk's tokens never depend on its
neighbours, and a long text repeats its chunks. Running spaCy over every sentence was
most of the cost of aligning a long report.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
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
    punctuation are dropped; "U.S." becomes "us". A capitalised word counts as a name
    unless it opens the text or follows an opening quote, bracket, dash or colon.
    Results are cached per text (a story's sentences are compared again on every claim).
    """
    missing = list(dict.fromkeys(t for t in texts if t not in _CACHE))
    for text in missing:
        _CACHE[text] = _content(normalize_numbers(text))
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    if len(_CHUNKS) > _CHUNKS_SIZE:
        _CHUNKS.clear()
    return [list(_CACHE[t]) for t in texts]


_CACHE: dict[str, tuple[str, ...]] = {}
_CACHE_SIZE = 200_000
# Whitespace-separated chunk -> (its lemmas when its first word opens the text or follows an
# opener, its lemmas otherwise, whether its last token is an opener).
_CHUNKS: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {}
_CHUNKS_SIZE = 500_000
# Anything but single spaces between chunks: spaCy then makes whitespace tokens.
_ODD_SPACE = re.compile(r"[^\S ]|  |^ | $")
_SPACES = re.compile(r"\s+|\S+")


@lru_cache(maxsize=100_000)
def _lemma(lower: str) -> str:
    return _lemma_table().get(lower, lower)


def content_words(text: str) -> str:
    """The text's words without stop words, as written (for character n-grams)."""
    words = re.findall(r"\w+", normalize_numbers(text))
    return " ".join(w for w in words if w.lower() not in _STOP or w.isupper())


_EDGE = re.compile(r"^\W+|\W+$")
_OPENERS = {"“", '"', "‘", "'", "(", "”", "’", "-", "—", ":"}


def _content(text: str) -> tuple[str, ...]:
    """The lemmas of one text (numbers already normalised), as spaCy's tokens would give them."""
    if not text:
        return ()
    if _ODD_SPACE.search(text):
        return tuple(_from_tokens(_tokens(text)))
    out: list[str] = []
    plain = True  # at the start, and after an opener, a capital does not make a name
    for chunk in text.split(" "):
        entry = _CHUNKS.get(chunk)
        if entry is None:
            entry = _CHUNKS[chunk] = _chunk_entry(chunk)
        out += entry[0] if plain else entry[1]
        plain = entry[2]
    return tuple(out)


def _chunk_entry(chunk: str) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    tokens = _chunk_tokens(chunk)
    return (
        tuple(_from_tokens(tokens)),
        tuple(_from_tokens(["", *tokens])),  # any non-opener before the first token
        tokens[-1] in _OPENERS,
    )


def _chunk_tokens(chunk: str) -> list[str]:
    if chunk.isalpha() and chunk not in _special_cases():
        return [chunk]  # a plain word: nothing for spaCy's prefixes, suffixes or infixes
    return [token.text for token in _nlp().tokenizer(chunk)]


@lru_cache(maxsize=1)
def _special_cases() -> frozenset[str]:
    """Texts spaCy's tokenizer treats as exceptions ("cannot" -> "can" + "not")."""
    return frozenset(_nlp().tokenizer.rules)


def _tokens(text: str) -> list[str]:
    """spaCy's tokens of a text with other whitespace than single spaces between words.

    A run of whitespace is a token of its own, less one space when it follows a word
    (spaCy keeps that space as the word's trailing whitespace).
    """
    tokens: list[str] = []
    for match in _SPACES.finditer(text):
        run = match.group()
        if not run[0].isspace():
            tokens += _chunk_tokens(run)
        elif match.start() == 0:
            tokens.append(run)
        elif rest := (run[1:] if run[0] == " " else run):
            tokens.append(rest)
    return tokens


def _from_tokens(texts: list[str]) -> list[str]:
    out = []
    for k, text in enumerate(texts):
        info = _word(text)
        if info is None:
            continue
        lemma, marked, capital = info
        rare = marked or (capital and k > 0 and texts[k - 1] not in _OPENERS)
        out.append(f"!{lemma}" if rare else lemma)
    return out


@lru_cache(maxsize=200_000)
def _word(text: str) -> tuple[str, bool, bool] | None:
    """(lemma, a number or acronym, capitalised) for a token's text; None to drop it."""
    if text.lower() in _STOP or _is_punct(text):  # spaCy's is_stop and is_punct
        return None
    word = _EDGE.sub("", text).replace(".", "")
    if not word or not _KEEP.search(word):
        return None
    lower = word.lower()
    if lower in _STOP and not word.isupper():
        return None
    marked = any(c.isdigit() for c in word) or sum(c.isupper() for c in word) > 1
    return _lemma(lower), marked, word[0].isupper()


def _is_punct(text: str) -> bool:
    return all(unicodedata.category(c).startswith("P") for c in text)


def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


_STOP = _stop_words()
