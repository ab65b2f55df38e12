"""align() does work in proportion to the length of the texts, counted without a clock.

The thresholds for the full DP and full scoring are lowered so that a few thousand
sentences take the paths of a long report (banded DP, lemma index). The work of each
stage (DP cells, cosines of the band, multiply-adds of the lemma index, pairs rescored)
is counted for n and 4n sentences a side: linear work grows about 4 times, quadratic
work 16 times. Timings are in bench/align.py --words.
"""

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from articles.text import alignment

SYLLABLES = ["ba", "ko", "ri", "te", "mu", "sa", "ne", "lo", "pi", "du", "ga", "ve", "zo", "hi"]
FUNCTION = ["the", "of", "and", "to", "in", "that", "was", "for", "with", "on", "said", "by"]


def _pair(n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """n sentences of Zipf-distributed invented words, and a rewrite with moved blocks."""
    rng = random.Random(seed)
    vocab = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(4000)})
    rng.shuffle(vocab)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]

    def sentence() -> list[str]:
        words = rng.choices(vocab, weights=weights, k=rng.randint(6, 18))
        for _ in range(len(words) // 2):
            words.insert(rng.randrange(len(words) + 1), rng.choice(FUNCTION))
        return words

    left = [sentence() for _ in range(n)]
    right = []
    for words in left:
        roll = rng.random()
        if roll < 0.05:
            continue
        if roll < 0.10:
            right.append(sentence())
        right.append([w for w in words if rng.random() > 0.2] or words)
    for _ in range(len(right) // 40):  # move blocks of five sentences
        start = rng.randrange(len(right) - 5)
        block = right[start : start + 5]
        del right[start : start + 5]
        at = rng.randrange(len(right))
        right[at:at] = block

    def render(words: list[str]) -> str:
        return " ".join(words).capitalize() + "."

    return [render(w) for w in left], [render(w) for w in right]


def _work(monkeypatch, n: int) -> dict[str, int]:
    counts = {"dp cells": 0, "cosines": 0, "index work": 0, "pairs rescored": 0}
    block, prune = alignment._Vectors.block, alignment._prune_index
    gains, pair_dots = alignment._move_gains, alignment._pair_dots

    def counted_block(self, rows, cols):
        out = block(self, rows, cols)
        counts["cosines"] += out.size
        return out

    def counted_prune(x, y_t, budget):
        out = prune(x, y_t, budget)
        uses = np.bincount(x.indices, minlength=out.shape[0])
        counts["index work"] += int((uses.astype(np.int64) * np.diff(out.indptr)).sum())
        return out

    def counted_gains(*args):
        out = gains(*args)
        counts["dp cells"] += out[0].size
        return out

    def counted_pair_dots(x, y, rows, cand):
        counts["pairs rescored"] += int((cand >= 0).sum())
        return pair_dots(x, y, rows, cand)

    monkeypatch.setattr(alignment._Vectors, "block", counted_block)
    monkeypatch.setattr(alignment, "_prune_index", counted_prune)
    monkeypatch.setattr(alignment, "_move_gains", counted_gains)
    monkeypatch.setattr(alignment, "_pair_dots", counted_pair_dots)
    left, right = _pair(n)
    links = alignment.align(left, right)
    assert len(links) > 0.8 * n
    monkeypatch.undo()
    return counts


@pytest.fixture
def long_paths(monkeypatch):
    monkeypatch.setattr(alignment, "FULL_DP_CELLS", 10_000)
    monkeypatch.setattr(alignment, "FULL_SCORE_CELLS", 10_000)
    monkeypatch.setattr(alignment, "BAND_HALF_WIDTH", 20)
    monkeypatch.setattr(alignment, "RETRIEVAL_WORK", 60)
    monkeypatch.setattr(alignment, "ROW_CHUNK", 64)


def test_align_work_grows_linearly_with_the_number_of_sentences(long_paths):
    with pytest.MonkeyPatch.context() as mp:
        small = _work(mp, 300)
    with pytest.MonkeyPatch.context() as mp:
        large = _work(mp, 1200)
    print({k: (small[k], large[k], round(large[k] / max(small[k], 1), 2)) for k in small})
    for key in small:
        assert small[key] > 0, key
        # Linear: 4 times the sentences, about 4 times the work (quadratic would be 16). The
        # lemma index grows a little faster until its budget is reached, then linearly.
        assert large[key] <= 6 * small[key], key


def test_the_lemma_index_leaves_out_words_found_everywhere():
    """The common word's posting list goes; rare words stay; the budget is respected."""
    from scipy import sparse

    rows = 100
    common = np.ones((rows, 1))
    rare = np.eye(rows)
    x = sparse.csr_matrix(np.hstack([common, rare]), dtype=np.float32)
    y_t = x.T.tocsr()
    pruned = alignment._prune_index(x, y_t, budget=1_000)
    assert np.diff(pruned.indptr).tolist() == [0] + [1] * rows
    assert alignment._prune_index(x, y_t, budget=rows * rows + rows) is y_t
    cand = alignment._retrieve(x, y_t, 3)
    assert cand.shape == (rows, 3)


_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["The", "council", "naïve", "Élan", "café", "ΣΑΣ", "2,000", "U.S.", "a"]),
        st.text(min_size=1, max_size=8),
    ),
    max_size=10,
).map(" ".join)


@settings(max_examples=40, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=8), st.lists(_TEXT, max_size=3))
def test_character_ngrams_equal_sklearns_char_wb(texts, queries):
    """Cutting each distinct word once gives sklearn's TfidfVectorizer(char_wb) exactly."""
    reference = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        sublinear_tf=True,
        lowercase=True,
        strip_accents="unicode",
        dtype=np.float32,
    )
    try:
        expected = reference.fit_transform(texts)
    except ValueError:  # no n-gram at all
        assert alignment._char_matrix(texts)[1] is None
        return
    matrix, vectorizer = alignment._char_matrix(texts)
    assert matrix.shape == expected.shape
    assert abs(matrix - expected).max() <= 1e-6
    if queries:
        assert abs(vectorizer.transform(queries) - reference.transform(queries)).max() <= 1e-6


def test_suggest_near_agrees_with_a_whole_search_near_the_anchor():
    """A claim in a long pair is sought near its aligned place: the best match is the one
    a search of the whole pair finds, when that match lies within the window."""
    left, right = _pair(1500, seed=11)
    rng = random.Random(3)
    rows = sorted(rng.sample(range(len(left)), 60))
    whole = alignment.suggest(left, right, 3, rows=rows)
    best = {i: whole[i][0].right for i in rows if whole[i]}
    anchors = [max(0, min(len(right) - 1, best.get(i, i) + rng.randint(-40, 40))) for i in rows]
    near = alignment.suggest_near(left, right, 3, rows=rows, anchors=anchors, window=100)
    assert len(near) == len(left)
    # Only the sentences within the window of some row's anchor are searched.
    for i in rows:
        assert all(any(abs(s.right - a) <= 100 for a in anchors) for s in near[i])
    agree = sum(1 for i in best if near[i] and near[i][0].right == best[i])
    assert agree >= 0.9 * len(best), (agree, len(best))
    assert not any(near[i] for i in range(len(left)) if i not in rows)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.sampled_from(FUNCTION + SYLLABLES), min_size=3, max_size=8).map(" ".join),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=12),
    st.data(),
)
def test_suggest_near_over_everything_is_suggest(words, n, m, data):
    """With a window and context covering both texts, the excerpts are the texts: the
    result, mapped back, is exactly suggest()'s (the offset arithmetic of the mapping)."""
    rng = random.Random(n * 31 + m)
    left = [f"{words} {rng.choice(FUNCTION)} {rng.choice(SYLLABLES)}{i}." for i in range(n)]
    right = [f"{rng.choice(SYLLABLES)} {words} {j % 3}." for j in range(m)]
    rows = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    at = data.draw(st.sampled_from(rows))
    queries = [(words, at)]
    near = alignment.suggest_near(
        left, right, 3, rows=rows, anchors=[0] * len(rows), window=m, queries=queries, context=n
    )
    assert near == alignment.suggest(left, right, 3, rows=rows, queries=queries)
