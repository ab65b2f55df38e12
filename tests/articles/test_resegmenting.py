"""Re-segmenting stored versions: new sentence rows, same claims, links moved and recomputed."""

from dataclasses import replace

import pytest
from django.core.management import call_command

from articles import comparison
from articles.models import Claim, Counterpart, Sentence, SentenceLink, Verdict, Version
from articles.ratings import Rating
from articles.resegmenting import plan, resegment
from articles.reviewing import claim_create, verdict_save
from articles.text import segmentation
from tests.conftest import ORIGINAL, REWRITTEN, span_of

pytestmark = pytest.mark.django_db

REAL_SEGMENT = segmentation.segment
OLD_BACKEND = "one sentence per block (a stand-in for older rules)"


def coarse(text):
    """Older rules, for the tests: every block one sentence."""
    return [replace(b, sentences=(segmentation.Span(b.start, b.end),)) for b in REAL_SEGMENT(text)]


@pytest.fixture
def old_story(story, editor, reviewer, monkeypatch):
    """Two versions stored by older rules, a judged claim, an editor's manual link."""
    with monkeypatch.context() as m:
        m.setattr(segmentation, "segment", coarse)
        m.setattr(segmentation, "BACKEND", OLD_BACKEND)
        original = Version.objects.create_from_text(
            story=story, text=ORIGINAL, label="Original report", created_by=editor
        )
        rewritten = Version.objects.create_from_text(
            story=story, text=REWRITTEN, label="Rewritten copy", created_by=editor
        )
        start, end = span_of(original, "spend £4.2m on the wall")
        claim, _ = claim_create(
            version=original, user=reviewer, start=start, end=end, exact="spend £4.2m on the wall"
        )
        verdict_save(
            claim=claim,
            user=reviewer,
            rating=Rating.INACCURATE,
            rationale="",
            sources=[],
            revision=None,
        )
        # The third paragraph-sentence: "Work starts in April ..." on both sides.
        comparison.set_manual_link(
            version=original, position=3, other=rewritten, other_positions=[3], user=editor
        )
    return original, rewritten, claim


def spans(version):
    return list(version.sentences.order_by("position").values_list("start", "end"))


def test_plan_reports_new_boundaries_without_writing(old_story):
    original, _, _ = old_story
    todo = plan(original)
    assert todo.changed and len(todo.old) == 4 and len(todo.new) == 6
    assert [original.text[e - 8 : e] for e, _ in todo.splits()] == ["he wall.", " point.”"]
    assert todo.joins() == []
    assert spans(original) == todo.old
    assert Version.objects.get(pk=original.pk).segmenter == OLD_BACKEND


def test_it_rebuilds_sentences_and_keeps_claims_verdicts_and_manual_links(old_story):
    original, rewritten, claim = old_story
    before = Claim.objects.values_list("pk", "start", "end", "exact").get()
    resegment(version=original)
    resegment(version=rewritten)
    for version in (original, rewritten):
        version.refresh_from_db()
        expected = [(s.start, s.end) for b in REAL_SEGMENT(version.text) for s in b.sentences]
        assert spans(version) == expected
        assert version.segmenter == segmentation.BACKEND
        assert all(s.block.start <= s.start < s.end <= s.block.end for s in version.sentences.all())
    assert Claim.objects.values_list("pk", "start", "end", "exact").get() == before
    assert Verdict.objects.get().claim_id == claim.pk
    # The manual link followed "Work starts in April ..." to its new position on both sides.
    manual = SentenceLink.objects.get(manual=True)
    assert (manual.left_start, manual.left_count, manual.right_start, manual.right_count) == (
        5,
        1,
        5,
        1,
    )
    # Automatic links were recomputed on the new positions: the claim's sentence is linked.
    automatic = SentenceLink.objects.filter(manual=False)
    assert all(p < 6 for link in automatic for p in link.left_positions() + link.right_positions())
    claim_sentence = original.sentences.get(start__lte=claim.start, end__gte=claim.end).position
    assert any(claim_sentence in link.left_positions() for link in automatic)
    counterpart = Counterpart.objects.get(claim=claim)
    assert "£42m" in counterpart.exact
    assert rewritten.text[counterpart.start : counterpart.end] == counterpart.exact


def test_it_moves_a_manual_link_onto_the_merged_sentence(story, editor, monkeypatch):
    """Older rules that split too much: the link's two old sentences become one."""

    def fine(text):
        blocks = []
        for b in REAL_SEGMENT(text):
            pieces = []
            for s in b.sentences:
                cut = text.find(" ", s.start, s.end)
                cut = cut if cut > 0 else s.end
                pieces += [segmentation.Span(s.start, cut)]
                if cut < s.end:
                    pieces += [segmentation.Span(cut + 1, s.end)]
            blocks.append(replace(b, sentences=tuple(pieces)))
        return blocks

    with monkeypatch.context() as m:
        m.setattr(segmentation, "segment", fine)
        a = Version.objects.create_from_text(
            story=story, text="Cats sleep a lot. Dogs bark.", label="A", created_by=editor
        )
        b = Version.objects.create_from_text(
            story=story, text="Cats nap a lot. Dogs bark loudly.", label="B", created_by=editor
        )
        comparison.set_manual_link(version=a, position=3, other=b, other_positions=[3], user=editor)
    assert plan(a).joins() and not plan(a).splits()
    resegment(version=a)
    link = SentenceLink.objects.get(manual=True)
    assert (link.left_start, link.left_count) == (1, 1)


def test_a_failure_while_realigning_leaves_the_version_as_it_was(old_story, monkeypatch):
    original, _, _ = old_story
    old = spans(original)

    def broken(*args, **kwargs):
        raise RuntimeError("alignment failed")

    monkeypatch.setattr(comparison, "align_versions", broken)
    with pytest.raises(RuntimeError):
        resegment(version=original)
    assert spans(original) == old
    assert Version.objects.get(pk=original.pk).segmenter == OLD_BACKEND
    assert SentenceLink.objects.get(manual=True).left_start == 3


def test_the_command_dry_run_reports_counts_and_boundaries_and_writes_nothing(old_story, capsys):
    original, rewritten, _ = old_story
    call_command("resegment", dry_run=True)
    out = capsys.readouterr().out
    assert f"Version {original.pk} “Original report” of story {original.story_id}: 4 → 6" in out
    assert "+ " in out and "the wall. | Mr. Allen said" in out
    assert "1 manual links to move" in out
    assert "2 of 2 versions would change" in out and "nothing written" in out
    assert len(spans(original)) == 4
    assert Sentence.objects.filter(version=rewritten).count() == 4


def test_the_command_resegments_once_and_then_finds_nothing_to_do(old_story, capsys):
    original, _, _ = old_story
    call_command("resegment")
    assert "2 of 2 versions changed" in capsys.readouterr().out
    assert len(spans(original)) == 6
    call_command("resegment", story=[original.story_id])
    assert "0 of 2 versions changed" in capsys.readouterr().out


def test_the_command_refuses_an_unknown_version():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No version"):
        call_command("resegment", version_ids=[999])
