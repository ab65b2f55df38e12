"""Stored alignment, counterparts and compare rows on the two-version test story."""

import pytest

from articles import comparison
from articles.models import Claim, Counterpart, SentenceLink
from articles.reviewing import claim_create
from articles.versions import import_version
from tests.conftest import span_of

pytestmark = pytest.mark.django_db


def sentence_texts(version):
    return [version.text[s.start : s.end] for s in version.sentences.all()]


def test_importing_a_second_version_aligns_it_with_the_first(original, rewritten):
    links = SentenceLink.objects.filter(left_version=original, right_version=rewritten)
    assert links.exists()
    pairs = {
        (
            " ".join(
                original.text[s.start : s.end]
                for s in original.sentences.filter(position__in=link.left_positions())
            ),
            " ".join(
                rewritten.text[s.start : s.end]
                for s in rewritten.sentences.filter(position__in=link.right_positions())
            ),
        )
        for link in links
    }
    assert (
        "Work starts in April and takes eighteen months.",
        "Work begins in April and will last eighteen years.",
    ) in pairs


def test_compare_rows_show_fact_differences_and_gaps(original, rewritten):
    rows = comparison.compare_rows(original, rewritten)
    work = next(r for r in rows if r.left_text.startswith("Work starts"))
    assert [f.describe() for f in work.facts] == ["duration: eighteen months vs eighteen years"]
    assert ("delete", "starts") in work.ops or any(op == "delete" for op, _ in work.ops)
    # every sentence of both versions appears exactly once
    left = [s.pk for r in rows for s in r.left]
    right = [s.pk for r in rows for s in r.right]
    assert sorted(left) == sorted(original.sentences.values_list("pk", flat=True))
    assert sorted(right) == sorted(rewritten.sentences.values_list("pk", flat=True))


def test_comparing_a_version_with_itself_is_refused(original):
    with pytest.raises(comparison.CompareError, match="two different versions"):
        comparison.compare_rows(original, original)


def test_a_manual_link_survives_recomputation(original, rewritten, editor):
    position = next(
        s.position
        for s in original.sentences.all()
        if original.text[s.start : s.end].startswith("Work starts")
    )
    comparison.set_manual_link(
        version=original, position=position, other=rewritten, other_positions=[], user=editor
    )
    comparison.align_versions(original, rewritten)
    manual = SentenceLink.objects.get(manual=True)
    assert (manual.left_positions(), manual.right_positions()) == ([position], [])
    rows = comparison.compare_rows(original, rewritten)
    work = next(r for r in rows if r.left and r.left[0].position == position)
    assert work.right == [] and work.kind == "left-only"


def test_a_manual_link_to_another_story_is_refused(original, rewritten, editor, story):
    from articles.models import Story

    elsewhere = Story.objects.create(title="Other", created_by=editor)
    foreign = import_version(
        story=elsewhere, text="Some text. More text.", label="F", created_by=editor
    )
    with pytest.raises(comparison.CompareError, match="different stories"):
        comparison.set_manual_link(
            version=original, position=0, other=foreign, other_positions=[0], user=editor
        )
    with pytest.raises(comparison.CompareError, match="other version of this story"):
        comparison.set_manual_link(
            version=original, position=0, other=rewritten, other_positions=[999], user=editor
        )


def test_a_new_claim_gets_its_counterpart_with_fact_differences(original, rewritten, reviewer):
    start, end = span_of(original, "spend £4.2m on the wall")
    claim, _ = claim_create(
        version=original, user=reviewer, start=start, end=end, exact="spend £4.2m on the wall"
    )
    counterpart = Counterpart.objects.get(claim=claim)
    assert counterpart.version == rewritten
    assert "£42m" in counterpart.exact
    assert [d["text"] for d in counterpart.fact_diffs] == ["money: £4.2m vs £42m"]


def test_a_claim_in_a_long_pair_is_ranked_near_its_aligned_place(
    original, rewritten, reviewer, monkeypatch
):
    """Past NEAR_PAST sentences a pair is not fitted whole (30 s and 2 GB for two
    50,000-sentence versions): only the sentences near the claim's aligned one are read."""
    from articles.text import alignment

    monkeypatch.setattr(comparison, "NEAR_PAST", 0)
    monkeypatch.setattr(comparison, "NEAR_WINDOW", 2)
    sizes = []
    suggest = alignment.suggest

    def spy(left, right, *args, **kwargs):
        sizes.append((len(left), len(right)))
        return suggest(left, right, *args, **kwargs)

    monkeypatch.setattr(alignment, "suggest", spy)
    start, end = span_of(original, "spend £4.2m on the wall")
    claim, _ = claim_create(
        version=original, user=reviewer, start=start, end=end, exact="spend £4.2m on the wall"
    )
    assert sizes and all(m <= 5 for _, m in sizes) and rewritten.sentences.count() > 5
    counterpart = Counterpart.objects.get(claim=claim)
    assert "£42m" in counterpart.exact
    assert [d["text"] for d in counterpart.fact_diffs] == ["money: £4.2m vs £42m"]


def test_a_claim_with_no_counterpart_is_marked_absent(story, editor, reviewer):
    a = import_version(
        story=story, text="Cats sleep a lot. Dogs bark at night.", label="A", created_by=editor
    )
    import_version(
        story=story,
        text="Cats sleep a lot. Parliament passed the budget.",
        label="B",
        created_by=editor,
    )
    start, end = span_of(a, "Dogs bark at night")
    claim, _ = claim_create(
        version=a, user=reviewer, start=start, end=end, exact="Dogs bark at night"
    )
    assert Counterpart.objects.get(claim=claim).absent


@pytest.mark.parametrize(
    "source, claim_words, target, expected",
    [
        (
            "The council voted on Tuesday to spend £4.2m on the wall.",
            "spend £4.2m on the wall",
            "On Tuesday the council approved £42m for the wall.",
            "£42m for the wall",
        ),
        (
            "Work starts in April and takes eighteen months.",
            "takes eighteen months",
            "Work begins in April and will last eighteen years.",
            "last eighteen years",
        ),
        (
            "Short one.",
            "Short one.",
            "Entirely different words here.",
            "Entirely different words here.",
        ),
    ],
)
def test_project_span_maps_a_claim_onto_the_aligned_sentence(source, claim_words, target, expected):
    start = source.index(claim_words)
    s, e = comparison.project_span(source, start, start + len(claim_words), target)
    assert expected in target[s:e]
    assert len(target[s:e]) <= len(expected) + 15


def test_claims_are_numbered_per_version_and_never_duplicated(original, reviewer, reviewer2):
    start, end = span_of(original, "3,400 homes")
    first, created = claim_create(
        version=original, user=reviewer, start=start, end=end, exact="3,400 homes"
    )
    again, created_again = claim_create(
        version=original, user=reviewer2, start=start, end=end, exact="3,400 homes"
    )
    assert created and not created_again and first == again
    assert Claim.objects.count() == 1
