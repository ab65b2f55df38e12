"""Suggested claims for a version: its check-worthy sentences, ranked, minus what is done.

Ranking is articles.text.checkworthy on the version's stored sentences; a sentence whose
aligned counterpart in another version states different facts ranks higher. Sentences
already covered by a claim, and suggestions someone dismissed, are left out.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.utils.module_loading import import_string

from articles.models import Claim, SentenceLink, SuggestionDismissal, Version
from articles.text import checkworthy

DEFAULT_SCORER = "articles.text.checkworthy.rule_score"


@dataclass(frozen=True)
class Suggestion:
    start: int
    end: int
    text: str
    score: float
    reasons: tuple[str, ...]
    position: int  # the sentence's position in the version


def scorer_path() -> str:
    return getattr(settings, "FACTCHECK_SUGGESTION_SCORER", DEFAULT_SCORER)


def scorer() -> checkworthy.Scorer:
    """The scoring function named by FACTCHECK_SUGGESTION_SCORER (a dotted path)."""
    return import_string(scorer_path())


def _differs(version: Version, sentences: list, texts: list[str]) -> list[bool]:
    by_position = {s.position: i for i, s in enumerate(sentences)}
    out = [False] * len(texts)
    others = [v for v in version.story.versions.all() if v.pk != version.pk]
    for other in others:
        low_is_me = version.pk < other.pk
        links = SentenceLink.objects.filter(
            left_version_id=min(version.pk, other.pk), right_version_id=max(version.pk, other.pk)
        )
        other_sentences = list(other.sentences.order_by("position"))
        other_index = {s.position: i for i, s in enumerate(other_sentences)}
        other_texts = [other.text[s.start : s.end] for s in other_sentences]
        pairs = []
        for link in links:
            mine = link.left_positions() if low_is_me else link.right_positions()
            theirs = link.right_positions() if low_is_me else link.left_positions()
            pairs.append(
                (
                    [by_position[p] for p in mine if p in by_position],
                    [other_index[p] for p in theirs if p in other_index],
                )
            )
        found = checkworthy.differing(texts, other_texts, pairs)
        out = [a or b for a, b in zip(out, found, strict=True)]
    return out


# Ranking takes about a millisecond a sentence (more with other versions to compare): a
# 1M-word version's 50,000 sentences ran past gunicorn's 30 s timeout on every page view.
# Past this many sentences, suggestions are not made while a reader waits.
MAX_SENTENCES = 3_000

# The reading view's panel shows this many of the best open suggestions; the list's own
# page shows them all. Each open page refetches its list whenever claims change, and a
# whole list (about 2 KB an item) cost more of the server than any other request.
SHOWN = 10


def too_many_sentences(sentence_count: int) -> bool:
    """True if a version with this many sentences gets no suggestions."""
    return sentence_count > MAX_SENTENCES


def ranked(version: Version) -> list[Suggestion]:
    """Every check-worthy sentence of the version, best first (cached per text, segmenter
    and story: a re-segmented version has other sentences)."""
    # Unordered (sorted here): Version's default ordering would join the story.
    versions = sorted(
        Version.objects.filter(story_id=version.story_id)
        .order_by()
        .values_list("pk", "text_sha256", "segmenter")
    )
    manual = SentenceLink.objects.filter(manual=True).filter(
        left_version__story_id=version.story_id
    )
    state = repr((versions, manual.count(), scorer_path()))
    key = f"suggestions:{version.pk}:{hashlib.sha256(state.encode()).hexdigest()[:16]}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    sentences = list(version.sentences.select_related("block").order_by("position"))
    if not sentences:
        return []
    texts = [version.text[s.start : s.end] for s in sentences]
    candidates = checkworthy.rank(
        texts,
        kinds=[s.block.kind for s in sentences],
        differs=_differs(version, sentences, texts),
        scorer=scorer(),
    )
    result = [
        Suggestion(
            start=sentences[c.index].start,
            end=sentences[c.index].end,
            text=texts[c.index],
            score=c.score,
            reasons=c.reasons,
            position=sentences[c.index].position,
        )
        for c in candidates
    ]
    cache.set(key, result, 3600)
    return result


def open_suggestions(version: Version) -> list[Suggestion]:
    """Suggestions no one has acted on: no claim inside the sentence, not dismissed."""
    # One query for both: the claims' spans (kind 0) and the dismissed sentences (kind 1).
    claims = Claim.objects.filter(version_id=version.pk).order_by()
    dismissals = SuggestionDismissal.objects.filter(version_id=version.pk).order_by()
    rows = claims.values_list(Value(0), "start", "end").union(
        dismissals.values_list(Value(1), "start", "end"), all=True
    )
    spans = sorted(rows)
    claimed = _union((start, end) for kind, start, end in spans if kind == 0)
    starts = [start for start, _ in claimed]
    dismissed = {(start, end) for kind, start, end in spans if kind == 1}
    return [
        s
        for s in ranked(version)
        if (s.start, s.end) not in dismissed and not _overlaps(claimed, starts, s.start, s.end)
    ]


def _union(spans) -> list[tuple[int, int]]:
    """Spans sorted by start, merged where they overlap or touch."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _overlaps(union: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    """True if [start, end) shares a character with a span of ``union`` (disjoint, sorted)."""
    i = bisect.bisect_left(starts, end) - 1  # the last span starting before ``end``
    return i >= 0 and union[i][1] > start


def fingerprint(items: list[Suggestion], *, more: bool = False) -> str:
    """A short digest of a list of suggestions (and whether more are left out of it): the
    page's list is up to date if it matches."""
    state = repr([(s.start, s.end, s.position, s.score, s.reasons, s.text) for s in items])
    state += "+" if more else ""
    return hashlib.blake2b(state.encode(), digest_size=8).hexdigest()


def shown(version: Version, *, every: bool = False) -> tuple[list[Suggestion], bool]:
    """The open suggestions a list shows: the ``SHOWN`` best (``every``: all of them), and
    whether more are left out."""
    items = open_suggestions(version)
    if every:
        return items, False
    return items[:SHOWN], len(items) > SHOWN


def list_context(version: Version, *, every: bool = False) -> dict:
    """The suggestion list's template context: the reading view's panel shows the ``SHOWN``
    best open suggestions (``every``: all of them, the list's own page). Its fingerprint
    covers what is shown only, so that a claim on a sentence further down changes nothing
    on the pages that show the first ones (their refetch gets 204); it is "" where the
    version gets no suggestions."""
    sentence_count = version.sentences.count()
    off = too_many_sentences(sentence_count)
    items = more = None
    if not off:
        items, more = shown(version, every=every)
    return {
        "version": version,
        "suggestions": items,
        "more_suggestions": more,
        "every_suggestion": every,
        "fingerprint": "" if off else fingerprint(items, more=bool(more)),
        "suggestions_off": off,
        "sentence_count": sentence_count,
        "has_sentences": sentence_count > 0,
        "reasons": SuggestionDismissal.Reason.choices,
    }


class NotASuggestion(ValueError):
    """The span is not one of the version's suggested sentences; the message says so."""


def find(version: Version, start: int, end: int) -> Suggestion:
    """The suggestion at exactly [start, end); raises NotASuggestion."""
    for s in ranked(version):
        if (s.start, s.end) == (start, end):
            return s
    raise NotASuggestion("That sentence is not a suggested claim (the text may have changed).")


def dismiss(*, version: Version, start: int, end: int, reason: str, user) -> bool:
    """Hide a suggestion for everyone, recording why; False if it was already dismissed."""
    find(version, start, end)
    if reason not in SuggestionDismissal.Reason.values:
        raise NotASuggestion("Choose why this is not worth a claim.")
    try:
        with transaction.atomic():
            SuggestionDismissal.objects.create(
                version=version, start=start, end=end, reason=reason, dismissed_by=user
            )
    except IntegrityError:
        return False
    version.story.touch()
    return True
