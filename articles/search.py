"""One search over stories, claims (with settlement notes), verdict rationales and sources.

On PostgreSQL: the stored ``search_vector`` columns and GIN indexes of migration 0004,
``websearch_to_tsquery`` (words, "quoted phrases", -exclusions) and ``ts_rank``. Elsewhere
(SQLite): every word must occur (case-insensitive substring), ranked by how often words
occur. Highlighting is done here, in Python, on escaped text: no markup from the database.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BooleanField, FloatField, Q
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString, mark_safe

from articles import claim_status
from articles.models import Claim, Source, Story, Verdict, Version, is_editor

MAX_QUERY_CHARS = 200
PER_KIND = 20
CANDIDATES = 1000
SNIPPET_CHARS = 240
STATUSES = ("settled", "contested", "reviewed", "unreviewed")
_TERM = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]+)"')


class SearchError(ValueError):
    """The query cannot be searched; the message says why."""


@dataclass(frozen=True)
class Query:
    text: str  # as searched (trimmed, at most MAX_QUERY_CHARS)
    terms: tuple[str, ...]  # lower-case words, for matching and highlighting
    phrases: tuple[str, ...]
    truncated: bool


def parse(raw: str) -> Query:
    """Read a search box's text. Raises SearchError if it holds no word or number."""
    # Control characters (NUL above all) mean nothing in a search and PostgreSQL refuses NUL.
    text = " ".join("".join(c if c.isprintable() else " " for c in raw or "").split())
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    phrases = tuple(p.strip().lower() for p in _PHRASE.findall(text) if _TERM.search(p))
    terms = tuple(dict.fromkeys(t.lower() for t in _TERM.findall(text.replace("_", " "))))
    if not terms:
        raise SearchError("Type at least one word or number to search for.")
    return Query(text, terms[:20], phrases[:5], truncated)


@dataclass
class Hit:
    kind: str  # "story", "claim", "verdict", "source"
    rank: float
    story: Story
    claim: Claim | None = None
    verdict: Verdict | None = None
    source: Source | None = None
    fields: list[tuple[str, SafeString]] = field(default_factory=list)  # (label, highlighted)

    @property
    def url(self) -> str:
        if self.claim is not None:
            return f"{self.claim.version.get_absolute_url()}?claim={self.claim.pk}"
        return self.story.get_absolute_url()


def _pg() -> bool:
    return connection.vendor == "postgresql"


# The table names are ours; the user's text is always a query parameter.
_TSQUERY = "websearch_to_tsquery('english'::regconfig, %s)"
_MATCH = '"{table}"."search_vector" @@ ' + _TSQUERY
_RANK = 'ts_rank("{table}"."search_vector", ' + _TSQUERY + ")"


def _any(table: str, ids) -> RawSQL:
    """``table.id = ANY(ids)``: one array parameter however many ids (PostgreSQL)."""
    return RawSQL(f'"{table}"."id" = ANY(%s)', [list(ids)], output_field=BooleanField())  # noqa: S611


def _like(qs, fields: list[str], query: Query):
    """Fallback: each word (and phrase) occurs in one of the fields."""
    for needle in (*query.terms, *query.phrases):
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": needle})
        qs = qs.filter(condition)
    return qs.order_by("-pk")


def _texts(related) -> list[str]:
    """The versions' texts on the way to each hit: long, and not shown in results."""
    return [
        f"{path.removesuffix('story')}text" for path in related if path.endswith("version__story")
    ]


def _match(qs, table: str, fields: list[str], query: Query, limit: int, related=()) -> list:
    if _pg():
        # Rank at most CANDIDATES matches of each kind: a word found in a fifth of 100,000
        # rows would otherwise cost a heap read and a rank for each (hundreds of ms). Past
        # that many matches the ranking is among the first ones read; more words narrow it.
        # Every filter is a column of the searched row itself (verdicts and sources carry
        # their claim's story and status), so this is one scan of the index's matches,
        # filtered as they are read, with the rank computed on the row already read; only
        # the best ``limit`` rows are then loaded whole.
        match = RawSQL(_MATCH.format(table=table), [query.text], BooleanField())  # noqa: S611
        rank = RawSQL(_RANK.format(table=table), [query.text], FloatField())  # noqa: S611
        candidates = qs.filter(match).order_by().annotate(rank=rank).values_list("pk", "rank")
        try:
            sql, params = candidates[:CANDIDATES].query.sql_with_params()
        except EmptyResultSet:  # a filter by an empty list (a story without versions)
            return []
        # The best of the candidates chosen in the database: only ``limit`` rows come back.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT c.pk, c.rank FROM ({sql}) c ORDER BY c.rank DESC, c.pk DESC LIMIT %s",  # noqa: S608
                [*params, limit],
            )
            ranks = dict(cursor.fetchall())
        rows = (
            qs.model.objects.filter(_any(table, ranks))
            .select_related(*related)
            .defer(*_texts(related))
            .order_by()
        )
        for row in rows:
            row.rank = ranks[row.pk]
        return sorted(rows, key=lambda r: (-r.rank, -r.pk))
    rows = list(
        _like(qs, fields, query).select_related(*related).defer(*_texts(related))[: limit * 5]
    )
    for row in rows:
        text = " ".join(str(getattr(row, f) or "") for f in fields).lower()
        row.rank = sum(text.count(t) for t in query.terms) / (1 + len(text) / 500)
    return sorted(rows, key=lambda r: -r.rank)[:limit]


def search(
    user,
    raw: str,
    *,
    story: int | None = None,
    status: str | None = None,
    rating: str | None = None,
    reviewer: int | None = None,
    limit: int = PER_KIND,
) -> tuple[Query, list[Hit]]:
    """Search what the user may see; return the parsed query and the hits, best first.

    Filters narrow claims, rationales and sources to a story, a claim status, a rating
    (the settled one or any reviewer's) and a reviewer (who gave a verdict); stories are
    listed only when no claim filter is set. Raises SearchError for an empty query.
    """
    query = parse(raw)
    story_ids = None
    if not is_editor(user):
        story_ids = list(Story.objects.visible_to(user).values_list("pk", flat=True))
    if story:
        story_ids = [story] if story_ids is None or story in story_ids else []
    if story_ids is not None and not story_ids:
        return query, []  # nothing the user may see
    claims = Claim.objects.all()
    verdicts = Verdict.objects.all()
    sources = Source.objects.all()
    if story_ids is not None:
        # Ids, not joins: the lists are short (a reviewer's stories) and keep each query
        # on its own table's indexes (verdicts and sources carry their story; sources
        # their verdict's rating and reviewer too).
        version_ids = list(
            Version.objects.filter(story_id__in=story_ids).values_list("pk", flat=True)
        )
        claims = claims.filter(version_id__in=version_ids)
        verdicts = verdicts.filter(story_id__in=story_ids)
        sources = sources.filter(story_id__in=story_ids)
    if status in STATUSES:
        # Stored, kept up to date by articles.claim_status (copied onto verdicts, sources).
        claims = claims.filter(status=status)
        verdicts = verdicts.filter(claim_status=status)
        sources = sources.filter(claim_status=status)
    if rating:
        claims = claims.filter(
            Q(settled_rating=rating) | Q(verdict_keys__contains=claim_status.rating_key(rating))
        )
        verdicts = verdicts.filter(rating=rating)
        sources = sources.filter(rating=rating)
    if reviewer:
        claims = claims.filter(verdict_keys__contains=claim_status.reviewer_key(int(reviewer)))
        verdicts = verdicts.filter(reviewer=reviewer)
        sources = sources.filter(reviewer_id=reviewer)
    stories = Story.objects.all() if story_ids is None else Story.objects.filter(pk__in=story_ids)
    hits: list[Hit] = []
    if not (status or rating or reviewer):
        for s in _match(stories, "articles_story", ["title", "description"], query, limit):
            hits.append(
                Hit(
                    "story",
                    s.rank,
                    s,
                    fields=_fields(query, [("Story", s.title), ("Description", s.description)]),
                )
            )
    claim_rows = _match(
        claims, "articles_claim", ["exact", "settled_note"], query, limit, ["version__story"]
    )
    for c in claim_rows:
        hits.append(
            Hit(
                "claim",
                c.rank,
                c.version.story,
                claim=c,
                fields=_fields(query, [("Claim", c.exact), ("Settlement note", c.settled_note)]),
            )
        )
    for v in _match(
        verdicts,
        "articles_verdict",
        ["rationale"],
        query,
        limit,
        ["claim__version__story", "reviewer"],
    ):
        hits.append(
            Hit(
                "verdict",
                v.rank,
                v.claim.version.story,
                claim=v.claim,
                verdict=v,
                fields=_fields(query, [("Rationale", v.rationale)]),
            )
        )
    for src in _match(
        sources,
        "articles_source",
        ["title", "publisher", "quote"],
        query,
        limit,
        ["verdict__claim__version__story", "verdict__reviewer"],
    ):
        claim = src.verdict.claim
        hits.append(
            Hit(
                "source",
                src.rank,
                claim.version.story,
                claim=claim,
                verdict=src.verdict,
                source=src,
                fields=_fields(
                    query,
                    [
                        ("Source", src.title or src.url),
                        ("Publisher", src.publisher),
                        ("Quote", src.quote),
                    ],
                ),
            )
        )
    hits.sort(key=lambda h: -h.rank)
    return query, hits


# ---------------------------------------------------------------------------- highlighting

_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s")


@functools.lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@functools.lru_cache(maxsize=64)
def _matcher(terms: tuple[str, ...]):
    """Whether a word matches one of the terms (by stem, or a term of 4+ letters starts it);
    cached per word: a page of hits repeats most words."""
    stems = frozenset(_stem(t) for t in terms)
    prefixes = tuple(t for t in stems if len(t) >= 4)

    @functools.lru_cache(maxsize=4096)
    def matches(word: str) -> bool:
        s = _stem(word)
        return s in stems or s.startswith(prefixes)

    return matches


def highlight(text: str, query: Query, *, snippet: int | None = SNIPPET_CHARS) -> SafeString:
    """The text escaped, each word matching the query inside <mark>; trimmed to a snippet
    of about ``snippet`` characters around the first match (None: the whole text)."""
    matches = _matcher(query.terms)
    spans = [(m.start(), m.end()) for m in _TERM.finditer(text) if matches(m.group())]
    begin, end = 0, len(text)
    if snippet is not None and len(text) > snippet:
        first = spans[0][0] if spans else 0
        begin = max(0, first - snippet // 3)
        end = min(len(text), begin + snippet)
        # Whole words only at the cut.
        if begin > 0:
            space = text.find(" ", begin)
            begin = space + 1 if 0 <= space < first else begin
        if end < len(text):
            space = text.rfind(" ", begin, end)
            end = space if space > begin else end
    out = ["…" if begin > 0 else ""]
    cursor = begin
    for s, e in spans:
        if s < begin or e > end:
            continue
        out.append(html.escape(text[cursor:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    out.append(html.escape(text[cursor:end]))
    out.append("…" if end < len(text) else "")
    return mark_safe("".join(out))  # noqa: S308 -- every piece of text is escaped above


def _fields(query: Query, pairs: list[tuple[str, str]]) -> list[tuple[str, SafeString]]:
    """Non-empty fields, highlighted; a secondary field only if it holds a match."""
    out = []
    for i, (label, text) in enumerate(pairs):
        if not text:
            continue
        marked = highlight(text, query)
        if i == 0 or "<mark>" in marked:
            out.append((label, marked))
    return out
