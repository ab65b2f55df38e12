"""lemmatize() asks spaCy's tokenizer once per distinct chunk of text: the lemmas must be
exactly those of running spaCy's tokenizer over every whole text, as before.

The reference below is the former implementation: ``spacy.blank("en")`` over the whole
text, then the same rules per token (spaCy's is_stop / is_punct, the lookup lemma, names
and numbers marked with '!' unless a capital opens the text or follows an opener).
"""

import numpy as np
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from articles.text import alignment, lemmas

_NLP = spacy.blank("en")


def _reference(text: str) -> list[str]:
    texts = [token.text for token in _NLP(lemmas.normalize_numbers(text))]
    out = []
    for k, token in enumerate(texts):
        lexeme = _NLP.vocab[token]
        if lexeme.is_stop or lexeme.is_punct:
            continue
        word = lemmas._EDGE.sub("", token).replace(".", "")
        if not word or not lemmas._KEEP.search(word):
            continue
        lower = word.lower()
        if lower in lemmas._STOP and not word.isupper():
            continue
        marked = any(c.isdigit() for c in word) or sum(c.isupper() for c in word) > 1
        capital = word[0].isupper()
        rare = marked or (capital and k > 0 and texts[k - 1] not in lemmas._OPENERS)
        out.append(("!" if rare else "") + lemmas._lemma(lower))
    return out


_WORDS = [
    "The", "council", "said", "Liang", "Wenfeng", "U.S.", "Mr.", "don't", "can't", "cannot",
    "company's", "10,000", "10, 000", "2.5", "$1bn", "US$", "£2.5m", "99%", "20", "January",
    "A100", "AI", "state-of-the-art", "covid-19", "e.g.", "(Reuters)", "“Quoted”", "‘single’",
    "—", "-", ":", "well-known", "naïve", "Élan", "café", "ΣΑΣ", "1990s", "3rd", "a.m.",
    "http://example.com/x", "DeepSeek's", "chips.", "trained,", "Nvidia;", "'Hello'", "...",
]  # fmt: skip
_SPACE = st.sampled_from([" ", " ", " ", "  ", "\n", " \n", "\t", "\u00a0", "\n\n "])
_TOKEN = st.one_of(st.sampled_from(_WORDS), st.text(min_size=1, max_size=6))
_TEXT = st.lists(st.tuples(_TOKEN, _SPACE), max_size=14).map(
    lambda parts: "".join(token + space for token, space in parts)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TEXT, _TEXT.map(str.strip)), min_size=1, max_size=5))
def test_lemmas_equal_spacys_tokenizer_over_whole_texts(texts):
    lemmas._CACHE.clear()
    assert lemmas.lemmatize(texts) == [_reference(text) for text in texts]


def test_names_and_numbers_keep_their_marks():
    text = "Officials in the U.S. said Liang Wenfeng's firm bought 10, 000 A100 chips for $1bn."
    assert lemmas.lemmatize([text]) == [_reference(text)]
    got = lemmas.lemmatize([text])[0]
    assert "!liang" in got and "!wenfeng" in got and "!10000" in got and "!a100" in got
    assert "official" in got  # opens the sentence: not a name
    assert lemmas.lemmatize(["“Officials said"])[0][0] == "official"  # after an opener


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "!b", "c", "!d", "e", "f"]), max_size=6),
        min_size=1,
        max_size=8,
    )
)
def test_lemma_vectors_equal_sklearns_tfidf_with_names_weighted_up(docs):
    """_lemma_matrix builds from ids what TfidfVectorizer builds from strings, then the boost."""
    matrix, index = alignment._lemma_matrix(docs)
    reference = TfidfVectorizer(
        analyzer=lambda doc: [*doc, *(f"{a} {b}" for a, b in zip(doc, doc[1:], strict=False))],
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        expected = reference.fit_transform(docs).toarray()
    except ValueError:  # no lemma at all
        assert matrix.shape == (len(docs), 0)
        return
    names = reference.get_feature_names_out().tolist()
    boost = np.array([alignment.RARE_WEIGHT if "!" in name else 1.0 for name in names])
    expected = expected * boost
    norms = np.linalg.norm(expected, axis=1, keepdims=True)
    expected = expected / np.where(norms == 0, 1, norms)
    ours = index.feature_names()
    assert sorted(ours) == sorted(names)
    order = [ours.index(name) for name in names]
    assert np.abs(matrix.toarray()[:, order] - expected).max() <= 1e-6
    # Other texts are transformed with the fitted weights; unknown features are left out.
    queries = [docs[0] + ["zzz"], ["zzz"]]
    got = index.transform(queries).toarray()[:, order]
    want = reference.transform(queries).toarray() * boost
    norms = np.linalg.norm(want, axis=1, keepdims=True)
    assert np.abs(got - want / np.where(norms == 0, 1, norms)).max() <= 1e-6
