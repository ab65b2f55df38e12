"""Comparing versions: stored sentence alignment, claim counterparts, compare-page rows.

Glue between the pure text modules (alignment.py, factdiff.py) and the database.
Writes run inside the caller's transaction or their own.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from articles.models import Claim, Counterpart, Sentence, SentenceLink, Story, Version
from articles.text import alignment, factdiff

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


def _negated(text: str) -> bool:
    return any(f.kind == "negation" for f in factdiff.extract_facts(text))


def _maps(index: int, matcher: difflib.SequenceMatcher) -> bool:
    return any(b.a <= index < b.a + b.size for b in matcher.get_matching_blocks())


@transaction.atomic
def propose_counterparts(claims) -> None:
    """Propose, for each claim and each other version of its story, the counterpart span.

    Confirmed counterparts are kept as the reviewer left them. The claims' rows are locked
    (in pk order) so that two proposals for one claim cannot interleave.
    """
    ids = list(claims.values_list("pk", flat=True))
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .select_related("version")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if not claims:
        return
    story_ids = {c.version.story_id for c in claims}
    versions = {v.pk: v for v in Version.objects.filter(story_id__in=story_ids)}
    sentences: dict[int, list[Sentence]] = {}
    for s in Sentence.objects.filter(version_id__in=versions).order_by("version_id", "position"):
        sentences.setdefault(s.version_id, []).append(s)
    links = list(SentenceLink.objects.filter(left_version_id__in=versions))
    confirmed = set(
        Counterpart.objects.filter(
            claim__in=claims, status=Counterpart.Status.CONFIRMED
        ).values_list("claim_id", "version_id")
    )
    rows = []
    for claim in claims:
        for other in versions.values():
            if other.story_id != claim.version.story_id or other.pk == claim.version_id:
                continue
            if (claim.pk, other.pk) in confirmed:
                continue
            rows.append(_counterpart(claim, versions[claim.version_id], other, sentences, links))
    Counterpart.objects.filter(claim__in=claims, status=Counterpart.Status.PROPOSED).delete()
    Counterpart.objects.bulk_create(rows)


def _counterpart(claim, version, other, sentences, links) -> Counterpart:
    mine = sentences.get(version.pk, [])
    theirs = {s.position: s for s in sentences.get(other.pk, [])}
    positions = [s.position for s in mine if s.start < claim.end and s.end > claim.start]
    here_is_left = version.pk < other.pk
    targets: set[int] = set()
    score = 0.0
    for link in links:
        if {link.left_version_id, link.right_version_id} != {version.pk, other.pk}:
            continue
        here = link.left_positions() if here_is_left else link.right_positions()
        there = link.right_positions() if here_is_left else link.left_positions()
        if any(p in here for p in positions):
            targets.update(there)
            score = max(score, link.score)
    targets_sorted = [theirs[p] for p in sorted(targets) if p in theirs]
    if not targets_sorted:
        return Counterpart(claim=claim, version=other, score=0.0)
    source_sentences = [s for s in mine if s.position in positions]
    src_start, src_end = source_sentences[0].start, source_sentences[-1].end
    tgt_start, tgt_end = targets_sorted[0].start, targets_sorted[-1].end
    start, end = project_span(
        version.text[src_start:src_end],
        max(claim.start, src_start) - src_start,
        min(claim.end, src_end) - src_start,
        other.text[tgt_start:tgt_end],
    )
    exact = other.text[tgt_start + start : tgt_start + end]
    diffs = _fact_diffs(
        version.text[src_start:src_end], claim.exact, other.text[tgt_start:tgt_end], exact
    )
    return Counterpart(
        claim=claim,
        version=other,
        start=tgt_start + start,
        end=tgt_start + end,
        exact=exact,
        score=score,
        fact_diffs=diffs,
    )


def _fact_diffs(source_sentences: str, claim: str, target_sentences: str, exact: str) -> list:
    """Fact differences between a claim and its counterpart, as stored on Counterpart.

    Facts are compared sentence against sentence (the two spans may not cover the same
    words); a difference is kept if it touches the claim or its counterpart.
    """
    diffs = [
        d
        for d in factdiff.diff_facts(source_sentences, target_sentences)
        if (d.left and d.left in claim)
        or (d.right and d.right in exact)
        or d.kind == "negation"
        and _negated(claim) != _negated(exact)
    ]
    return [{"kind": d.kind, "left": d.left, "right": d.right, "text": d.describe()} for d in diffs]


def _sentences_around(version: Version, start: int, end: int) -> str:
    covering = version.sentences.filter(start__lt=end, end__gt=start).order_by("position")
    spans = [(s.start, s.end) for s in covering] or [(start, end)]
    return version.text[spans[0][0] : spans[-1][1]]


def _lock_story(story_id: int) -> None:
    """Every write of a story takes its row lock first: one lock order, no deadlocks."""
    Story.objects.select_for_update().filter(pk=story_id).first()


@transaction.atomic
def counterpart_confirm(*, counterpart: Counterpart, user) -> Counterpart:
    _lock_story(counterpart.version.story_id)
    counterpart.status = Counterpart.Status.CONFIRMED
    counterpart.confirmed_by, counterpart.confirmed_at = user, timezone.now()
    counterpart.save()
    counterpart.claim.version.story.touch()
    return counterpart


@transaction.atomic
def counterpart_link(*, counterpart: Counterpart, other_claim: Claim, user) -> Counterpart:
    """A reviewer's correction: the counterpart is this claim of the other version."""
    if other_claim.version_id != counterpart.version_id:
        raise CompareError("Choose a claim in the version this counterpart belongs to.")
    claim = counterpart.claim
    counterpart.start, counterpart.end = other_claim.start, other_claim.end
    counterpart.exact = other_claim.exact
    counterpart.fact_diffs = _fact_diffs(
        _sentences_around(claim.version, claim.start, claim.end),
        claim.exact,
        _sentences_around(counterpart.version, other_claim.start, other_claim.end),
        other_claim.exact,
    )
    return counterpart_confirm(counterpart=counterpart, user=user)


@transaction.atomic
def counterpart_mark_absent(*, counterpart: Counterpart, user) -> Counterpart:
    counterpart.start = counterpart.end = None
    counterpart.exact = ""
    counterpart.fact_diffs = []
    return counterpart_confirm(counterpart=counterpart, user=user)


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


def _insert_at(rows: list[Row], position: int) -> int:
    """Index after the last row holding a right sentence that precedes ``position``."""
    best = 0
    best_position = -1
    for i, row in enumerate(rows):
        for s in row.right:
            if best_position < s.position < position:
                best, best_position = i + 1, s.position
    return best
