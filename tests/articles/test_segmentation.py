"""Segmentation: blocks and sentences with exact code point offsets."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.text.segmentation import (
    BYLINE,
    CAPTION,
    DATELINE,
    HEADING,
    PARAGRAPH,
    normalize,
    segment,
)

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def sentences(text):
    return [text[s.start : s.end] for b in segment(text) for s in b.sentences]


def kinds(text):
    return [(b.kind, text[b.start : b.end]) for b in segment(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr. Allen went home. He slept.", ["Mr. Allen went home.", "He slept."]),
        ("Ms. Zhang and Dr. Wu met. They agreed.", ["Ms. Zhang and Dr. Wu met.", "They agreed."]),
        ("The U.S. economy grew. Prices fell.", ["The U.S. economy grew.", "Prices fell."]),
        (
            "It opened on Jan. 5 in Paris. Crowds came.",
            ["It opened on Jan. 5 in Paris.", "Crowds came."],
        ),
        (
            "Estimates range from 10, 000 to 50, 000 cards. Few agree.",
            ["Estimates range from 10, 000 to 50, 000 cards.", "Few agree."],
        ),
        ("It cost US$ 1bn. That is a lot.", ["It cost US$ 1bn.", "That is a lot."]),
        (
            "He was hailed as an” AI hero” online. Fans cheered.",
            ["He was hailed as an” AI hero” online.", "Fans cheered."],
        ),
        (
            "She said: “We won. We are happy.” Then she left.",
            ["She said: “We won. We are happy.”", "Then she left."],
        ),
        ("“Is it true?” she asked. Nobody knew.", ["“Is it true?” she asked.", "Nobody knew."]),
        (
            "A comment read: ” This is the best gift. Wish us well”, another said.",
            ["A comment read: ” This is the best gift. Wish us well”, another said."],
        ),
    ],
)
def test_it_splits_sentences_without_false_splits(text, expected):
    assert sentences(text) == expected


def test_it_gives_headings_bylines_datelines_and_captions_their_own_blocks():
    text = (
        "Harbour plan approved\n\nAna Ruiz and João de Silva\n\nReporting fromPorthallow\n"
        "Getty Images Boats in the harbour at dawnGetty Images\n\n"
        "The council voted. Work starts soon.\n\nWhat happens next\n\nNobody knows."
    )
    assert kinds(text) == [
        (HEADING, "Harbour plan approved"),
        (BYLINE, "Ana Ruiz and João de Silva"),
        (DATELINE, "Reporting fromPorthallow"),
        (CAPTION, "Getty Images Boats in the harbour at dawnGetty Images"),
        (PARAGRAPH, "The council voted. Work starts soon."),
        (HEADING, "What happens next"),
        (PARAGRAPH, "Nobody knows."),
    ]


def test_it_keeps_a_list_marker_with_its_heading():
    text = "Intro text here.\n\n1.\n\nThe Cost Factor\n\nIt is cheap."
    assert kinds(text)[1] == (HEADING, "1.\n\nThe Cost Factor")
    assert "1." not in sentences(text)


def test_it_keeps_a_hard_wrapped_paragraph_together():
    line = "This line is long enough to be part of a paragraph wrapped at seventy"
    text = f"{line}\n{line}\nand it ends here."
    assert kinds(text) == [(PARAGRAPH, text)]


def test_sentences_never_cross_blocks():
    text = "No full stop here\n\nBut here is one. And another"
    for block in segment(text):
        for s in block.sentences:
            assert block.start <= s.start < s.end <= block.end


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n"])
def test_it_returns_no_blocks_for_blank_text(text):
    assert segment(text) == []


def test_offsets_count_code_points_with_emoji_and_combining_marks():
    text = "Rocket 🚀 launch. Cafe\u0301 opened 😀 today.\n\n𝒳 rose 5%."
    got = sentences(text)
    assert got == ["Rocket 🚀 launch.", "Cafe\u0301 opened 😀 today.", "𝒳 rose 5%."]


def test_normalize_unifies_line_ends_and_composes_characters():
    assert normalize("\ufeffa\r\nb\rc Cafe\u0301") == "a\nb\nc Café"


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            list("ab .?!“”\"'\n\t,0123456789U🚀é\u0301—-") + ["Mr. ", "\n\n", "1.", "By "]
        ),
        max_size=120,
    ).map("".join)
)
def test_blocks_and_sentences_are_ordered_disjoint_in_bounds_and_cover_all_text(text):
    blocks = segment(text)
    covered = set()
    last_block_end = 0
    for block in blocks:
        assert last_block_end <= block.start < block.end <= len(text)
        last_block_end = block.end
        last_end = block.start
        for s in block.sentences:
            assert last_end <= s.start < s.end <= block.end
            piece = text[s.start : s.end]
            assert piece == piece.strip()
            covered.update(range(s.start, s.end))
            last_end = s.end
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds is not beside the project")
def test_seed_texts_segment_sensibly():
    bbc = normalize((SEEDS / "004_51c1a03e0f48490b.txt").read_text(encoding="utf-8"))
    found = sentences(bbc)
    assert not any(s.endswith(("Mr.", "Ms.", "Dr.")) for s in found)
    block_kinds = [k for k, _ in kinds(bbc)]
    assert block_kinds[:5] == [HEADING, BYLINE, BYLINE, DATELINE, CAPTION]
    assert block_kinds.count(CAPTION) == 4
