"""The rows an export reads, a chunk at a time (``export.Bundle.source``).

Exports are streamed: however many claims a story has, memory holds one chunk of them
(with their verdicts, sources, counterparts, settlement trails and notes), and each chunk
costs the same few queries. Chunks are keyset pages of one version's claims in
``Claim.Meta.ordering`` order (start, longest first): no list of every id is kept.

No row carries its version's text: claims, counterparts and the claims covering them get
the version objects loaded once per export (a ``select_related("version")`` would copy the
whole text into every row, which made exports of big stories quadratic in time and memory).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from articles import claim_status, dashboard, history
from articles.models import Block, Claim, Counterpart, Note, Source, Verdict
from articles.text.anchoring import MAX_CLAIM_CHARS

CHUNK = 500  # claims with everything they carry, per round of queries
MARK_CHUNK = 2000  # claims' positions and ratings (the texts' highlights, the counts)
BLOCK_CHUNK = 2000  # blocks of a version's text
# At most this many position ranges in the query for the claims covering a chunk's
# counterparts; closer ranges are merged beyond it.
MAX_RANGES = 50


@dataclass(slots=True)
class Mark:
    """What a claim's highlight and the counts need: its place, settlement and ratings."""

    pk: int
    number: int
    start: int
    end: int
    version_id: int
    settled: bool
    settled_rating: str
    contest_codes: str
    ratings: list


def _keyset(claims, size: int) -> Iterator[list]:
    """One version's claims in pages of ``size``, ordered (start, -end); a row needs
    ``start`` and ``end`` (a claim's span is unique within its version)."""
    claims = claims.order_by("start", "-end", "pk")
    last = None
    while True:
        page = claims
        if last is not None:
            page = page.filter(Q(start__gt=last.start) | Q(start=last.start, end__lt=last.end))
        rows = list(page[:size])
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1]


class StorySource:
    """A story's claims, highlights and blocks, read lazily (see the module docstring)."""

    def __init__(self, versions, *, with_notes: bool = False, chunk: int | None = None):
        self.by_pk = {v.pk: v for v in versions}
        self.with_notes = with_notes
        self.chunk = chunk or CHUNK
        # The people who created, settled or judged the claims (``_people``), by pk: a
        # story has a few, each read once rather than joined to every row.
        self.users: dict = {}

    # ------------------------------------------------------------------ entries

    def entries(
        self, version, *, settled: bool = False, detail: bool = True
    ) -> Iterator[dashboard.Entry]:
        """The version's claims as dashboard entries, in order, ``chunk`` at a time.

        Each claim has its counterparts loaded, and with ``detail`` (the default) its
        creator and settler, its verdicts (reviewer, sources), the claims covering its
        counterparts (``Entry.counterparts``), ``settlement_trail``
        (history.settlement_trails) and, with ``with_notes``, ``export_notes`` (oldest
        first, authors loaded). Without ``detail`` (the ClaimReview data) the covering
        claims are None and the rest is not read.
        ``settled``: settled claims only.
        """
        claims = Claim.objects.filter(version=version)
        if settled:
            claims = claims.filter(settled_at__isnull=False)
        for page in _keyset(claims, self.chunk):
            yield from self._entries(page, detail)

    def _people(self, *groups: tuple[list, tuple[str, ...]]) -> None:
        """Set the user foreign keys of rows (groups of rows and field names) from
        ``self.users``: on the first call, everyone who created, settled or judged a claim
        of these versions, in one query (a fixed count, wherever the chunks fall); later,
        only someone who came since (not inside a snapshot), in one query for the chunk."""
        if not self.users:
            versions = list(self.by_pk)
            claims = Claim.objects.filter(version_id__in=versions)
            named = (
                Q(pk__in=claims.values("created_by_id"))
                | Q(pk__in=claims.filter(settled_by_id__isnull=False).values("settled_by_id"))
                | Q(
                    pk__in=Verdict.objects.filter(claim__version_id__in=versions).values(
                        "reviewer_id"
                    )
                )
            )
            self.users = {u.pk: u for u in get_user_model().objects.filter(named)}
            self.users[None] = None
        wanted = {
            getattr(row, f + "_id") for rows, fields in groups for row in rows for f in fields
        }
        wanted -= self.users.keys()
        if wanted:
            self.users.update((u.pk, u) for u in get_user_model().objects.filter(pk__in=wanted))
        for rows, fields in groups:
            for row in rows:
                for f in fields:
                    pk = getattr(row, f + "_id")
                    if pk in self.users:
                        setattr(row, f, self.users[pk])

    def _related(self, claims: list[Claim], detail: bool) -> None:
        """Each claim's counterparts and (``detail``) verdicts (reviewer, sources), as
        prefetch_related would leave them, in up to three queries and one for new people:
        without its per-row queryset copies, which cost more than the queries themselves."""
        ids = [c.pk for c in claims]
        by_claim: dict[int, list] = {pk: [] for pk in ids}
        verdicts = []
        if detail:
            verdicts = list(Verdict.objects.filter(claim_id__in=ids).order_by("created_at"))
        sources: dict[int, list] = {v.pk: [] for v in verdicts}
        if sources:
            for source in Source.objects.filter(verdict_id__in=list(sources)):
                sources[source.verdict_id].append(source)
        if detail:
            self._people((claims, ("created_by", "settled_by")), (verdicts, ("reviewer",)))
        for verdict in verdicts:
            _prefetched(verdict, "sources", Source, sources[verdict.pk])
            by_claim[verdict.claim_id].append(verdict)
        counterparts: dict[int, list] = {pk: [] for pk in ids}
        # Without the ranked suggestions, which no export shows (a JSON list per row).
        for cp in Counterpart.objects.filter(claim_id__in=ids).defer("candidates"):
            if cp.version_id in self.by_pk:
                cp.version = self.by_pk[cp.version_id]
            counterparts[cp.claim_id].append(cp)
        for claim in claims:
            claim.version = self.by_pk[claim.version_id]
            if detail:
                _prefetched(claim, "verdicts", Verdict, by_claim[claim.pk])
            _prefetched(claim, "counterparts", Counterpart, counterparts[claim.pk])

    def _entries(self, claims: list[Claim], detail: bool = True) -> list[dashboard.Entry]:
        ids = [c.pk for c in claims]
        self._related(claims, detail)
        if not detail:
            return [
                dashboard.Entry(c, c.reason_codes, [(cp, None) for cp in c.counterparts.all()])
                for c in claims
            ]
        by_version = self._covering(claims)
        trails = history.settlement_trails(claim_ids=ids)
        notes: dict[int, list[Note]] = {}
        if self.with_notes:
            for note in Note.objects.filter(claim_id__in=ids).select_related("author"):
                notes.setdefault(note.claim_id, []).append(note)
        entries = []
        for claim in claims:
            claim.settlement_trail = trails.get(claim.pk, [])
            claim.export_notes = notes.get(claim.pk, [])
            pairs = [
                (cp, claim_status.counterpart_claim(cp, by_version))
                for cp in claim.counterparts.all()
            ]
            entries.append(dashboard.Entry(claim, claim.reason_codes, pairs))
        return entries

    def _covering(self, claims: list[Claim]) -> dict:
        """The claims of other versions that may cover these claims' counterparts, by
        version (``claim_status.Sorted``): one query over a few position ranges."""
        spans: dict[int, list[tuple[int, int]]] = {}
        for claim in claims:
            for cp in claim.counterparts.all():
                if cp.start is not None:
                    spans.setdefault(cp.version_id, []).append((cp.start, cp.end))
        if not spans:
            return {}
        gap = 0
        while True:
            ranges = {pk: _merge(found, gap) for pk, found in spans.items()}
            if sum(len(r) for r in ranges.values()) <= MAX_RANGES:
                break
            gap = max(2 * gap, 1024)
        covering = Q()
        for version_id, merged in ranges.items():
            for low, high in merged:
                # A claim is at most MAX_CLAIM_CHARS long: those starting further back
                # cannot reach the range (claim_status.counterpart_claim relies on it too).
                covering |= Q(
                    version_id=version_id,
                    start__lt=high,
                    start__gte=max(0, low - MAX_CLAIM_CHARS),
                    end__gt=low,
                )
        others = Claim.objects.filter(covering).only("pk", "version_id", "number", "start", "end")
        grouped: dict[int, list[Claim]] = {}
        for other in others:
            if other.version_id in self.by_pk:
                other.version = self.by_pk[other.version_id]
            grouped.setdefault(other.version_id, []).append(other)
        return {pk: claim_status.Sorted(group) for pk, group in grouped.items()}

    # ------------------------------------------------------------------ highlights, blocks

    def marks(self, version) -> Iterator[Mark]:
        """Every claim of the version as a Mark, in order: two queries per MARK_CHUNK."""
        rows = Claim.objects.filter(version=version).values_list(
            "pk",
            "number",
            "start",
            "end",
            "settled_at",
            "settled_rating",
            "contest_codes",
            named=True,
        )
        for page in _keyset(rows, MARK_CHUNK):
            ratings: dict[int, list[str]] = {}
            found = Verdict.objects.filter(claim_id__in=[r.pk for r in page]).values_list(
                "claim_id", "rating"
            )
            for claim_id, rating in found.order_by():
                ratings.setdefault(claim_id, []).append(rating)
            for r in page:
                yield Mark(
                    r.pk,
                    r.number,
                    r.start,
                    r.end,
                    version.pk,
                    r.settled_at is not None,
                    r.settled_rating,
                    r.contest_codes,
                    ratings.get(r.pk, []),
                )

    def blocks(self, version) -> Iterator[Block]:
        """The version's blocks in order: one query per BLOCK_CHUNK."""
        blocks = Block.objects.filter(version=version).only("kind", "start", "end", "position")
        last = None
        while True:
            page = blocks.order_by("position")
            if last is not None:
                page = page.filter(position__gt=last)
            rows = list(page[:BLOCK_CHUNK])
            yield from rows
            if len(rows) < BLOCK_CHUNK:
                return
            last = rows[-1].position


# One empty query per model for the querysets of _prefetched: a query of its own for each
# row's (never run: its results are set) cost more than the rows themselves.
_QUERIES: dict = {}


def _prefetched(instance, name: str, model, rows: list) -> None:
    """Store rows as ``instance.<name>.all()``, as prefetch_related does."""
    query = _QUERIES.get(model)
    if query is None:
        query = _QUERIES[model] = QuerySet(model=model).query
    queryset = QuerySet(model=model, query=query)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


def _merge(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    """Sorted spans merged where they overlap or lie within ``gap`` of each other."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def annotation_total(source: StorySource) -> int:
    """How many annotations ``export.annotation_items`` writes: claims, notes (with
    ``with_notes``), verdicts and final verdicts. Three queries."""
    versions = list(source.by_pk)
    claims = Claim.objects.filter(version_id__in=versions).aggregate(
        claims=Count("pk"), settled=Count("pk", filter=Q(settled_at__isnull=False))
    )
    total = claims["claims"] + claims["settled"]
    total += Verdict.objects.filter(claim__version_id__in=versions).count()
    if source.with_notes:
        total += Note.objects.filter(claim__version_id__in=versions).count()
    return total
