"""Fact extraction and comparison between two versions of a sentence."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.text.factdiff import Fact, FactDiff, diff_facts, extract_facts, word_diff

MUST_FLAG = [
    # numbers
    ("DeepSeek used 2,000 chips.", "DeepSeek used 20,000 chips.", ["number: 2,000 vs 20,000"]),
    ("Estimates range from 10, 000 to 50, 000.", "Estimates range from 10, 000 to 60, 000.", ["number: 50, 000 vs 60, 000"]),
    ("The team has 140 people.", "The team has 410 people.", ["number: 140 vs 410"]),
    ("Three ships sank.", "Four ships sank.", ["number: Three vs Four"]),
    ("It sold 4.5 million copies.", "It sold 5.4 million copies.", ["number: 4.5 million vs 5.4 million"]),
    ("It has 300 staff.", "It has 300 staff in 12 offices.", ["number added: 12"]),
    # money
    ("The dam cost £48m.", "The dam cost £84m.", ["money: £48m vs £84m"]),
    ("They spent US$1bn.", "They spent $1 million.", ["money: US$1bn vs $1 million"]),
    ("The fine was €500.", "The fine was £500.", ["money: €500 vs £500"]),
    # percentages
    ("Sales rose 5% in 2023.", "Sales rose 15% in 2023.", ["percent: 5% vs 15%"]),
    ("Turnout was 62 per cent.", "Turnout was 26 per cent.", ["percent: 62 per cent vs 26 per cent"]),
    # dates and durations
    ("He was sworn in on 20 January.", "He was sworn in on 21 January.", ["date: 20 January vs 21 January"]),
    ("The barrage was proposed in 1987.", "The barrage was proposed in 1978.", ["date: 1987 vs 1978"]),
    ("Two years on, the question has flipped.", "Two decades on, the question has flipped.", ["date: Two years vs Two decades"]),
    ("The study will take two years.", "The study will take two decades.", ["duration: two years vs two decades"]),
    ("It will reply within 28 days.", "It will reply within 28 weeks.", ["duration: 28 days vs 28 weeks"]),
    ("The vote is on Tuesday.", "The vote is on Thursday.", ["date: Tuesday vs Thursday"]),
    ("Work stops at 6pm.", "Work stops at 8pm.", ["date: 6pm vs 8pm"]),
    # places and nationalities
    ("It forced Chinese firms to adapt.", "It forced Taiwanese firms to adapt.", ["place: Chinese vs Taiwanese"]),
    ("Turbines were tested in Norwegian fjords.", "Turbines were tested in Swedish fjords.", ["place: Norwegian vs Swedish"]),
    ("She flew to Beijing on Monday.", "She flew to Shanghai on Monday.", ["place: Beijing vs Shanghai"]),
    # names and organisations
    ("Liang Wenfeng attended the meeting.", "Liang Wenfung attended the meeting.", ["name: Liang Wenfeng vs Liang Wenfung"]),
    ("Tomas Lindqvist runs the firm.", "Tomas Lindquist runs the firm.", ["name: Tomas Lindqvist vs Tomas Lindquist"]),
    ("He studied at Zhejiang University.", "He studied at Tsinghua University.", ["organisation: Zhejiang University vs Tsinghua University"]),
    ("The report was written by Marina Zhang.", "The report was written by Fiona Zhou.", ["name: Marina Zhang vs Fiona Zhou"]),
    ("According to the BBC, the plan failed.", "According to the BBC and Reuters, the plan failed.", ["name added: Reuters"]),
    # roles
    ("Trump was sworn in as president.", "Trump was sworn in as senator.", ["role: president vs senator"]),
    ("Its chairman, Alan Pryce, spoke first.", "Its secretary, Alan Pryce, spoke first.", ["role: chairman vs secretary"]),
    ("Chinese Premier Li Qiang chaired it.", "Chinese President Li Qiang chaired it.", ["role: Premier vs President"]),
    ("DeepSeek's founder Liang Wenfeng spoke.", "DeepSeek's leader Liang Wenfeng spoke.", ["role: founder vs leader"]),
    # negation
    ("The app is not available in China.", "The app is available in China.", ["negation removed"]),
    ("The app is available in China.", "The app isn't available in China.", ["negation added"]),
    ("They will never oppose it.", "They will oppose it.", ["negation removed"]),
    # several at once, reported in order
    (
        "Construction will begin on 3 March and take two years.",
        "Construction will start on 13 March and take two decades.",
        ["date: 3 March vs 13 March", "duration: two years vs two decades"],
    ),
]  # fmt: skip

MUST_NOT_FLAG = [
    ("Estimates range from 10,000 to 50,000.", "Estimates range from 10, 000 to 50, 000."),
    ("It had 10k cards.", "It had ten thousand cards."),
    ("It had 10,000 cards.", "It had 10k cards."),
    ("The firm spent US$1bn on chips.", "The firm spent $1 billion on chips."),
    ("The scheme gets £20m from the fund.", "The scheme gets £20 million from the fund."),
    ("Mr Allen said the timing was deliberate.", "Allen said the timing was deliberate."),
    ("Mr. Allen said so.", "Gregory C Allen said so."),
    ("Prices rose by 3.5 percent.", "Prices rose by 3.5%."),
    ("The firm employs about 400 people.", "The company has roughly four hundred staff."),
    # rewording with the same facts
    (
        "Marina Zhang, an associate professor at the University of Technology Sydney, disagreed.",
        "An associate professor at the University of Technology Sydney, Marina Zhang, disagreed.",
    ),
    ("Sales rose 5% in March 2023, the company said.", "The company said sales rose 5 per cent in March 2023."),
    ("It was founded in 2023 by Liang.", "Liang founded it in 2023."),
    ("Tesla boss Elon Musk disputed it.", "Elon Musk, the Tesla boss, disputed it."),
    ("The team has 140 staff, said Ms Zhang.", "Ms Zhang said the team had 140 people."),
    ("Washington imposed limits on chips.", "Limits on chips were imposed by Washington."),
    ("Chinese firms had to adapt.", "Firms in China had to adapt."),
    ("American companies lead.", "US companies lead."),
    ("She flew to the U.S. on Monday.", "On Monday she flew to the US."),
    ("The AI specialist spoke.", "The AI expert spoke."),
    ("Nobody expected it.", "No one expected it."),
    # reordered clauses
    (
        "If the turbines fail, the town could not repay the £10m loan, Councillor Derek Hale said.",
        "Councillor Derek Hale said the town could not repay the £10m loan if the turbines failed.",
    ),
    (
        "On 20 January, when Donald Trump was sworn in, DeepSeek released its model.",
        "DeepSeek released its model on 20 January, when Donald Trump was sworn in.",
    ),
    # capitalised words that are not names
    ("Customers made fun of the robot.", "Users made fun of the robot."),
    ("However, the plan went ahead.", "Nevertheless, the plan went ahead."),
    ("Leading AI models use 16,000 cards.", "Top AI models use 16,000 cards."),
]  # fmt: skip


@pytest.mark.parametrize(("left", "right", "expected"), MUST_FLAG)
def test_it_reports_changed_facts(left, right, expected):
    assert [d.describe() for d in diff_facts(left, right)] == expected


@pytest.mark.parametrize(("left", "right"), MUST_NOT_FLAG)
def test_it_ignores_rewording_with_the_same_facts(left, right):
    assert diff_facts(left, right) == []
    assert diff_facts(right, left) == []


@pytest.mark.parametrize(
    ("diff", "text"),
    [
        (FactDiff("number", "2,000", "20,000"), "number: 2,000 vs 20,000"),
        (FactDiff("name", None, "Reuters"), "name added: Reuters"),
        (FactDiff("role", "chairman", None), "role removed: chairman"),
        (FactDiff("negation", None, "not"), "negation added"),
        (FactDiff("negation", "never", None), "negation removed"),
    ],
)
def test_it_describes_a_difference_in_plain_words(diff, text):
    assert diff.describe() == text


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("It cost US$1bn.", [("money", "US$1bn", "USD 1000000000")]),
        ("It cost $1 billion.", [("money", "$1 billion", "USD 1000000000")]),
        ("Ranges: 10, 000 to 50,000.", [("number", "10, 000", "10000"), ("number", "50,000", "50000")]),
        ("Ten thousand people came.", [("number", "Ten thousand", "10000")]),
        ("Rates fell 0.5 percentage points.", [("percent", "0.5 percentage points", "0.5pp")]),
        ("Born on 4 July 1990.", [("date", "4 July 1990", "1990-07-04")]),
        ("Due by March 3, 2025.", [("date", "March 3, 2025", "2025-03-03")]),
        ("The 40-year-old spoke.", [("duration", "40-year-old", "40 year old")]),
        ("A decade ago it was small.", [("date", "A decade", "1 decade ago")]),
        ("Mr Allen spoke.", [("name", "Allen", "allen")]),
        ("President Xi Jinping spoke.", [("role", "President", "president"), ("name", "Xi Jinping", "xi jinping")]),
        ("The MIT Technology Review said so.", [("organisation", "MIT Technology Review", "mit technology review")]),
        ("Hong Kong's port reopened.", [("place", "Hong Kong", "hong kong")]),
        ("She doesn't know.", [("negation", "n't", "not")]),
        ("Customers laughed at it.", []),
        ("DeepSeek-related posts spread.", [("name", "DeepSeek", "deepseek")]),
        ("The robot – a model – may rise.", []),
        ("", []),
    ],
)  # fmt: skip
def test_it_extracts_facts(sentence, expected):
    assert [(f.kind, f.text, f.norm) for f in extract_facts(sentence)] == expected


def test_a_heading_gives_no_names():
    facts = extract_facts("Why Silicon Valley Is Paying Attention")
    assert [(f.kind, f.text) for f in facts] == [("place", "Silicon Valley")]


def test_offsets_count_code_points():
    sentence = "👍🏽 Café owner Mei Chen paid £5m on 3 May 2024."
    for fact in extract_facts(sentence):
        assert sentence[fact.start : fact.end] == fact.text
    assert [f.text for f in extract_facts(sentence)] == ["Mei Chen", "£5m", "3 May 2024"]


@pytest.mark.parametrize(
    ("left", "right", "ops"),
    [
        ("the cat sat", "the cat sat", [("equal", "the cat sat")]),
        ("", "", []),
        ("", "new", [("insert", "new")]),
        ("old", "", [("delete", "old")]),
        (
            "used 2,000 chips",
            "used 20,000 chips",
            [("equal", "used "), ("delete", "2"), ("insert", "20"), ("equal", ",000 chips")],
        ),
        (
            "the red big dog ran",
            "the small blue dog ran",
            [
                ("equal", "the "),
                ("delete", "red big"),
                ("insert", "small blue"),
                ("equal", " dog ran"),
            ],
        ),
        ("a\r\nb", "a\nb", [("equal", "a"), ("delete", "\r\n"), ("insert", "\n"), ("equal", "b")]),
    ],
)
def test_word_diff_marks_changed_words(left, right, ops):
    assert word_diff(left, right) == ops


_NEWSY = st.lists(
    st.sampled_from(
        [
            "The",
            "Mr",
            "Allen",
            "said",
            "2,000",
            "10, 000",
            "US$1bn",
            "$1 billion",
            "5%",
            "per cent",
            "on",
            "20 January",
            "two years",
            "Chinese",
            "Taiwanese",
            "president",
            "senator",
            "not",
            "never",
            "n't",
            "Liang Wenfeng",
            "University of Sydney",
            "ten thousand",
            ".",
            ",",
            "“",
            "”",
            "’s",
            "👍🏽",
            "é",
            "\n",
        ]
    ),  # fmt: skip
    max_size=25,
).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(), _NEWSY), st.one_of(st.text(), _NEWSY))
def test_word_diff_rebuilds_both_strings(left, right):
    ops = word_diff(left, right)
    assert "".join(text for op, text in ops if op != "insert") == left
    assert "".join(text for op, text in ops if op != "delete") == right
    assert all(op in ("equal", "delete", "insert") and text for op, text in ops)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), _NEWSY))
def test_a_sentence_never_differs_from_itself(sentence):
    assert diff_facts(sentence, sentence) == []


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), _NEWSY))
def test_facts_slice_back_and_do_not_overlap(sentence):
    facts = extract_facts(sentence)
    for fact in facts:
        assert isinstance(fact, Fact)
        assert sentence[fact.start : fact.end] == fact.text
        assert fact.text
    for before, after in zip(facts, facts[1:], strict=False):
        assert before.end <= after.start
