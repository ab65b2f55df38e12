"""Re-segment stored versions with the current rules (``manage.py resegment``).

A version's text never changes, and claims, counterparts and verdicts name their words by
code point offsets into it, so they keep their spans. Only the Block and Sentence rows are
rebuilt. Sentence links name sentences by position: an editor's manual links are moved
onto the new sentences that cover the same characters, and the automatic ones are
recomputed through ``align_versions``, the path every import takes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from articles.models import Block, Sentence, SentenceLink, Story, Version
from articles.text import segmentation


@dataclass(frozen=True)
class Plan:
    """What re-segmenting one version changes: sentence spans before and after."""

    version: Version
    blocks: list[segmentation.Block]
    old: list[tuple[int, int]]
    new: list[tuple[int, int]]
    blocks_changed: bool

    @property
    def changed(self) -> bool:
        return self.blocks_changed or self.old != self.new

    def splits(self) -> list[tuple[int, int]]:
        """Boundaries only the new rules draw, as (end of a sentence, start of the next)."""
        return sorted(_boundaries(self.new) - _boundaries(self.old))

    def joins(self) -> list[tuple[int, int]]:
        """Boundaries only the old rules drew."""
        return sorted(_boundaries(self.old) - _boundaries(self.new))


def plan(version: Version) -> Plan:
    """Compare the stored segmentation of version with the current rules'; write nothing."""
    blocks = segmentation.segment(version.text)
    stored_blocks = list(version.blocks.order_by("position").values_list("kind", "start", "end"))
    old = list(version.sentences.order_by("position").values_list("start", "end"))
    new = [(s.start, s.end) for b in blocks for s in b.sentences]
    return Plan(
        version=version,
        blocks=blocks,
        old=old,
        new=new,
        blocks_changed=stored_blocks != [(b.kind, b.start, b.end) for b in blocks],
    )


def resegment(*, version: Version) -> Plan:
    """Rebuild version's blocks and sentences, move its manual links, realign; one transaction.

    Returns the plan carried out (unchanged versions only get the current backend name).
    """
    from articles import live
    from articles.comparison import align_versions  # comparison builds on these models

    with transaction.atomic():
        # A structural write: the story's structure lock, then its row (articles/live.py).
        live.lock_structure(version.story_id)
        story = Story.objects.select_for_update().get(pk=version.story_id)
        version = Version.objects.get(pk=version.pk)
        todo = plan(version)
        if todo.changed:
            Sentence.objects.filter(version=version).delete()
            Block.objects.filter(version=version).delete()
            store_segments(version, todo.blocks)
            _move_manual_links(version, todo.old, todo.new)
            for other in story.versions.exclude(pk=version.pk).order_by("pk"):
                align_versions(version, other)
            live.bump(story.pk, vacated=[live.resegmented(version)])  # open pages refresh
        Version.objects.filter(pk=version.pk).update(segmenter=segmentation.BACKEND)
    return todo


def store_segments(version: Version, blocks: list[segmentation.Block]) -> None:
    """Save blocks and their sentences, numbered in reading order."""
    saved_blocks = Block.objects.bulk_create(
        Block(version=version, position=i, kind=b.kind, start=b.start, end=b.end)
        for i, b in enumerate(blocks)
    )
    sentences = []
    for block, saved in zip(blocks, saved_blocks, strict=True):
        for span in block.sentences:
            sentences.append(
                Sentence(
                    version=version,
                    block=saved,
                    position=len(sentences),
                    start=span.start,
                    end=span.end,
                )
            )
    Sentence.objects.bulk_create(sentences)


def _boundaries(spans: list[tuple[int, int]]) -> set[tuple[int, int]]:
    return {(spans[i][1], spans[i + 1][0]) for i in range(len(spans) - 1)}


def _move_manual_links(
    version: Version, old: list[tuple[int, int]], new: list[tuple[int, int]]
) -> int:
    """Point manual links at the new sentences covering their old sentences' characters."""
    moved = 0
    links = SentenceLink.objects.filter(
        Q(left_version=version) | Q(right_version=version), manual=True
    )
    for link in links:
        side = "left" if link.left_version_id == version.pk else "right"
        positions = getattr(link, f"{side}_positions")()
        if not positions:
            continue  # "no counterpart": nothing of this version to move
        if positions[-1] >= len(old):
            continue  # names a sentence that was never stored: leave it to the editor
        start, end = old[positions[0]][0], old[positions[-1]][1]
        covering = [i for i, (s, e) in enumerate(new) if s < end and e > start]
        if not covering:
            continue
        setattr(link, f"{side}_start", covering[0])
        setattr(link, f"{side}_count", len(covering))
        link.save(update_fields=[f"{side}_start", f"{side}_count"])
        moved += 1
    return moved


def manual_links(version: Version) -> int:
    return SentenceLink.objects.filter(
        Q(left_version=version) | Q(right_version=version), manual=True
    ).count()
