"""Sentence alignment between two versions of one story.

Similarity is TF-IDF over word 1-2-grams with sublinear tf, fitted on the
two versions together. Links come from a monotone dynamic programme with
1-1, 1-0, 0-1, 1-2 and 2-1 moves (banded around confident anchors for large
inputs), then a greedy pass over what is left links strong pairs out of
order, which is how moved paragraphs are found.
"""

from __future__ import annotations

import array
import bisect
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import pairwise

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

from articles.text.lemmas import content_words, lemmatize, normalize_numbers

# Full DP (every left sentence against every right one) up to this many
# cells; past it the DP is banded, so time and memory grow linearly.
FULL_DP_CELLS = 4_000_000
BAND_HALF_WIDTH = 100
ROW_CHUNK = 512
# A 1-2 or 2-1 link competes with a 1-1 link plus a skipped sentence, and the
# joined cosine is diluted by the extra text: a small bonus evens that out
# (tuned on bench/align.py and the labelled set; 0.06 starts joining added
# sentences to their neighbours).
MERGE_BONUS = 0.04
# Out-of-order links have no neighbours to support them, so they need a
# stronger similarity than in-order ones.
MOVED_MIN_SCORE = 0.25
ANCHOR_MIN_SCORE = 0.3
# A link under this score is kept only between mutual best matches (see _confident).
CONFIDENT = 0.19
# A two-word heading sharing one rare word with a long sentence is not its
# counterpart: scores are scaled down when one side has under this share of
# the other's words.
SHORT_RATIO = 0.25


@dataclass(frozen=True)
class Link:
    left: tuple[int, ...]
    right: tuple[int, ...]
    score: float


# Shares of the similarity: lemmas, character n-grams, neighbouring sentences.
WEIGHTS = (0.55, 0.35, 0.10)
# Names and numbers ("DeepSeek", "A100", "2,000") count this many times a common word.
RARE_WEIGHT = 2.0
CHAR_INPUT = "text"
# Neighbours one and two sentences away, and their share of the context vector.
CONTEXT_WEIGHTS = (1.0, 0.5)


def similarity_backend() -> str:
    """Name the similarity measure used by align() and suggest(), for display."""
    return "lemmas + character n-grams + context (TF-IDF)"


def align(
    left: Sequence[str],
    right: Sequence[str],
    *,
    min_score: float = 0.12,
    progress: Callable[[float], None] | None = None,
) -> list[Link]:
    """Align two versions' sentences; return links sorted by first left index.

    Each link joins 1 or 2 consecutive left sentences to 1 or 2 consecutive
    right sentences, with a cosine similarity score in [0, 1]; no sentence
    is in two links and no link scores below min_score. Sentences in no link
    were added or dropped. Whitespace-only sentences are never linked.
    Empty input on either side gives [].

    ``progress(fraction)``, if given, is called after each stage with the share of the
    work done (about, as the stages took at 1M words a side); it may raise to stop.
    """
    done = progress or (lambda fraction: None)
    n, m = len(left), len(right)
    if n == 0 or m == 0:
        return []
    vecs = _Vectors(left, right)
    done(0.45)
    if vecs.x.shape[1] == 0:
        return []
    if n * m <= FULL_DP_CELLS:
        lo = np.zeros(n + 1, dtype=np.int64)
        hi = np.full(n + 1, m, dtype=np.int64)
    else:
        lo, hi = _band(vecs, n, m)
    done(0.55)
    links = _banded_dp(vecs, lo, hi, min_score)
    done(0.8)
    links = _split_weak_merges(vecs, links, min_score)
    links += _link_leftovers(vecs, links, max(min_score, MOVED_MIN_SCORE))
    done(0.95)
    links = _confident(vecs, links, min_score)
    return sorted(links, key=lambda link: link.left[0])


def _confident(vecs: _Vectors, links: list[Link], min_score: float) -> list[Link]:
    """Keep links that score CONFIDENT, or whose sentences are each other's best match.

    On loosely related versions (a retelling, not a copy) the DP also links sentences
    that merely share a name: such a link is neither strong nor mutual.
    """
    weak = [link for link in links if link.score < CONFIDENT]
    if not weak:
        return links
    # Best matches of the weak links' sentences only: the check stays linear.
    lefts = np.array(sorted({i for link in weak for i in link.left}), dtype=np.int64)
    rights = np.array(sorted({j for link in weak for j in link.right}), dtype=np.int64)
    forward = dict(zip(lefts.tolist(), _top_k(vecs, 1, lefts), strict=True))
    backward = _best_left(vecs, rights)
    mutual = {
        (i, row[0].right) for i, row in forward.items() if row and backward.get(row[0].right) == i
    }
    kept = []
    for link in links:
        if link.score >= CONFIDENT:
            kept.append(link)
            continue
        # A weak merge keeps only its mutual pair: the other sentence was dragged along.
        pairs = [(i, j) for i in link.left for j in link.right if (i, j) in mutual]
        if len(pairs) == len(link.left) * len(link.right):
            kept.append(link)
        elif pairs:
            i, j = pairs[0]
            score = vecs.joined_score((i,), (j,))
            if score >= min_score:
                kept.append(Link((i,), (j,), score))
    return kept


def _best_left(vecs: _Vectors, rights: np.ndarray) -> dict[int, int]:
    """For each of these right sentences, the left sentence that scores highest with it."""
    ranked = _top_k(_flipped(vecs), 1, rights)
    return {j: row[0].right for j, row in zip(rights.tolist(), ranked, strict=True) if row}


def _split_weak_merges(vecs: _Vectors, links: list[Link], min_score: float) -> list[Link]:
    """Undo a 2-1 or 1-2 link whose weaker sentence has a clearly better free partner.

    The monotone DP cannot cross: when two neighbouring sentences swap places, it may
    join one of them to its neighbour's counterpart instead. The freed sentence is then
    linked out of order by the leftover pass.
    """
    used_left = {i for link in links for i in link.left}
    used_right = {j for link in links for j in link.right}
    free_left = np.array(sorted(set(range(vecs.x.shape[0])) - used_left), dtype=np.int64)
    free_right = np.array(sorted(set(range(vecs.y.shape[0])) - used_right), dtype=np.int64)
    # The weaker sentence of each merge, then the best free partner of all of them at once.
    weak: dict[int, tuple[float, int, float, int]] = {}
    for k, link in enumerate(links):
        if len(link.left) + len(link.right) != 3:
            continue
        if len(link.left) == 2:
            pairs = [(vecs.joined_score((i,), link.right), i) for i in link.left]
        else:
            pairs = [(vecs.joined_score(link.left, (j,)), j) for j in link.right]
        (weak_score, weak_at), (strong_score, strong) = sorted(pairs)
        weak[k] = (weak_score, weak_at, strong_score, strong)
    two_one = [k for k in weak if len(links[k].left) == 2]
    one_two = [k for k in weak if len(links[k].right) == 2]
    best_free = dict(
        zip(two_one, _best_free(vecs, [weak[k][1] for k in two_one], free_right), strict=True)
    )
    flipped = _flipped(vecs)
    best_free.update(
        zip(one_two, _best_free(flipped, [weak[k][1] for k in one_two], free_left), strict=True)
    )
    result = []
    for k, link in enumerate(links):
        if k in weak:
            weak_score, _, strong_score, strong = weak[k]
            if best_free[k] >= MOVED_MIN_SCORE and best_free[k] > weak_score + 0.1:
                if strong_score >= min_score and len(link.left) == 2:
                    result.append(Link((strong,), link.right, strong_score))
                elif strong_score >= min_score:
                    result.append(Link(link.left, (strong,), strong_score))
                continue
        result.append(link)
    return result


def _best_free(vecs: _Vectors, rows: list[int], free: np.ndarray) -> list[float]:
    """For each left sentence in rows, its highest cosine with the right sentences in free.

    Exact while rows x free is small; past that, among the lemma index's candidates.
    """
    if not rows or not free.size:
        return [0.0] * len(rows)
    rows_arr = np.array(rows, dtype=np.int64)
    out = np.zeros(len(rows))
    if len(rows) * free.size <= FULL_SCORE_CELLS:
        y_free_t = vecs.y[free].T.tocsr()
        for start in range(0, len(rows), ROW_CHUNK):
            product = (vecs.x[rows_arr[start : start + ROW_CHUNK]] @ y_free_t).toarray()
            out[start : start + ROW_CHUNK] = np.maximum(product.max(axis=1), 0.0)
        return out.tolist()
    cand = _retrieve(vecs.words_x[rows_arr], vecs.words_y[free].T.tocsr(), RETRIEVE)
    for start in range(0, len(rows), ROW_CHUNK):
        chunk = np.arange(start, min(start + ROW_CHUNK, len(rows)))
        cols = np.where(cand[chunk] >= 0, free[np.maximum(cand[chunk], 0)], -1)
        dots = _pair_dots(vecs.x, vecs.y, rows_arr[chunk], cols)
        out[chunk] = np.maximum(dots.max(axis=1), 0.0)
    return out.tolist()


def _flipped(vecs: _Vectors) -> _Vectors:
    """The same vectors with the two sides swapped (right sentences as rows); made once."""
    if "_flipped" in vecs.__dict__:
        return vecs.__dict__["_flipped"]
    flipped = object.__new__(_Vectors)
    flipped.__dict__.update(vecs.__dict__)
    flipped.x, flipped.y = vecs.y, vecs.x
    flipped.__dict__.pop("y_t", None)  # made from flipped.y when needed
    flipped.words_x, flipped.words_y = vecs.words_y, vecs.words_x
    flipped.words_y_t = vecs.words_x.T.tocsr()
    flipped.x_scale, flipped.y_scale = vecs.y_scale, vecs.x_scale
    flipped.x_len, flipped.y_len = vecs.y_len, vecs.x_len
    flipped.x_norm2, flipped.y_norm2 = vecs.y_norm2, vecs.x_norm2
    flipped.x_next, flipped.y_next = vecs.y_next, vecs.x_next
    flipped.x_title, flipped.y_title = vecs.y_title, vecs.x_title
    flipped.__dict__["_flipped"] = vecs
    vecs.__dict__["_flipped"] = flipped
    return flipped


class _Vectors:
    """L2-normalised sentence vectors of both versions, and the dot products the DP needs.

    A sentence's vector joins three L2-normalised parts, so that the dot product of two
    vectors is a weighted sum of three cosines (see ``WEIGHTS``):
    - lemmas (unigrams and bigrams), with names and numbers weighted up;
    - character 3-5-grams inside words, which catch inflection and spelling variants;
    - the neighbouring sentences' lemmas, so that a reworded sentence is also found by
      what stands around it.
    ``words_x``/``words_y`` keep the lemma part alone: it is sparse enough to search every
    sentence against every other one, and serves candidate retrieval on long texts.
    """

    def __init__(self, left: Sequence[str], right: Sequence[str]) -> None:
        texts = [*left, *right]
        n = len(left)
        lemmas = lemmatize(texts)
        words, self._lemma_vectorizer = _lemma_matrix(lemmas)
        del lemmas
        # The character n-grams of each side apart: the left side's are freed once its
        # vectors are built (they are the largest part of the vectors).
        (chars_x, chars_y), self._char_vectorizer = _char_matrices(_char_input(texts, None), n)
        # A blank sentence has no context of its own: it must never be linked.
        blank = np.array([not t.strip() for t in texts])
        context = _context_matrix(words, n)
        context.data[np.repeat(blank, np.diff(context.indptr))] = 0
        context.eliminate_zeros()
        wordless = np.flatnonzero(np.diff(words.indptr) == 0)
        extra = _wordless_features(texts, wordless)
        self._extra_columns = extra.shape[1]
        self.words_x = _hstack_rows([words, extra], 0, n)
        self.words_y = _hstack_rows([words, extra], n, len(texts))
        self.words_y_t = self.words_y.T.tocsr()
        # The parts are stacked side by side, each scaled so that the whole row has unit
        # length: the scales follow from each part's own row norms, without a copy of
        # the stacked matrix. ``scale`` is the stacked row's length before that.
        w_words, w_chars, w_context = WEIGHTS
        norm2 = (
            w_words * _row_norms2(words)
            + w_chars * np.concatenate([_row_norms2(chars_x), _row_norms2(chars_y)])
            + w_context * _row_norms2(context)
            + _row_norms2(extra)
        )
        scale = np.sqrt(norm2)
        scale[scale == 0] = 1.0
        self.x_scale = scale[:n]
        self.y_scale = scale[n:]
        # Columns of the context part: a suggestion also needs a sentence's own evidence
        # (its words and characters, see own_dots).
        start = words.shape[1] + chars_x.shape[1]
        self._context_columns = (start, start + context.shape[1])
        sides = []
        for rows, chars in ((slice(0, n), chars_x), (slice(n, len(texts)), chars_y)):
            part_scale = scale[rows]
            sides.append(
                [
                    _scale_rows(words[rows], math.sqrt(w_words) / part_scale),
                    _scale_rows(chars, math.sqrt(w_chars) / part_scale),  # in place
                    _scale_rows(context[rows], math.sqrt(w_context) / part_scale),
                    _scale_rows(extra[rows], 1.0 / part_scale),
                ]
            )
        del chars, chars_x, chars_y
        self._context_x = context[:n]
        del words, context, extra
        self.x = _hstack_rows(sides[0], 0, n)
        sides[0] = None
        self.y = _hstack_rows(sides[1], 0, len(texts) - n)
        del sides
        self.x_norm2 = _row_norms2(self.x)
        self.y_norm2 = _row_norms2(self.y)
        # Dot product of each sentence with the next one on its side: with it,
        # the cosine against two joined sentences follows from single cosines.
        self.x_next = _adjacent_dots(self.x)
        self.y_next = _adjacent_dots(self.y)
        self.x_len = np.array([len(_WORD.findall(text)) for text in left], dtype=np.float64)
        self.y_len = np.array([len(_WORD.findall(text)) for text in right], dtype=np.float64)
        self.x_title = np.array([_title_like(text) for text in left], dtype=bool)
        self.y_title = np.array([_title_like(text) for text in right], dtype=bool)

    @cached_property
    def y_t(self) -> sparse.csr_matrix:
        """The right sentences' vectors as columns; made on first use (suggest, queries)."""
        return self.y.T.tocsr()

    def factor(self, i, j) -> np.ndarray:
        """Scale for left i against right j (arrays): length mismatch, and a title against prose."""
        i, j = np.asarray(i), np.asarray(j)
        lengths = _length_factor(self.x_len[i], self.y_len[j])
        return lengths * np.where(self.x_title[i] != self.y_title[j], TITLE_PROSE, 1.0)

    def queries(self, queries: Sequence[tuple[str, int]]):
        """Vectors for extra left texts (a claim's words) in the context of a left sentence.

        Returns (composite rows, own rows, word counts, title flags), made with the
        vectorizers fitted on the two versions: a claim is ranked without refitting them.
        """
        texts = [text for text, _ in queries]
        anchors = [at for _, at in queries]
        words = self._lemma_vectorizer.transform(lemmatize(texts))
        chars = _char_transform(self._char_vectorizer, _char_input(texts, None))
        context = self._context_x[anchors]
        extra = sparse.csr_matrix((len(texts), self._extra_columns), dtype=np.float32)
        w_words, w_chars, w_context = WEIGHTS
        parts = [words * math.sqrt(w_words), chars * math.sqrt(w_chars)]
        matrix = _normalise_rows(
            sparse.hstack([*parts, context * math.sqrt(w_context), extra], format="csr")
        )
        no_context = sparse.csr_matrix(context.shape, dtype=np.float32)
        own = sparse.hstack([*parts, no_context, extra], format="csr", dtype=np.float32)
        lengths = np.array([len(_WORD.findall(t)) for t in texts], dtype=np.float64)
        titles = np.array([_title_like(t) for t in texts], dtype=bool)
        return matrix, own, lengths, titles

    def own_dots(self, rows: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Dot products of left rows' own parts (words, characters) with right cand's (-1: 0).

        As if both sentences were vectors of their words and characters alone, weighted but
        not normalised: the stacked rows without the context columns, times their scales.
        """
        a, b = self._context_columns
        own = self.x[rows]
        own.data[(own.indices >= a) & (own.indices < b)] = 0
        dots = _pair_dots(own, self.y, np.arange(len(rows)), cand)
        return dots * self.x_scale[rows][:, None] * self.y_scale[np.maximum(cand, 0)]

    def block(self, rows: slice, cols: slice) -> np.ndarray:
        """Cosines of left rows against right cols, dense."""
        # Rows of y, not columns of y_t: slicing columns of a CSR matrix reads all of it.
        product = self.x[rows] @ self.y[cols].T
        return np.clip(product.toarray(), 0.0, 1.0)

    def pair(self, i: int, j: int) -> float:
        """Cosine of left sentence i and right sentence j."""
        x, y = self.x, self.y
        a, b = slice(x.indptr[i], x.indptr[i + 1]), slice(y.indptr[j], y.indptr[j + 1])
        _, ia, ib = np.intersect1d(
            x.indices[a], y.indices[b], assume_unique=True, return_indices=True
        )
        return float(np.dot(x.data[a][ia], y.data[b][ib]))

    def joined_score(self, lefts: tuple[int, ...], rights: tuple[int, ...]) -> float:
        """Link score: cosine between the sums of the sentence vectors, scaled for length mismatch."""
        dot = sum(self.pair(i, j) for i in lefts for j in rights)
        cosine = dot / math.sqrt(self._sum_norm2(lefts, "x") * self._sum_norm2(rights, "y") or 1.0)
        factor = _length_factor(
            np.array([sum(self.x_len[i] for i in lefts)]),
            np.array([sum(self.y_len[j] for j in rights)]),
        )
        return _clip(cosine * float(factor[0]))

    def _sum_norm2(self, idx: tuple[int, ...], side: str) -> float:
        norm2 = self.x_norm2 if side == "x" else self.y_norm2
        nxt = self.x_next if side == "x" else self.y_next
        total = float(sum(norm2[i] for i in idx))
        if len(idx) == 2:
            total += 2 * float(nxt[idx[0]])
        return total


_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.?!…:;\"”’)\]]\s*$")
# A headline or section heading matched to a sentence of prose keeps this share of its score.
TITLE_PROSE = 0.5


def _title_like(text: str) -> bool:
    """A heading, headline or caption line: short, and not ended like a sentence."""
    return len(_WORD.findall(text)) <= 15 and not _SENTENCE_END.search(text)


def _lemma_matrix(docs: list[list[str]]):
    """TF-IDF of lemma unigrams and bigrams; names and numbers weighted RARE_WEIGHT.

    Returns the L2-normalised rows and a _LemmaIndex to transform other texts alike. The
    weights are sklearn's ``TfidfVectorizer(sublinear_tf=True)`` (smooth idf) on the same
    features, then RARE_WEIGHT for every feature with a marked ('!') lemma, then the rows
    normalised again: the same vectors, built from integer ids instead of strings.
    """
    index = _LemmaIndex(docs)
    return index.transform(docs, fit=True), index


class _LemmaIndex:
    """The lemma features of a version pair: ids of lemmas and bigrams, and their weights."""

    def __init__(self, docs: list[list[str]]) -> None:
        self.lemmas: dict[str, int] = {}
        for doc in docs:
            for lemma in doc:
                self.lemmas.setdefault(lemma, len(self.lemmas))
        self._rare = np.array([lemma.startswith("!") for lemma in self.lemmas], dtype=bool)
        self.bigrams = np.zeros(0, dtype=np.int64)  # sorted codes a * len(lemmas) + b
        self.weights = np.zeros(0, dtype=np.float32)

    @property
    def columns(self) -> int:
        return len(self.lemmas) + self.bigrams.size

    def feature_names(self) -> list[str]:
        """Each column's unigram or bigram ("a b"), for tests and inspection."""
        names = list(self.lemmas)
        size = len(names)
        return names + [f"{names[c // size]} {names[c % size]}" for c in self.bigrams.tolist()]

    def transform(self, docs: list[list[str]], *, fit: bool = False) -> sparse.csr_matrix:
        """The texts' weighted, L2-normalised rows; ``fit`` sets the bigrams and idf from them."""
        rows, cols = self._features(docs, fit)
        counts = sparse.csr_matrix(
            (np.ones(rows.size, dtype=np.float32), (rows, cols)),
            shape=(len(docs), self.columns),
            dtype=np.float32,
        )
        counts.sum_duplicates()
        if fit:
            size = max(len(self.lemmas), 1)
            df = np.bincount(counts.indices, minlength=self.columns)
            idf = np.log((1 + len(docs)) / (1 + df)) + 1
            codes = self.bigrams
            rare = np.concatenate(
                [self._rare, self._rare[codes // size] | self._rare[codes % size]]
            )
            self.weights = (idf * np.where(rare, RARE_WEIGHT, 1.0)).astype(np.float32)
        counts.data = (np.log(counts.data) + 1) * self.weights[counts.indices]
        return _normalise_rows(counts)

    def _features(self, docs: list[list[str]], fit: bool) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every unigram and bigram occurrence; unknown ones left out."""
        size = len(self.lemmas)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        get = self.lemmas.get
        ids = np.fromiter(
            (get(lemma, -1) for doc in docs for lemma in doc), dtype=np.int64, count=lengths.sum()
        )
        rows = np.repeat(np.arange(len(docs)), lengths)
        # A bigram is a lemma and the next one of the same text.
        ends = np.cumsum(lengths)[lengths > 0] - 1
        follows = np.ones(ids.size, dtype=bool)
        follows[ends] = False
        at = np.flatnonzero(follows)
        at = at[at + 1 < ids.size]
        first, second = ids[at], ids[at + 1]
        known = (first >= 0) & (second >= 0)
        codes = first[known] * size + second[known]
        if fit:
            self.bigrams = np.unique(codes)
        cols = np.searchsorted(self.bigrams, codes)
        found = cols < self.bigrams.size
        found[found] = self.bigrams[cols[found]] == codes[found]
        unigram = ids >= 0
        rows = np.concatenate([rows[unigram], rows[at][known][found]])
        cols = np.concatenate([ids[unigram], size + cols[found]])
        return rows, cols


def _char_input(texts: list[str], lemmas: list[list[str]] | None) -> list[str]:
    if CHAR_INPUT == "lemmas":
        lemmas = lemmatize(texts) if lemmas is None else lemmas
        return [" ".join(w.lstrip("!") for w in doc) for doc in lemmas]
    if CHAR_INPUT == "content":
        return [content_words(t) for t in texts]
    return [normalize_numbers(t) for t in texts]


def _char_matrix(texts: list[str]):
    """TF-IDF of character 3-5-grams inside words (sklearn's ``char_wb``), and its vectorizer."""
    (matrix,), vectorizer = _char_matrices(texts)
    return matrix, vectorizer


def _char_matrices(texts: list[str], *splits: int):
    """TF-IDF of character 3-5-grams inside words (sklearn's ``char_wb``), and its vectorizer.

    The rows come in one matrix per run of texts between the ``splits`` (fitted on all).

    Equal to ``TfidfVectorizer(analyzer="char_wb", ...).fit_transform(texts)``, but each
    distinct word is cut into n-grams once: a word's n-grams do not depend on its
    neighbours, so a text's counts are the sum of its words' counts (a sparse product).
    A long text repeats its words, and cutting every occurrence was most of the work.
    """
    vectorizer = TfidfVectorizer(**_CHAR_SETTINGS)
    preprocess = vectorizer.build_preprocessor()
    vocabulary: dict[str, int] = {}
    indices = array.array("q")
    indptr = array.array("q", [0])
    cut: dict[str, list[int]] = {}
    for text in texts:
        for chunk in text.split():
            ids = cut.get(chunk)
            if ids is None:
                # Lower-casing and accent stripping may split a chunk (sklearn splits after).
                ids = cut[chunk] = [
                    vocabulary.setdefault(word, len(vocabulary))
                    for word in preprocess(chunk).split()
                ]
            indices.extend(ids)
        indptr.append(len(indices))
    words = sparse.csr_matrix(
        (
            np.ones(len(indices), dtype=np.float32),
            np.frombuffer(indices, dtype=np.int64),
            np.frombuffer(indptr, dtype=np.int64),
        ),
        shape=(len(texts), len(vocabulary)),
    )
    bounds = [0, *splits, len(texts)]
    if not vocabulary:
        empty = [sparse.csr_matrix((b - a, 0), dtype=np.float32) for a, b in pairwise(bounds)]
        return empty, None
    counter = CountVectorizer(**{k: v for k, v in _CHAR_SETTINGS.items() if k != "sublinear_tf"})
    grams = counter.fit_transform(list(vocabulary)).astype(np.float32)
    matrices = []
    df = np.zeros(grams.shape[1], dtype=np.int64)
    for a, b in pairwise(bounds):
        counts = sparse.csr_matrix(words[a:b] @ grams, dtype=np.float32)
        counts.sort_indices()
        df += np.bincount(counts.indices, minlength=grams.shape[1])
        matrices.append(counts)
    del words, grams
    # sklearn's TfidfTransformer (smooth idf, sublinear tf), fitted on all the rows.
    transformer = TfidfTransformer(sublinear_tf=True)
    transformer.idf_ = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
    transformer.n_features_in_ = df.size
    matrices = [
        sparse.csr_matrix(transformer.transform(counts, copy=False), dtype=np.float32)
        for counts in matrices
    ]
    # A vectorizer fitted to the same vocabulary and weights, for transform() on queries.
    vectorizer.vocabulary_ = counter.vocabulary_
    vectorizer._tfidf = transformer
    vectorizer.fixed_vocabulary_ = False
    return matrices, vectorizer


_CHAR_SETTINGS = {
    "analyzer": "char_wb",
    "ngram_range": (3, 5),
    "sublinear_tf": True,
    "lowercase": True,
    "strip_accents": "unicode",
    "dtype": np.float32,
}


def _char_transform(vectorizer, texts: list[str]) -> sparse.csr_matrix:
    if vectorizer is None:
        return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
    return vectorizer.transform(texts)


def _context_matrix(words: sparse.csr_matrix, n_left: int) -> sparse.csr_matrix:
    """Each sentence's neighbours on its own side (CONTEXT_WEIGHTS by distance), summed and normalised."""
    rows = words.shape[0]
    side = np.arange(rows) >= n_left
    r, c, w = [], [], []
    for distance, weight in enumerate(CONTEXT_WEIGHTS, start=1):
        for shift in (-distance, distance):
            at = np.arange(max(0, -shift), max(0, min(rows, rows - shift)))
            at = at[side[at] == side[at + shift]]
            r.append(at)
            c.append(at + shift)
            w.append(np.full(at.size, weight, dtype=np.float32))
    shift = sparse.csr_matrix(
        (np.concatenate(w), (np.concatenate(r), np.concatenate(c))), shape=(rows, rows)
    )
    return _normalise_rows(shift @ words)


def _normalise_rows(matrix) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(_row_norms2(matrix))
    norms[norms == 0] = 1.0
    return _scale_rows(matrix.copy(), 1.0 / norms)


def _scale_rows(matrix: sparse.csr_matrix, factors: np.ndarray) -> sparse.csr_matrix:
    """Multiply each row by its factor, in place; returns the matrix."""
    matrix.data *= np.repeat(factors.astype(np.float32), np.diff(matrix.indptr))
    return matrix


def _hstack_rows(parts: list[sparse.csr_matrix], start: int, stop: int) -> sparse.csr_matrix:
    """Rows start..stop - 1 of the parts side by side, built a slice of rows at a time.

    ``sparse.hstack(parts)[start:stop]``, without the whole stacked matrix, nor a copy of
    each part, ever being in memory.
    """
    counts = sum(np.diff(p.indptr[start : stop + 1]) for p in parts)
    indptr = np.zeros(stop - start + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    columns = sum(p.shape[1] for p in parts)
    index = np.int32 if max(columns, int(indptr[-1])) < 2**31 else np.int64
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=index)
    for a in range(start, stop, STACK_ROWS):
        b = min(a + STACK_ROWS, stop)
        block = sparse.hstack([p[a:b] for p in parts], format="csr")
        lo, hi = indptr[a - start], indptr[b - start]
        data[lo:hi] = block.data
        indices[lo:hi] = block.indices
    return sparse.csr_matrix(
        (data, indices, indptr.astype(index)), shape=(stop - start, columns), copy=False
    )


# Rows stacked (or multiplied with their neighbours) at a time: bounds the copies made.
STACK_ROWS = 8192


def _length_factor(left_len: np.ndarray, right_len: np.ndarray) -> np.ndarray:
    """1 for similar lengths, falling linearly once the shorter side is under SHORT_RATIO of the longer."""
    longer = np.maximum(np.maximum(left_len, right_len), 1.0)
    ratio = np.maximum(np.minimum(left_len, right_len), 1.0) / longer
    return np.minimum(1.0, ratio / SHORT_RATIO)


def _wordless_features(texts: list[str], rows: np.ndarray) -> sparse.csr_matrix:
    """One feature per distinct wordless sentence ("***"), so such sentences match their copies."""
    keys: dict[str, int] = {}
    hits, cols = [], []
    for row in rows.tolist():
        key = " ".join(texts[row].split())
        if key:
            hits.append(row)
            cols.append(keys.setdefault(key, len(keys)))
    data = np.ones(len(hits), dtype=np.float32)
    return sparse.csr_matrix((data, (hits, cols)), shape=(len(texts), len(keys)))


def _row_norms2(matrix: sparse.csr_matrix) -> np.ndarray:
    """Squared L2 norm of each row."""
    squares = sparse.csr_matrix(
        (np.square(matrix.data, dtype=np.float64), matrix.indices, matrix.indptr),
        shape=matrix.shape,
    )
    return np.asarray(squares.sum(axis=1)).ravel()


def _adjacent_dots(matrix: sparse.csr_matrix) -> np.ndarray:
    """Dot product of each row with the next one, a slice of rows at a time."""
    rows = matrix.shape[0]
    out = np.zeros(max(rows - 1, 0))
    step = max(1, STACK_ROWS // 4)
    for a in range(0, rows - 1, step):
        block = matrix[a : min(a + step, rows - 1) + 1]
        dots = block[:-1].multiply(block[1:]).sum(axis=1)
        out[a : a + block.shape[0] - 1] = np.asarray(dots).ravel()
    return out


def _clip(value: float) -> float:
    return round(min(max(float(value), 0.0), 1.0), 4)


def _band(vecs: _Vectors, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Column range [lo[r], hi[r]] of DP row r, around a path through confident anchors."""
    # Lemmas only, and only the pairs the lemma index proposes: every pair would be n * m.
    best_j, best_j_score, best_i = _lemma_best_matches(vecs)
    anchors_i = [
        i for i in range(n) if best_j_score[i] >= ANCHOR_MIN_SCORE and best_i[best_j[i]] == i
    ]
    chain = _longest_increasing([int(best_j[i]) for i in anchors_i])
    # Prefix coordinates: linking sentence i to j ends in DP cell (i + 1, j + 1).
    path_i = [0] + [anchors_i[k] + 1 for k in chain] + [n]
    path_j = [0] + [int(best_j[anchors_i[k]]) + 1 for k in chain] + [m]
    centre = np.interp(np.arange(n + 1), path_i, path_j)
    prev_c = np.r_[centre[:1], centre[:-1]]
    next_c = np.r_[centre[1:], centre[-1:]]
    lo = np.floor(np.minimum(np.minimum(prev_c, centre), next_c)) - BAND_HALF_WIDTH
    hi = np.ceil(np.maximum(np.maximum(prev_c, centre), next_c)) + BAND_HALF_WIDTH
    lo = np.clip(lo, 0, m).astype(np.int64)
    hi = np.clip(hi, 0, m).astype(np.int64)
    lo = np.minimum.accumulate(lo[::-1])[::-1]
    hi = np.maximum.accumulate(hi)
    lo[0], hi[-1] = 0, m
    return lo, hi


def _lemma_best_matches(vecs: _Vectors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best right sentence of each left one by lemma cosine, its score, and best left of each right.

    Only the pairs the lemma index proposes are scored (ANCHOR_CANDIDATES per left sentence). Ties
    go to the lowest index. A sentence without candidates gets 0 (score 0).
    """
    n, m = vecs.words_x.shape[0], vecs.words_y_t.shape[1]
    cand = _retrieve(vecs.words_x, vecs.words_y_t, ANCHOR_CANDIDATES)
    scores = np.full(cand.shape, -1.0)
    for start in range(0, n, ROW_CHUNK):
        chunk = np.arange(start, min(start + ROW_CHUNK, n))
        scores[chunk] = _pair_dots(vecs.words_x, vecs.words_y, chunk, cand[chunk])
    scores[cand < 0] = -1.0
    rows = np.repeat(np.arange(n), cand.shape[1])
    cols, vals = cand.ravel(), scores.ravel()
    valid = cols >= 0
    rows, cols, vals = rows[valid], cols[valid], vals[valid]
    best_j = np.zeros(n, dtype=np.int64)
    best_j_score = np.zeros(n)
    order = np.lexsort((cols, -vals, rows))  # per row: best score first, then lowest column
    first = np.r_[True, rows[order][1:] != rows[order][:-1]] if order.size else order.astype(bool)
    best_j[rows[order][first]] = cols[order][first]
    best_j_score[rows[order][first]] = np.maximum(vals[order][first], 0.0)
    best_i = np.zeros(m, dtype=np.int64)
    order = np.lexsort((rows, -vals, cols))  # per column: best score first, then lowest row
    first = np.r_[True, cols[order][1:] != cols[order][:-1]] if order.size else order.astype(bool)
    best_i[cols[order][first]] = rows[order][first]
    return best_j, best_j_score, best_i


# Candidates of each left sentence scored for its best match when the band is drawn.
ANCHOR_CANDIDATES = 10
# Work allowed to the lemma index, in multiply-adds per sentence of the two sides: words
# found in so many sentences that the product would need more are left out of the index.
RETRIEVAL_WORK = 500


def _retrieve(x: sparse.csr_matrix, y_t: sparse.csr_matrix, top: int) -> np.ndarray:
    """For each row of x, the (at most top) columns of y_t sharing the most weight; -1 pads.

    An inverted index, as a sparse product; the columns are in no particular order. The words of
    y_t's longest posting lists are left out when needed to keep the work within
    RETRIEVAL_WORK per row and column: common words ("said", "year") would make the
    product grow with the square of the length, and rarely decide a best match.
    """
    rows, cols = x.shape[0], y_t.shape[1]
    out = np.full((rows, top), -1, dtype=np.int64)
    if rows == 0 or cols == 0:
        return out
    y_t = _prune_index(x, y_t, RETRIEVAL_WORK * (rows + cols))
    for start in range(0, rows, ROW_CHUNK):
        product = (x[start : start + ROW_CHUNK] @ y_t).tocsr()
        indptr, indices, data = product.indptr, product.indices, product.data
        for row in range(product.shape[0]):
            lo, hi = indptr[row], indptr[row + 1]
            if hi - lo > top:
                # A partial sort per row: sorting all of a chunk's candidates costs 20 times more.
                out[start + row] = indices[lo + np.argpartition(-data[lo:hi], top)[:top]]
            else:
                out[start + row, : hi - lo] = indices[lo:hi]
    return out


def _prune_index(x: sparse.csr_matrix, y_t: sparse.csr_matrix, budget: int) -> sparse.csr_matrix:
    """y_t without the rows (words) of the longest posting lists, if x @ y_t would cost over budget."""
    postings = np.diff(y_t.indptr)
    uses = np.bincount(x.indices, minlength=y_t.shape[0])
    work = uses.astype(np.int64) * postings
    if work.sum() <= budget:
        return y_t
    # Keep every word whose posting list is at most `limit` long, the longest limit in budget.
    lengths, inverse = np.unique(postings, return_inverse=True)
    within = np.cumsum(np.bincount(inverse, weights=work)) <= budget
    limit = lengths[within][-1] if within.any() else -1
    pruned = y_t.copy()
    pruned.data[np.repeat(postings > limit, postings)] = 0
    pruned.eliminate_zeros()
    return pruned


def _longest_increasing(values: list[int]) -> list[int]:
    """Positions of a longest strictly increasing subsequence of values."""
    tails: list[int] = []
    tail_pos: list[int] = []
    parent = [-1] * len(values)
    for pos, value in enumerate(values):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_pos.append(pos)
        else:
            tails[k] = value
            tail_pos[k] = pos
        parent[pos] = tail_pos[k - 1] if k else -1
    out = []
    pos = tail_pos[-1] if tail_pos else -1
    while pos >= 0:
        out.append(pos)
        pos = parent[pos]
    return out[::-1]


# DP moves, in order of preference on ties.
_ONE_ONE, _SKIP_LEFT, _SKIP_RIGHT, _ONE_TWO, _TWO_ONE = range(5)


def _banded_dp(vecs: _Vectors, lo: np.ndarray, hi: np.ndarray, min_score: float) -> list[Link]:
    """Best monotone alignment inside the band; a link gains its score minus min_score.

    Cells are stored row after row in flat arrays (row r holds columns lo[r]..hi[r]). The
    gains of every move are computed for many rows at once; only the recurrence itself,
    which needs the row before, runs row by row, as a few array operations per row.
    """
    n = len(lo) - 1
    sims = _band_similarities(vecs, lo, hi)
    widths = hi - lo + 1
    offsets = np.r_[0, np.cumsum(widths)]
    moves = np.empty(int(offsets[-1]), dtype=np.int8)
    moves[: widths[0]] = _SKIP_RIGHT
    prev2: tuple[int, np.ndarray] | None = None
    prev = (int(lo[0]), np.zeros(int(widths[0])))
    first = 1
    while first <= n:
        # About DP_CHUNK_CELLS cells at a time, whatever the width of the band.
        last = int(np.searchsorted(offsets, offsets[first] + DP_CHUNK_CELLS, side="right"))
        last = min(max(last - 1, first + 1), n + 1)
        gains = _move_gains(vecs, sims, lo, hi, first, last, min_score)
        base = int(offsets[first])
        for r in range(first, last):
            a, w = int(lo[r]), int(widths[r])
            cells = slice(int(offsets[r]) - base, int(offsets[r]) - base + w)
            cand = np.full((4, w), -np.inf)
            _fill(cand[0], prev, a - 1)
            cand[0] += gains[0][cells]
            _fill(cand[1], prev, a)
            _fill(cand[2], prev, a - 2)
            cand[2] += gains[1][cells]
            if prev2 is not None:
                _fill(cand[3], prev2, a - 1)
                cand[3] += gains[2][cells]
            pick = cand.argmax(axis=0)
            best = cand[pick, np.arange(w)]
            move = _MOVE_CODES[pick]
            # 0-1 moves along the row cost nothing, so a running maximum does them.
            running = np.maximum.accumulate(best)
            move[running > best] = _SKIP_RIGHT
            moves[int(offsets[r]) : int(offsets[r]) + w] = move
            prev2, prev = prev, (a, running)
        first = last
    return _trace(vecs, moves, offsets, lo, hi, sims)


# How many DP cells have their move gains computed at once (about 150 bytes a cell).
DP_CHUNK_CELLS = 250_000
# The candidates of a DP cell, in order of preference on ties, and their move codes.
_MOVE_CODES = np.array([0, 1, 3, 4], dtype=np.int8)


def _fill(out: np.ndarray, row: tuple[int, np.ndarray], first: int) -> None:
    """Copy an earlier DP row's scores at columns first.. into out; -inf outside its band stays."""
    start, values = row
    shift = first - start
    a, b = max(0, -shift), min(out.size, values.size - shift)
    if b > a:
        out[a:b] = values[shift + a : shift + b]


BAND_ROWS = 128


class _BandSims:
    """Cosines of each left sentence with the right sentences its DP rows can reach, flat."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray, values: np.ndarray, offsets):
        self.starts, self.ends, self.values, self.offsets = starts, ends, values, offsets

    def get(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Cosine of left i and right j (arrays); 0 outside the computed range."""
        i = np.asarray(i)
        j = np.asarray(j)
        ok = (i >= 0) & (j >= self.starts[np.maximum(i, 0)]) & (j < self.ends[np.maximum(i, 0)])
        pos = np.where(ok, self.offsets[np.maximum(i, 0)] + j - self.starts[np.maximum(i, 0)], 0)
        return np.where(ok, self.values[pos].astype(np.float64), 0.0)


def _band_similarities(vecs: _Vectors, lo: np.ndarray, hi: np.ndarray) -> _BandSims:
    """Cosines of each left sentence with the right sentences its DP rows can reach."""
    n, m = vecs.x.shape[0], vecs.y.shape[0]
    # Sentence i is used by row i + 1 (1-1, 1-2) and row i + 2 (2-1).
    starts = np.maximum(lo[1:] - 2, 0)
    ends = np.maximum(np.minimum(np.maximum(hi[1:], np.r_[hi[2:], hi[-1:]]), m), starts)
    offsets = np.r_[0, np.cumsum(ends - starts)]
    values = np.empty(int(offsets[-1]), dtype=np.float32)
    # Fewer rows than ROW_CHUNK: a block of rows spans their band and the band's slope, so
    # tall blocks compute many cosines outside the band.
    step = max(1, min(ROW_CHUNK, BAND_ROWS))
    for start in range(0, n, step):
        stop = min(start + step, n)
        c0, c1 = int(starts[start:stop].min()), int(ends[start:stop].max())
        block = vecs.block(slice(start, stop), slice(c0, c1))
        rows, cols = _ranges(starts[start:stop] - c0, ends[start:stop] - c0)
        values[offsets[start] : offsets[stop]] = block[rows, cols]
    return _BandSims(starts, ends, values, offsets)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of every cell of rows whose columns run from starts[k] to ends[k] - 1."""
    lengths = ends - starts
    rows = np.repeat(np.arange(lengths.size), lengths)
    cols = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return rows, cols + np.repeat(starts, lengths)


def _move_gains(vecs, sims: _BandSims, lo, hi, first: int, last: int, min_score: float):
    """Gains of the 1-1, 1-2 and 2-1 moves into every cell of DP rows first..last - 1, flat."""
    m = vecs.y.shape[0]
    rows, cols = _ranges(lo[first:last], hi[first:last] + 1)
    r = rows + first
    i = r - 1  # the left sentence that row r adds
    one = sims.get(i, cols - 1)
    j1 = np.clip(cols - 1, 0, m - 1)
    one_scaled = one * vecs.factor(i, j1)
    gain11 = np.where(cols >= 1, one_scaled - min_score, -np.inf)

    def at(values: np.ndarray, idx: np.ndarray) -> np.ndarray:
        ok = (idx >= 0) & (idx < values.size)
        return (
            np.where(ok, values[np.clip(idx, 0, max(values.size - 1, 0))], 0.0)
            if values.size
            else np.zeros(idx.size)
        )

    y_len1 = at(vecs.y_len, cols - 1)
    # 1-2: left i against right j-2 and j-1.
    two = sims.get(i, cols - 2)
    y_n2a, y_n2b = at(vecs.y_norm2, cols - 2), at(vecs.y_norm2, cols - 1)
    y_dot = at(vecs.y_next, cols - 2)
    joined = (two + one) / np.sqrt(np.maximum(vecs.x_norm2[i] * (y_n2a + y_n2b + 2 * y_dot), 1e-12))
    joined *= _length_factor(vecs.x_len[i], at(vecs.y_len, cols - 2) + y_len1)
    # A blank sentence adds nothing to a link, so it never joins one.
    joined[(y_n2a == 0) | (y_n2b == 0)] = 0
    gain12 = _merge_gain(joined, min_score)
    # 2-1: left i-1 and i against right j-1.
    above = sims.get(i - 1, cols - 1)
    ip = np.maximum(i - 1, 0)
    x_n2 = vecs.x_norm2[ip] + vecs.x_norm2[i] + 2 * at(vecs.x_next, ip)
    joined = (above + one) / np.sqrt(np.maximum(x_n2 * y_n2b, 1e-12))
    joined *= _length_factor(vecs.x_len[ip] + vecs.x_len[i], y_len1)
    joined[(vecs.x_norm2[ip] == 0) | (vecs.x_norm2[i] == 0)] = 0
    gain21 = np.where(i >= 1, _merge_gain(joined, min_score), -np.inf)
    return gain11, gain12, gain21


def _merge_gain(joined: np.ndarray, min_score: float) -> np.ndarray:
    joined = np.clip(joined, 0.0, 1.0)
    return np.where(joined >= min_score, joined - min_score + MERGE_BONUS, -np.inf)


def _trace(vecs, moves, offsets, lo, hi, sims: _BandSims) -> list[Link]:
    """Follow the moves back from the last cell; 1-1 links are scored all at once."""
    steps: list[tuple[int, int, int]] = []  # (move, r, j) of every link, last first
    moves, offsets, lo = moves.tolist(), offsets.tolist(), lo.tolist()
    r, j = len(lo) - 1, int(hi[-1])
    while r > 0 or j > 0:
        mv = moves[offsets[r] + j - lo[r]] if r > 0 else _SKIP_RIGHT
        if mv == _SKIP_LEFT:
            r -= 1
        elif mv == _SKIP_RIGHT:
            j -= 1
        else:
            steps.append((mv, r, j))
            r, j = (
                (r - 1, j - 1)
                if mv == _ONE_ONE
                else (r - 1, j - 2)
                if mv == _ONE_TWO
                else (r - 2, j - 1)
            )
    steps.reverse()
    ones = [(r - 1, j - 1) for mv, r, j in steps if mv == _ONE_ONE]
    i1 = np.array([i for i, _ in ones], dtype=np.int64)
    j1 = np.array([j for _, j in ones], dtype=np.int64)
    scores = iter((sims.get(i1, j1) * vecs.factor(i1, j1)).tolist() if ones else [])
    links: list[Link] = []
    for mv, r, j in steps:
        if mv == _ONE_ONE:
            links.append(Link((r - 1,), (j - 1,), _clip(next(scores))))
        elif mv == _ONE_TWO:
            lefts, rights = (r - 1,), (j - 2, j - 1)
            links.append(Link(lefts, rights, vecs.joined_score(lefts, rights)))
        else:
            lefts, rights = (r - 2, r - 1), (j - 1,)
            links.append(Link(lefts, rights, vecs.joined_score(lefts, rights)))
    return links


def _link_leftovers(vecs: _Vectors, links: list[Link], threshold: float) -> list[Link]:
    """Greedily link unlinked sentences out of order, strongest pairs first, growing splits and merges."""
    n, m = vecs.x.shape[0], vecs.y.shape[0]
    free_left = np.ones(n, dtype=bool)
    free_right = np.ones(m, dtype=bool)
    for link in links:
        free_left[list(link.left)] = False
        free_right[list(link.right)] = False
    rows, cols = np.flatnonzero(free_left), np.flatnonzero(free_right)
    if rows.size == 0 or cols.size == 0:
        return []
    pairs = _candidate_pairs(vecs, rows, cols, threshold)
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))

    found: list[Link] = []
    for score, i, j in pairs:
        if not (free_left[i] and free_right[j]):
            continue
        lefts, rights, score = _grow(
            vecs, (i,), (j,), _clip(score), free_left, free_right, threshold
        )
        free_left[list(lefts)] = False
        free_right[list(rights)] = False
        found.append(Link(lefts, rights, score))
    return found


def _candidate_pairs(vecs: _Vectors, rows: np.ndarray, cols: np.ndarray, threshold: float):
    """(score, left, right) for pairs of the given sentences scoring at least threshold.

    Small sets are scored in full; large ones through the lemma index (RETRIEVE best
    candidates per row), so the work grows linearly with the number of sentences.
    """
    pairs: list[tuple[float, int, int]] = []
    full = rows.size * cols.size <= FULL_SCORE_CELLS
    if full:
        y_free = vecs.y[cols].T.tocsr()
    else:
        cand = _retrieve(vecs.words_x[rows], vecs.words_y[cols].T.tocsr(), RETRIEVE)
    for start in range(0, rows.size, ROW_CHUNK):
        chunk = rows[start : start + ROW_CHUNK]
        if full:
            product = (vecs.x[chunk] @ y_free).tocoo()
            r, c, data = chunk[product.row], cols[product.col], product.data
        else:
            found = cand[start : start + ROW_CHUNK]
            at_row, at = np.nonzero(found >= 0)
            r, c = chunk[at_row], cols[found[at_row, at]]
            if not r.size:
                continue
            data = np.asarray(vecs.x[r].multiply(vecs.y[c]).sum(axis=1)).ravel()
        data = data * vecs.factor(r, c)
        keep = data >= threshold
        pairs += zip(data[keep].tolist(), r[keep].tolist(), c[keep].tolist(), strict=True)
    return pairs


def _grow(vecs, lefts, rights, score, free_left, free_right, threshold):
    """Extend a 1-1 link to a free neighbour when the joined pair scores clearly better."""
    (i,), (j,) = lefts, rights
    options = []
    for k in (i - 1, i + 1):
        if 0 <= k < len(free_left) and free_left[k] and vecs.x_norm2[k] > 0:
            options.append((tuple(sorted((i, k))), rights))
    for k in (j - 1, j + 1):
        if 0 <= k < len(free_right) and free_right[k] and vecs.y_norm2[k] > 0:
            options.append((lefts, tuple(sorted((j, k)))))
    for cand_left, cand_right in options:
        cand = vecs.joined_score(cand_left, cand_right)
        if cand > score - MERGE_BONUS and cand >= threshold:
            lefts, rights, score = cand_left, cand_right, cand
    return lefts, rights, score


# ---------------------------------------------------------------------------- suggestions

# How many right sentences the lemma index proposes for each left sentence before they are
# scored with every feature; a dense product is used instead while it is small.
RETRIEVE = 30
# Least similarity of a sentence's own words and characters (context aside) for a suggestion.
OWN_MIN = 0.05
FULL_SCORE_CELLS = 2_000_000


# What a suggestion's score means to a reader. Fitted on the labelled sets: above STRONG a
# suggestion was right every time; under POSSIBLE it was right about one time in ten.
STRONG = 0.35
POSSIBLE = 0.10
CONFIDENCE_LEGEND = {
    "strong": f"score {STRONG:.2f} or more, or the sentences are linked in the alignment",
    "possible": f"score {POSSIBLE:.2f} to {STRONG:.2f}: shares some words and names",
    "weak": f"score under {POSSIBLE:.2f}: little in common; check by reading",
}


@dataclass(frozen=True)
class Suggestion:
    right: int
    score: float


def confidence(score: float, *, linked: bool = False) -> str:
    """ "strong", "possible" or "weak" for a suggestion's score; linked sentences are strong."""
    if linked or score >= STRONG:
        return "strong"
    return "possible" if score >= POSSIBLE else "weak"


def suggest(
    left: Sequence[str],
    right: Sequence[str],
    k: int = 3,
    *,
    rows: Sequence[int] | None = None,
    queries: Sequence[tuple[str, int]] = (),
) -> list[list[Suggestion]]:
    """For every left sentence, its k best right sentences, best first, in any order of the text.

    With ``rows``, only those left sentences are scored (the others get []); all of both
    texts still inform word weights and context. ``queries`` are extra texts to rank, each
    with the index of the left sentence it comes from (a claim and its sentence): their
    lists follow the sentences' in the result.

    Scores are in [0, 1] (see ``confidence`` for what they mean to a reader). Right
    sentences scoring 0 are left out, so a list may be shorter than k. Time and memory
    grow linearly: long inputs are searched through the lemma part of the vectors (an
    inverted index, as a sparse product), and only the RETRIEVE best candidates of each
    left sentence are scored in full.
    """
    n, m = len(left), len(right)
    queries = [(text, at) for text, at in queries if 0 <= at < n]
    if n == 0 or m == 0:
        return [[] for _ in range(n + len(queries))]
    vecs = _vectors(tuple(left), tuple(right), (WEIGHTS, RARE_WEIGHT, CONTEXT_WEIGHTS, CHAR_INPUT))
    wanted = range(n) if rows is None else sorted({i for i in rows if 0 <= i < n})
    out: list[list[Suggestion]] = [[] for _ in range(n + len(queries))]
    for i, row in zip(wanted, _top_k(vecs, k, np.array(wanted, dtype=np.int64)), strict=True):
        out[i] = row
    if queries:
        out[n:] = _top_k_queries(vecs, queries, k)
    return out


def suggest_near(
    left: Sequence[str],
    right: Sequence[str],
    k: int = 3,
    *,
    rows: Sequence[int],
    anchors: Sequence[int],
    window: int,
    queries: Sequence[tuple[str, int]] = (),
    context: int = 2,
) -> list[list[Suggestion]]:
    """``suggest`` for a few rows of a long pair, looking only near where each row belongs.

    ``anchors[i]`` is the right index where ``rows[i]`` is expected (its aligned sentence,
    or a guess); only the right sentences within ``window`` of an anchor are candidates,
    and only the rows with ``context`` neighbours each side are read. Word weights and
    context come from those excerpts alone, so the cost follows the rows, not the texts: a
    claim in a 50,000-sentence version is ranked in milliseconds instead of fitting the
    whole pair (seconds, and gigabytes kept per process). The result is indexed like
    ``suggest``'s: a list per left sentence (empty except for ``rows``), then the queries'.
    """
    n, m = len(left), len(right)
    out: list[list[Suggestion]] = [[] for _ in range(n)]
    wanted = sorted({(r, a) for r, a in zip(rows, anchors, strict=True) if 0 <= r < n})
    queries = [(text, at) for text, at in queries if 0 <= at < n]
    if not wanted or m == 0:
        return out + [[] for _ in queries]
    centres = {r for r, _ in wanted} | {at for _, at in queries}
    mine = sorted({i for r in centres for i in range(max(0, r - context), min(n, r + context + 1))})
    theirs = sorted(
        {j for _, a in wanted for j in range(max(0, a - window), min(m, a + window + 1))}
    )
    local_row = {i: at for at, i in enumerate(mine)}
    ranked = suggest(
        [left[i] for i in mine],
        [right[j] for j in theirs],
        k,
        rows=[local_row[r] for r, _ in wanted],
        queries=[(text, local_row[at]) for text, at in queries],
    )
    for at, i in enumerate(mine):
        out[i] = [Suggestion(theirs[s.right], s.score) for s in ranked[at]]
    return out + [[Suggestion(theirs[s.right], s.score) for s in q] for q in ranked[len(mine) :]]


@lru_cache(maxsize=4)
def _vectors(left: tuple[str, ...], right: tuple[str, ...], _settings) -> _Vectors:
    """The fitted vectors of a version pair, kept for the next claim on the same pair.

    A story's versions change only on import: the claims reviewers mark one after another
    are ranked without refitting. Four pairs are kept: both directions of two pairs.
    """
    return _Vectors(left, right)


def _top_k_queries(vecs: _Vectors, queries, k: int) -> list[list[Suggestion]]:
    matrix, own, lengths, titles = vecs.queries(queries)
    scores = (matrix @ vecs.y_t).toarray()
    own_scores = (own @ vecs.y_t).toarray() * vecs.y_scale[None, :]
    lengths_factor = _length_factor(lengths[:, None], vecs.y_len[None, :])
    title_factor = np.where(titles[:, None] != vecs.y_title[None, :], TITLE_PROSE, 1.0)
    scores = scores * lengths_factor * title_factor
    scores[own_scores < OWN_MIN] = 0.0
    out = []
    for row in scores:
        best = np.argsort(-row, kind="stable")[:k]
        out.append([Suggestion(int(j), _clip(row[j])) for j in best if row[j] > 0])
    return out


def _top_k(vecs: _Vectors, k: int, rows: np.ndarray | None = None) -> list[list[Suggestion]]:
    n, m = vecs.x.shape[0], vecs.y.shape[0]
    if rows is None:
        rows = np.arange(n)
    out: list[list[Suggestion]] = []
    full = n * m <= FULL_SCORE_CELLS
    # The lemma index is searched for all the rows at once: its budget is for all of them.
    wide = None if full else _retrieve(vecs.words_x[rows], vecs.words_y_t, RETRIEVE)
    for first in range(0, rows.size, ROW_CHUNK):
        chunk = rows[first : first + ROW_CHUNK]
        if full:
            scores = (vecs.x[chunk] @ vecs.y_t).toarray()
            cand = np.argsort(-scores, axis=1, kind="stable")[:, :k]
            cand_scores = np.take_along_axis(scores, cand, axis=1)
        else:
            cand, cand_scores = _rescore(vecs, chunk, wide[first : first + ROW_CHUNK], k)
        factors = vecs.factor(chunk[:, None], np.clip(cand, 0, m - 1))
        cand_scores = cand_scores * factors
        own = vecs.own_dots(chunk, cand)
        cand_scores[own < OWN_MIN] = 0.0
        order = np.argsort(-cand_scores, axis=1, kind="stable")
        for row in range(chunk.size):
            out.append(
                [
                    Suggestion(int(cand[row, c]), _clip(cand_scores[row, c]))
                    for c in order[row]
                    if cand[row, c] >= 0 and cand_scores[row, c] > 0
                ]
            )
    return out


def _pair_dots(x: sparse.csr_matrix, y: sparse.csr_matrix, rows: np.ndarray, cand: np.ndarray):
    """x[rows[r]] . y[cand[r, c]] for every cell of cand (-1: 0), in one sparse pass."""
    out = np.zeros(cand.shape)
    r_idx, c_idx = np.nonzero(cand >= 0)
    if r_idx.size:
        dots = x[rows[r_idx]].multiply(y[cand[r_idx, c_idx]]).sum(axis=1)
        out[r_idx, c_idx] = np.asarray(dots).ravel()
    return out


def _rescore(vecs: _Vectors, chunk: np.ndarray, wide: np.ndarray, k: int):
    """Score each row's candidates (wide, -1 pads) with the full vectors; keep k; -1 pads."""
    scores = _pair_dots(vecs.x, vecs.y, chunk, wide)
    scores[wide < 0] = -1.0
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    cand = np.take_along_axis(wide, best, axis=1)
    cand_scores = np.where(cand >= 0, np.take_along_axis(scores, best, axis=1), 0.0)
    return cand, cand_scores
