"""Comparing versions: stored sentence alignment, claim counterparts, compare-page rows.

Glue between the pure text modules (alignment.py, factdiff.py) and the database.
Writes run inside the caller's transaction or their own.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from articles import claim_status, live
from articles.models import Claim, Counterpart, Sentence, SentenceLink, Story, Version
from articles.text import alignment, factdiff
from articles.text.anchoring import MAX_CLAIM_CHARS

_WORD = re.compile(r"\w+(?:[’'.,-]\w+)*", re.UNICODE)


class CompareError(ValueError):
    """The comparison asked for cannot be made; the message says why."""


def ordered(a: Version, b: Version) -> tuple[Version, Version]:
    """Links are stored with the lower-pk version on the left."""
    return (a, b) if a.pk < b.pk else (b, a)


def check_pair(a: Version, b: Version) -> None:
    if a.pk == b.pk:
        raise CompareError("Choose two different versions to compare.")
    if a.story_id != b.story_id:
        raise CompareError("Versions of different stories cannot be compared.")


# ---------------------------------------------------------------------------- alignment


@transaction.atomic
def align_versions(a: Version, b: Version) -> int:
    """Recompute the automatic alignment of two versions; keep manual links. Return link count."""
    check_pair(a, b)
    left, right = ordered(a, b)
    left_sentences = list(left.sentences.order_by("position"))
    right_sentences = list(right.sentences.order_by("position"))
    pair_links = SentenceLink.objects.filter(left_version=left, right_version=right)
    manual = list(pair_links.filter(manual=True))
    fixed_left = {p for link in manual for p in link.left_positions()}
    fixed_right = {p for link in manual for p in link.right_positions()}
    links = alignment.align(
        [left.text[s.start : s.end] for s in left_sentences],
        [right.text[s.start : s.end] for s in right_sentences],
    )
    pair_links.filter(manual=False).delete()
    new = [
        SentenceLink(
            left_version=left,
            right_version=right,
            left_start=left_sentences[link.left[0]].position,
            left_count=len(link.left),
            right_start=right_sentences[link.right[0]].position,
            right_count=len(link.right),
            score=round(float(link.score), 4),
        )
        for link in links
        if not fixed_left.intersection(left_sentences[i].position for i in link.left)
        and not fixed_right.intersection(right_sentences[i].position for i in link.right)
    ]
    SentenceLink.objects.bulk_create(new)
    propose_counterparts(Claim.objects.filter(version__in=[left, right]))
    return len(new) + len(manual)


@transaction.atomic
def set_manual_link(
    *, version: Version, position: int, other: Version, other_positions: list[int], user
) -> SentenceLink:
    """An editor's correction: link one sentence to the given sentences of the other version
    (none: "no counterpart"). It replaces every link touching those sentences and survives
    recomputation."""
    check_pair(version, other)
    valid_here = set(version.sentences.values_list("position", flat=True))
    valid_there = set(other.sentences.values_list("position", flat=True))
    if position not in valid_here:
        raise CompareError("That sentence is not in this version.")
    if any(p not in valid_there for p in other_positions):
        raise CompareError("The counterpart must be a sentence of the other version of this story.")
    other_positions = sorted(set(other_positions))
    if len(other_positions) > 2 or (
        len(other_positions) == 2 and other_positions[1] != other_positions[0] + 1
    ):
        raise CompareError("Link a sentence to at most two consecutive sentences.")
    _lock_story(version.story_id)
    left, right = ordered(version, other)
    here_is_left = left.pk == version.pk
    links = list(SentenceLink.objects.filter(left_version=left, right_version=right))
    here_key, there_key = ("left", "right") if here_is_left else ("right", "left")

    def touches(link):
        here = getattr(link, f"{here_key}_positions")()
        there = getattr(link, f"{there_key}_positions")()
        return position in here or any(p in there for p in other_positions)

    SentenceLink.objects.filter(pk__in=[link.pk for link in links if touches(link)]).delete()
    values = {
        f"{here_key}_start": position,
        f"{here_key}_count": 1,
        f"{there_key}_start": other_positions[0] if other_positions else None,
        f"{there_key}_count": len(other_positions),
    }
    link = SentenceLink.objects.create(
        left_version=left, right_version=right, score=1.0, manual=True, created_by=user, **values
    )
    propose_counterparts(Claim.objects.filter(version__in=[left, right]))
    return link


# ---------------------------------------------------------------------------- counterparts


def project_span(source: str, start: int, end: int, target: str) -> tuple[int, int]:
    """Map ``[start, end)`` of source onto target by word alignment; whole target if unsure.

    Both strings are the texts of aligned sentences; offsets are code points.
    """
    src = [(m.start(), m.end(), _stem(m.group())) for m in _WORD.finditer(source)]
    tgt = [(m.start(), m.end(), _stem(m.group())) for m in _WORD.finditer(target)]
    inside = [i for i, (s, e, _) in enumerate(src) if s < end and e > start]
    if not inside or not tgt:
        return 0, len(target)
    if len(inside) >= 0.9 * len(src):
        return 0, len(target)
    matcher = difflib.SequenceMatcher(
        a=[w for *_, w in src], b=[w for *_, w in tgt], autojunk=False
    )
    mapped = []
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            if block.a + k in inside:
                mapped.append(block.b + k)
    if len(mapped) < max(1, len(inside) // 3):
        return 0, len(target)
    first, last = min(mapped), max(mapped)
    # Claim words before its first / after its last matched word were reworded: widen by
    # as many words on each side, within the target.
    matched_src = [i for i in inside if _maps(i, matcher)]
    lead = sum(1 for i in inside if i < matched_src[0])
    trail = sum(1 for i in inside if i > matched_src[-1])
    first = max(0, first - lead)
    last = min(len(tgt) - 1, last + trail)
    return _cover_facts(source[start:end], target, tgt[first][0], tgt[last][1])


def _stem(word: str) -> str:
    """Crude stem so that "rebuilding" meets "rebuild": the first five letters."""
    word = word.lower()
    return word[:5] if len(word) > 5 else word


def _cover_facts(claim: str, target: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` of target to the nearest fact of each kind the claim states.

    A claim about "£4.2m" whose reworded counterpart "a £42m plan" fell just outside the
    word-aligned span must still be compared with that figure.
    """
    inside = {f.kind for f in factdiff.extract_facts(target[start:end])}
    for kind in {f.kind for f in factdiff.extract_facts(claim)} - inside - {"negation"}:
        candidates = [f for f in factdiff.extract_facts(target) if f.kind == kind]
        if candidates:
            nearest = min(candidates, key=lambda f: min(abs(f.start - start), abs(f.end - end)))
            start, end = min(start, nearest.start), max(end, nearest.end)
    return start, end


def _maps(index: int, matcher: difflib.SequenceMatcher) -> bool:
    return any(b.a <= index < b.a + b.size for b in matcher.get_matching_blocks())


@transaction.atomic
def propose_counterparts(claims, *, stamp: bool = True) -> None:
    """Rank, for each claim and each other version of its story, up to three candidate spans.

    A strong candidate becomes the proposed counterpart; weaker ones are only suggested.
    Confirmed counterparts keep the reviewer's choice (their candidates are refreshed).
    The claims' rows are locked (in pk order) so that two proposals for one claim cannot
    interleave; they are stamped with the story's next revision (their status may change),
    so open pages redraw them. With ``stamp=False`` the caller, a write already holding
    the claims, refreshes their status and takes the revision itself.
    """
    ids = list(claims.values_list("pk", flat=True))
    claims = list(
        Claim.objects.select_for_update(of=("self",), no_key=True)
        .select_related("version")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if not claims:
        return
    existing = {
        (cp.claim_id, cp.version_id): cp
        # Only these rows (``of``, by pk): the default ordering by claim would join and
        # lock the claims' versions and story too.
        for cp in Counterpart.objects.filter(claim__in=claims)
        .select_for_update(of=("self",))
        .order_by("pk")
    }
    ranker = _Ranker.load(claims)
    new_rows, changed = [], []
    for claim in claims:
        for fresh in ranker.counterparts(claim):
            old = existing.get((claim.pk, fresh.version_id))
            if old is None:
                new_rows.append(fresh)
                continue
            old.candidates, old.backend = fresh.candidates, fresh.backend
            if old.status != Counterpart.Status.CONFIRMED:
                for name in ("start", "end", "exact", "score", "confidence", "fact_diffs"):
                    setattr(old, name, getattr(fresh, name))
                old.status = fresh.status
            changed.append(old)
    Counterpart.objects.bulk_create(new_rows)
    Counterpart.objects.bulk_update(
        changed,
        ["start", "end", "exact", "score", "confidence", "fact_diffs", "candidates", "backend",
         "status"],
    )  # fmt: skip
    if not stamp:
        return
    claim_status.recompute(ids)
    for story_id in sorted({c.version.story_id for c in claims}):
        live.bump(story_id, changed=[c.pk for c in claims if c.version.story_id == story_id])


def rank_counterparts(claims: list[Claim], *, step=None, into=None) -> list[Counterpart]:
    """Unsaved counterpart rows for each claim in each other version of its story (only
    in the version ``into``, if given: a version being imported).

    Reads only: the claims need not be saved yet (a claim being created is ranked before
    its version's row is locked for numbering; an annotation import ranks the claims it
    is about to create before its transaction): give the rows their claim before saving
    them. A write calls it inside its transaction, after ``live.share_story``, so that no
    re-alignment changes the links meanwhile. ``step()``, if given, is called after each
    claim and may raise to stop the work. The claims' ``version`` must be loaded.
    """
    if not claims:
        return []
    ranker = _Ranker.load(claims)
    rows = []
    for claim in claims:
        rows.extend(ranker.counterparts(claim, into=into))
        if step is not None:
            step()
    return rows


# A claim shorter than this share of its sentence is also ranked by its own words...
PART_OF_SENTENCE = 0.9
# ... which then count for this share of a candidate's score (the sentence for the rest).
CLAIM_SHARE = 0.5
# Candidates looked at per sentence and per claim before the best three are kept.
RANKED = 5
# A pair of versions with more sentences than this is searched near each claim's aligned
# place (NEAR_WINDOW sentences each side) instead of whole: see _Ranker._suggest.
NEAR_PAST = 4_000
NEAR_WINDOW = 150


class _Link(NamedTuple):
    """A stored SentenceLink's columns (a long pair has tens of thousands: no models)."""

    left_version_id: int
    right_version_id: int
    left_start: int | None
    left_count: int
    right_start: int | None
    right_count: int
    score: float

    def left_positions(self) -> range:
        return (
            range(0)
            if self.left_start is None
            else range(self.left_start, self.left_start + self.left_count)
        )

    def right_positions(self) -> range:
        return (
            range(0)
            if self.right_start is None
            else range(self.right_start, self.right_start + self.right_count)
        )


@dataclass(frozen=True)
class _Span:
    """A sentence's offsets and position: all the ranking needs of it."""

    start: int
    end: int
    position: int


class _Ranker:
    """Candidate counterparts of claims, from stored links and from suggest(), per version pair."""

    @classmethod
    def load(cls, claims) -> _Ranker:
        """A ranker over every version of the claims' stories (sentences, links) in 3 queries."""
        story_ids = {c.version.story_id for c in claims}
        # The claims' versions already loaded with their texts are not read again (a text
        # may be megabytes); ordered as Version's Meta within a story, without joining it.
        loaded = {
            c.version.pk: c.version for c in claims if "text" not in c.version.get_deferred_fields()
        }
        others = Version.objects.filter(story_id__in=story_ids).exclude(pk__in=list(loaded))
        versions = {
            v.pk: v
            for v in sorted(
                [*loaded.values(), *others.order_by("created_at", "pk")],
                key=lambda v: (v.story_id, v.created_at, v.pk),
            )
        }
        sentences: dict[int, list[_Span]] = {}
        for version_id, start, end, position in (
            Sentence.objects.filter(version_id__in=versions)
            .order_by("version_id", "position")
            .values_list("version_id", "start", "end", "position")
        ):
            sentences.setdefault(version_id, []).append(_Span(start, end, position))
        links = [
            _Link(*row)
            for row in SentenceLink.objects.filter(left_version_id__in=versions).values_list(
                *_Link._fields
            )
        ]
        return cls(versions, sentences, links, claims)

    def counterparts(self, claim: Claim, into=None) -> list[Counterpart]:
        """The claim's rows (unsaved) for each other version of its story (or only ``into``)."""
        own = self.versions[claim.version_id]
        return [
            self.counterpart(claim, own, other)
            for other in self.versions.values()
            if other.story_id == own.story_id
            and other.pk != own.pk
            and (into is None or other.pk == into.pk)
        ]

    def __init__(self, versions, sentences, links, claims) -> None:
        self.versions, self.sentences, self.links = versions, sentences, links
        self._suggestions: dict[tuple[int, int], list[list[alignment.Suggestion]]] = {}
        # The sentence indexes each version's claims cover, and the claims ranked by their
        # own words (those that are only part of their sentence): id(claim) -> query number.
        self.needed: dict[int, set[int]] = {}
        self.queries: dict[int, list[tuple[str, int]]] = {}
        self.query_of: dict[int, int] = {}
        # Per version: its sentences' starts and ends (for bisect), their index by
        # position, and its links with each other version by position. Built once, so a
        # claim costs a lookup, not a pass over every sentence and link of the story.
        self._bounds: dict[int, tuple[list[int], list[int]]] = {}
        self._index_of: dict[int, dict[int, int]] = {}
        self._links_at: dict[tuple[int, int], dict[int, list]] = {}
        for claim in claims:
            mine = sentences.get(claim.version_id, [])
            index = self._covered(claim)
            self.needed.setdefault(claim.version_id, set()).update(index)
            if index and len(claim.exact) < PART_OF_SENTENCE * (
                mine[index[-1]].end - mine[index[0]].start
            ):
                queries = self.queries.setdefault(claim.version_id, [])
                self.query_of[id(claim)] = len(queries)
                queries.append((claim.exact, index[0]))

    def _covered(self, claim: Claim) -> list[int]:
        """Indexes of the sentences of the claim's version that the claim overlaps."""
        if claim.version_id not in self._bounds:
            mine = self.sentences.get(claim.version_id, [])
            self._bounds[claim.version_id] = ([s.start for s in mine], [s.end for s in mine])
        starts, ends = self._bounds[claim.version_id]
        # Sentences are in text order: their starts and their ends both increase.
        return list(
            range(bisect.bisect_right(ends, claim.start), bisect.bisect_left(starts, claim.end))
        )

    def _linked(self, version: Version, other: Version) -> dict[int, list]:
        """The pair's stored links by a sentence position of version: [(positions in other,
        score), ...]."""
        key = (version.pk, other.pk)
        if key not in self._links_at:
            here_is_left = version.pk < other.pk
            pair = (version.pk, other.pk) if here_is_left else (other.pk, version.pk)
            at: dict[int, list] = {}
            for link in self.links:
                if (link.left_version_id, link.right_version_id) != pair:
                    continue
                here = link.left_positions() if here_is_left else link.right_positions()
                there = link.right_positions() if here_is_left else link.left_positions()
                for position in here:
                    at.setdefault(position, []).append((there, link.score))
            self._links_at[key] = at
        return self._links_at[key]

    def _suggest(self, version: Version, other: Version):
        """suggest() for one version pair, computed once for every row any claim needs.

        A long pair (past ``NEAR_PAST`` sentences) is searched only near where the
        alignment puts each needed sentence (``alignment.suggest_near``): fitting a pair of
        50,000-sentence versions took 30 s and 2 GB, past a request's time and memory.
        """
        key = (version.pk, other.pk)
        if key not in self._suggestions:
            mine = self.sentences.get(version.pk, [])
            theirs = self.sentences.get(other.pk, [])
            rows = sorted(self.needed.get(version.pk, ()))
            left = [version.text[s.start : s.end] for s in mine]
            right = [other.text[s.start : s.end] for s in theirs]
            queries = self.queries.get(version.pk, ())
            if len(mine) + len(theirs) <= NEAR_PAST:
                ranked = alignment.suggest(left, right, k=RANKED, rows=rows, queries=queries)
            else:
                ranked = alignment.suggest_near(
                    left,
                    right,
                    k=RANKED,
                    rows=rows,
                    anchors=[self._anchor(version, other, k) for k in rows],
                    window=NEAR_WINDOW,
                    queries=queries,
                )
            self._suggestions[key] = ranked
        return self._suggestions[key]

    def _anchor(self, version: Version, other: Version, k: int) -> int:
        """Where in ``other`` sentence k of ``version`` belongs: the sentence a stored link
        gives it, or its nearest linked neighbour's (shifted by the distance), or the same
        fraction of the text."""
        mine = self.sentences.get(version.pk, [])
        theirs = self.sentences.get(other.pk, [])
        by_position = self._index(other)
        linked = self._linked(version, other)
        for distance in range(NEAR_WINDOW):
            for j in {k - distance, k + distance}:
                if 0 <= j < len(mine):
                    for there, _ in linked.get(mine[j].position, ()):
                        if there and there[0] in by_position:
                            return max(0, min(len(theirs) - 1, by_position[there[0]] + k - j))
        return k * len(theirs) // max(len(mine), 1)

    def _index(self, other: Version) -> dict[int, int]:
        """The index of each of ``other``'s sentences by its position."""
        if other.pk not in self._index_of:
            theirs = self.sentences.get(other.pk, [])
            self._index_of[other.pk] = {s.position: k for k, s in enumerate(theirs)}
        return self._index_of[other.pk]

    def _scores(self, claim: Claim, version: Version, other: Version, index: list[int]):
        """Similarity of each right sentence to the claim: its sentence's, blended with its own words'."""
        ranked = self._suggest(version, other)
        by_sentence: dict[int, float] = {}
        for k in index:
            for sug in ranked[k]:
                by_sentence[sug.right] = max(by_sentence.get(sug.right, 0.0), sug.score)
        query = self.query_of.get(id(claim))
        if query is None:
            return by_sentence
        n = len(self.sentences.get(version.pk, []))
        by_words = {sug.right: sug.score for sug in ranked[n + query]}
        return {
            j: CLAIM_SHARE * by_words.get(j, 0.0) + (1 - CLAIM_SHARE) * by_sentence.get(j, 0.0)
            for j in by_sentence.keys() | by_words.keys()
        }

    def counterpart(self, claim: Claim, version: Version, other: Version) -> Counterpart:
        mine = self.sentences.get(version.pk, [])
        theirs = self.sentences.get(other.pk, [])
        index = self._covered(claim)
        row = Counterpart(claim=claim, version=other, backend=alignment.similarity_backend())
        if not index or not theirs:
            row.status = Counterpart.Status.NOT_FOUND
            return row
        # Targets, as tuples of indexes into theirs: linked sentences first.
        by_position = self._index(other)
        linked = self._linked(version, other)
        scored: dict[tuple[int, ...], tuple[float, bool]] = {}
        for position in {mine[k].position for k in index}:
            for there, score in linked.get(position, ()):
                target = tuple(by_position[p] for p in there if p in by_position)
                if target:
                    scored[target] = (max(score, scored.get(target, (0, 0))[0]), True)
        for right, score in self._scores(claim, version, other, index).items():
            if score > 0 and not any(right in t for t in scored):
                scored[(right,)] = (score, False)
        order = sorted(scored.items(), key=lambda kv: (not kv[1][1], -kv[1][0], kv[0]))[:3]
        candidates = [
            self._candidate(claim, version, mine, index, other, [theirs[t] for t in target], s, linked)
            for target, (s, linked) in order
        ]  # fmt: skip
        row.candidates = candidates
        if not candidates:
            row.status = Counterpart.Status.NOT_FOUND
            return row
        best = candidates[0]
        if best["confidence"] == "strong":
            row.status = Counterpart.Status.PROPOSED
            row.start, row.end, row.exact = best["start"], best["end"], best["exact"]
            row.score, row.confidence = best["score"], best["confidence"]
            row.fact_diffs = best["fact_diffs"]
        else:
            row.status = Counterpart.Status.SUGGESTED
            row.score, row.confidence = best["score"], best["confidence"]
        return row

    def _candidate(self, claim, version, mine, index, other, targets, score, linked) -> dict:
        src_start, src_end = mine[index[0]].start, mine[index[-1]].end
        tgt_start, tgt_end = targets[0].start, targets[-1].end
        start, end = project_span(
            version.text[src_start:src_end],
            max(claim.start, src_start) - src_start,
            min(claim.end, src_end) - src_start,
            other.text[tgt_start:tgt_end],
        )
        exact = other.text[tgt_start + start : tgt_start + end]
        return {
            "start": tgt_start + start,
            "end": tgt_start + end,
            "exact": exact,
            "score": round(float(score), 4),
            "confidence": alignment.confidence(score, linked=linked),
            "via": "alignment" if linked else "similarity",
            "fact_diffs": fact_diffs(claim.exact, exact),
        }


def fact_diffs(claim: str, counterpart: str) -> list[dict]:
    """Fact differences between a claim's span and its counterpart's span, as stored."""
    return [
        {
            "kind": d.kind,
            "left": d.left,
            "right": d.right,
            "text": d.describe(),
            "material": factdiff.material(d.kind, d.left, d.right),
        }
        for d in factdiff.diff_facts(claim, counterpart)
    ]


def _lock_story(story_id: int) -> None:
    """A structural write takes the story's structure lock, then its row: one lock order,
    no deadlocks (see articles/live.py)."""
    live.lock_structure(story_id)
    Story.objects.select_for_update().filter(pk=story_id).first()


class StaleCounterpart(CompareError):
    """Someone changed the counterpart since the reviewer loaded it; nothing was saved."""


def _decide(counterpart_id: int, revision: int | None, user, apply) -> Counterpart:
    """Lock, check the revision the reviewer saw, apply a change, record who confirmed it.

    Locks as a reviewer's write does (articles/live.py): the story shared, the claim,
    then the counterpart (the order propose_counterparts takes them in), the revision last.
    """
    cp = Counterpart.objects.select_related("version", "claim__version").get(pk=counterpart_id)
    live.share_story(cp.version.story_id)
    list(
        Claim.objects.select_for_update(of=("self",), no_key=True).filter(pk=cp.claim_id).order_by()
    )
    cp = (
        Counterpart.objects.select_for_update(of=("self",))
        .select_related("version", "claim__version", "confirmed_by")
        .get(pk=counterpart_id)
    )
    if revision is not None and revision != cp.revision:
        who = cp.confirmed_by.get_username() if cp.confirmed_by else "the alignment"
        raise StaleCounterpart(
            f"{who} changed this counterpart a moment ago; it is shown as it is now. "
            "Choose again if you still disagree."
        )
    apply(cp)
    cp.status = Counterpart.Status.CONFIRMED
    cp.confirmed_by, cp.confirmed_at = user, timezone.now()
    cp.revision += 1
    cp.save()
    claim_status.recompute([cp.claim_id])
    live.bump(cp.version.story_id, changed=[cp.claim_id])
    return cp


@transaction.atomic
def counterpart_confirm(*, counterpart: Counterpart, user, revision: int | None = None):
    """Confirm the proposed span (or, with none, that the claim is not in that version)."""
    return _decide(counterpart.pk, revision, user, lambda cp: None)


@transaction.atomic
def counterpart_choose(*, counterpart: Counterpart, index: int, user, revision=None):
    """Confirm one of the ranked candidates as the counterpart."""

    def apply(cp):
        if not 0 <= index < len(cp.candidates):
            raise CompareError("That suggestion is no longer offered; choose one of those shown.")
        chosen = cp.candidates[index]
        _set_span(cp, chosen["start"], chosen["end"])
        cp.score, cp.confidence = chosen["score"], chosen["confidence"]

    return _decide(counterpart.pk, revision, user, apply)


@transaction.atomic
def counterpart_set_words(*, counterpart: Counterpart, words: str, user, revision=None):
    """A reviewer's own span: the words, typed or pasted, as they stand in the other version.

    The words must occur in that version and lie within one paragraph; where they occur
    more than once, the occurrence nearest the current candidates wins.
    """
    words = " ".join((words or "").split())
    if not words:
        raise CompareError(
            "Type or paste the counterpart's words as they stand in the other version."
        )
    if len(words) > MAX_CLAIM_CHARS:
        raise CompareError(f"A counterpart can be at most {MAX_CLAIM_CHARS:,} characters long.")

    def apply(cp):
        text = cp.version.text
        hint = cp.start if cp.start is not None else next((c["start"] for c in cp.candidates), None)
        span = _find_words(text, words, hint)
        if span is None:
            raise CompareError(
                f"These words are not in “{cp.version.label}”; paste them as they appear there."
            )
        if not cp.version.blocks.filter(start__lte=span[0], end__gte=span[1]).exists():
            raise CompareError("A counterpart must lie within one paragraph; shorten the words.")
        _set_span(cp, *span)
        cp.score, cp.confidence = 1.0, ""

    return _decide(counterpart.pk, revision, user, apply)


@transaction.atomic
def counterpart_link(*, counterpart: Counterpart, other_claim: Claim, user, revision=None):
    """A reviewer's correction: the counterpart is this claim of the other version."""
    if other_claim.version_id != counterpart.version_id:
        raise CompareError("Choose a claim in the version this counterpart belongs to.")
    return _decide(
        counterpart.pk, revision, user, lambda cp: _set_span(cp, other_claim.start, other_claim.end)
    )


@transaction.atomic
def counterpart_mark_absent(*, counterpart: Counterpart, user, revision=None):
    """The claim is not in that version."""

    def apply(cp):
        cp.start = cp.end = None
        cp.exact = ""
        cp.fact_diffs = []

    return _decide(counterpart.pk, revision, user, apply)


def _set_span(cp: Counterpart, start: int, end: int) -> None:
    cp.start, cp.end = start, end
    cp.exact = cp.version.text[start:end]
    cp.fact_diffs = fact_diffs(cp.claim.exact, cp.exact)


def _find_words(text: str, words: str, hint: int | None) -> tuple[int, int] | None:
    """Where ``words`` stand in text, whitespace-insensitive; nearest ``hint`` if repeated."""
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words.split()))
    spans = [(m.start(), m.end()) for m in pattern.finditer(text)]
    if not spans:
        return None
    return min(spans, key=lambda sp: abs(sp[0] - hint) if hint is not None else 0)


# ---------------------------------------------------------------------------- compare page


@dataclass
class Row:
    left: list[Sentence]
    right: list[Sentence]
    link: SentenceLink | None = None
    left_text: str = ""
    right_text: str = ""
    ops: list[tuple[str, str]] = field(default_factory=list)
    facts: list[factdiff.FactDiff] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if self.left and self.right:
            return "changed" if any(op != "equal" for op, _ in self.ops) else "same"
        return "left-only" if self.left else "right-only"

    @property
    def left_ops(self):
        return [(op, text) for op, text in self.ops if op != "insert"]

    @property
    def right_ops(self):
        return [(op, text) for op, text in self.ops if op != "delete"]


def compare_rows(a: Version, b: Version) -> list[Row]:
    """Rows for a side-by-side view of a (left column) and b (right column)."""
    check_pair(a, b)
    low, high = ordered(a, b)
    flipped = low.pk != a.pk
    a_sentences = {s.position: s for s in a.sentences.all()}
    b_sentences = {s.position: s for s in b.sentences.all()}
    rows: list[Row] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for link in SentenceLink.objects.filter(left_version=low, right_version=high):
        pa = link.right_positions() if flipped else link.left_positions()
        pb = link.left_positions() if flipped else link.right_positions()
        pa = [p for p in pa if p in a_sentences]
        pb = [p for p in pb if p in b_sentences]
        if not pa:
            continue
        used_a.update(pa)
        used_b.update(pb)
        rows.append(Row([a_sentences[p] for p in pa], [b_sentences[p] for p in pb], link))
    for p, s in a_sentences.items():
        if p not in used_a:
            rows.append(Row([s], []))
    rows.sort(key=lambda r: r.left[0].position)
    # A right-only sentence goes after the row that holds the sentence before it.
    for p in sorted(set(b_sentences) - used_b):
        rows.insert(_insert_at(rows, p), Row([], [b_sentences[p]]))
    for row in rows:
        row.left_text = " ".join(a.text[s.start : s.end] for s in row.left)
        row.right_text = " ".join(b.text[s.start : s.end] for s in row.right)
        if row.left and row.right:
            row.ops = factdiff.word_diff(row.left_text, row.right_text)
            row.facts = factdiff.diff_facts(row.left_text, row.right_text)
    return rows


ROWS_CACHE_SECONDS = 600


def compare_page(a: Version, b: Version, *, number: int, size: int) -> tuple[list[Row], dict]:
    """One page of compare_rows() (1-based ``number``, clamped), and the pair's summary.

    Computed once per state of the pair and kept in the cache, page by page, so a page
    costs the unpickling of its own rows only. The rows depend only on the two texts,
    their sentences and the links between them: the key digests those (an editor's
    correction or a re-alignment changes the links). The summary holds ``rows`` (the
    count), the counts by kind, and ``pages_of``: the page of each left sentence position.
    """
    from django.core.cache import cache

    low, high = ordered(a, b)
    links = SentenceLink.objects.filter(left_version=low, right_version=high).values_list(
        "pk", "left_start", "left_count", "right_start", "right_count", "score", "manual"
    )
    first_sentences = (
        Sentence.objects.filter(version__in=(a, b)).order_by("pk").values_list("pk", flat=True)[:1]
    )
    digest = hashlib.blake2b(digest_size=16)
    digest.update(
        repr((a.pk, b.pk, a.text_sha256, b.text_sha256, size, list(first_sentences))).encode()
    )
    for link in links:
        digest.update(repr(link).encode())
    key = f"compare:{a.pk}:{b.pk}:{digest.hexdigest()}"
    summary = cache.get(key)
    pages = max(1, -(-summary["rows"] // size)) if summary else 1
    number = min(max(number, 1), pages)
    rows = cache.get(f"{key}:{number}") if summary else None
    if rows is None:
        everything = compare_rows(a, b)
        kinds = Counter(row.kind for row in everything)
        summary = {
            "rows": len(everything),
            "aligned": kinds["same"] + kinds["changed"],
            "changed": kinds["changed"],
            "left_only": kinds["left-only"],
            "right_only": kinds["right-only"],
            "facts": sum(1 for row in everything if row.facts),
            "pages_of": {
                s.position: i // size + 1 for i, row in enumerate(everything) for s in row.left
            },
        }
        chunks = {
            f"{key}:{i // size + 1}": everything[i : i + size]
            for i in range(0, max(len(everything), 1), size)
        }
        cache.set_many({key: summary, **chunks}, ROWS_CACHE_SECONDS)
        pages = max(1, -(-len(everything) // size))
        number = min(max(number, 1), pages)
        rows = chunks.get(f"{key}:{number}", [])
    return rows, summary


def _insert_at(rows: list[Row], position: int) -> int:
    """Index after the last row holding a right sentence that precedes ``position``."""
    best = 0
    best_position = -1
    for i, row in enumerate(rows):
        for s in row.right:
            if best_position < s.position < position:
                best, best_position = i + 1, s.position
    return best
