"""Search: parsing, highlighting (escaped), and what is found on either database."""

import pytest
from django.db import connection

from articles import reviewing, search
from articles.models import Story, Version
from articles.ratings import Rating
from tests.articles.test_workflow import claim_on


@pytest.mark.parametrize(
    ("raw", "terms"),
    [
        ("wall", ("wall",)),
        ("  Sea   WALL ", ("sea", "wall")),
        ('"sea wall" homes', ("sea", "wall", "homes")),
        ("£4.2m", ("4", "2m")),
        ("café", ("café",)),
    ],
)
def test_it_reads_words_and_phrases(raw, terms):
    assert search.parse(raw).terms == terms


@pytest.mark.parametrize("raw", ["", "   ", "?!…", "-- ** ''", "“”"])
def test_a_query_without_words_is_refused(raw):
    with pytest.raises(search.SearchError, match="at least one word"):
        search.parse(raw)


def test_a_very_long_query_is_cut_and_says_so():
    query = search.parse("wall " * 2000)
    assert query.truncated
    assert len(query.text) <= search.MAX_QUERY_CHARS
    assert query.terms == ("wall",)


def test_highlighting_escapes_text_and_marks_matching_words():
    query = search.parse("walls")
    out = search.highlight("<b>The wall</b> & its walls", query)
    assert out == "&lt;b&gt;The <mark>wall</mark>&lt;/b&gt; &amp; its <mark>walls</mark>"


def test_highlighting_cuts_a_snippet_around_the_first_match():
    text = "word " * 200 + "harbour " + "word " * 200
    out = search.highlight(text, search.parse("harbour"), snippet=100)
    assert out.startswith("…") and out.endswith("…")
    assert "<mark>harbour</mark>" in out
    assert len(out) < 160


@pytest.fixture
def judged(editor, reviewer, reviewer2, original):
    claim = claim_on(original, reviewer, "It protects 3,400 homes.")
    reviewing.verdict_save(
        claim=claim,
        user=reviewer,
        rating=Rating.MOSTLY_ACCURATE,
        rationale="The council's flood map counts 3,350 dwellings behind the embankment.",
        sources=[
            {
                "url": "https://example.org/flood-map",
                "title": "Harbour flood risk map",
                "publisher": "County council",
                "quote": "",
                "stance": "supports",
            }
        ],
        revision=None,
    )
    other = claim_on(original, reviewer, "spend £4.2m on the wall")
    reviewing.verdict_save(
        claim=other,
        user=reviewer2,
        rating=Rating.INACCURATE,
        rationale="Budget papers show the embankment costs £42m.",
        sources=[],
        revision=None,
    )
    return claim, other


@pytest.mark.django_db
def test_it_finds_a_claim_by_a_word_of_its_rationale(editor, judged):
    claim, other = judged
    _, hits = search.search(editor, "dwellings")
    assert [(h.kind, h.claim) for h in hits] == [("verdict", claim)]
    assert (
        "Rationale",
        "The council&#x27;s flood map counts 3,350 <mark>dwellings</mark> behind the embankment.",
    ) in hits[0].fields


@pytest.mark.django_db
def test_it_finds_claims_sources_and_stories(editor, judged):
    claim, _ = judged
    kinds = {h.kind for h in search.search(editor, "homes")[1]}
    assert "claim" in kinds
    assert {h.kind for h in search.search(editor, "flood map")[1]} >= {"verdict", "source"}
    assert [h.kind for h in search.search(editor, "sea wall")[1]][:1] == ["story"]


@pytest.mark.django_db
def test_a_phrase_must_occur_as_written(editor, judged):
    assert search.search(editor, '"flood map"')[1]
    assert not search.search(editor, '"map flood"')[1]


@pytest.mark.django_db
def test_filters_narrow_by_rating_reviewer_and_status(editor, reviewer, reviewer2, judged):
    claim, other = judged
    both = search.search(editor, "embankment")[1]
    assert {h.claim for h in both} == {claim, other}
    assert {h.claim for h in search.search(editor, "embankment", rating=Rating.INACCURATE)[1]} == {
        other
    }
    assert {h.claim for h in search.search(editor, "embankment", reviewer=reviewer.pk)[1]} == {
        claim
    }
    assert not search.search(editor, "embankment", status="settled")[1]
    assert not search.search(editor, "embankment", status="unreviewed")[1]
    assert {h.claim for h in search.search(editor, "embankment", status="reviewed")[1]} == {
        claim,
        other,
    }


@pytest.mark.django_db
def test_reviewers_find_only_their_stories(editor, reviewer, outsider, judged):
    assert search.search(reviewer, "dwellings")[1]
    assert not search.search(outsider, "dwellings")[1]
    assert not search.search(outsider, "sea wall")[1]


@pytest.mark.django_db
def test_a_story_filter_keeps_to_that_story(editor, judged):
    other = Story.objects.create(title="Dwellings elsewhere", created_by=editor)
    assert {h.kind for h in search.search(editor, "dwellings")[1]} == {"verdict", "story"}
    only = search.search(editor, "dwellings", story=other.pk)[1]
    assert [h.story for h in only] == [other]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text index is PostgreSQL's")
def test_on_postgresql_the_search_uses_the_gin_index(editor, judged):
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM articles_verdict WHERE search_vector @@ "
            "websearch_to_tsquery('english', 'dwellings')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
    assert "articles_verdict_search_gin" in plan


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's")
def test_on_postgresql_words_match_their_stems(editor, judged):
    assert search.search(editor, "dwelling")[1]
    assert search.search(editor, "protecting")[1]


@pytest.mark.django_db
def test_a_version_import_is_not_searched_as_text(editor, story):
    Version.objects.create_from_text(
        story=story, text="Zebras crossed the road.", label="Z", created_by=editor
    )
    assert not search.search(editor, "zebras")[1]


@pytest.mark.django_db
def test_control_characters_are_ignored(editor, judged):
    assert search.parse("dwell\x00ings\u202e").terms == ("dwell", "ings")
    with pytest.raises(search.SearchError):
        search.parse("\x00\x01")
    assert search.search(editor, "\x00dwellings")[1]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the candidate limit is PostgreSQL's")
def test_a_selective_filter_never_misses_a_match(editor, reviewer, reviewer2, judged, monkeypatch):
    claim, other = judged
    # One candidate per kind: the filters apply before that limit, so each reviewer's
    # rationale is still found.
    monkeypatch.setattr(search, "CANDIDATES", 1)
    for who, expected in ((reviewer, claim), (reviewer2, other)):
        hits = search.search(editor, "embankment", reviewer=who.pk)[1]
        assert {h.claim for h in hits} == {expected}
