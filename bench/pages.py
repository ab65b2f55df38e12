"""Page latency for big stories: p50/p95, query count and size of every page, via the test client.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/pages.py [--claims 1000,10000] [--runs 20] [--keep-db] [--reuse-db]

It creates the database factcheck_h11p_bench (or --db NAME; dropped at the end unless --keep-db; with
--reuse-db the stories of an earlier --keep-db run are used again), migrates it, and builds
one story per size: two versions of a generated text (imported, segmented and aligned as a
user's import is), the claims split evenly between them (one per sentence, and on every
fifth sentence a second, overlapping claim on its first words), a counterpart for every
claim in the other version (every fifth one with a changed figure, every seventh "not in
this version"), two verdicts per claim with a source each (every sixth pair disagreeing)
and a quarter of the claims settled. Rows are bulk-created: a 10,000-claim story fills in
about half a minute.

Then, as an editor, each page is fetched --runs times (after one warm-up): the story list,
the reading view of the first version, its claim list's second page (htmx), a claim panel
(htmx), the dashboard, the compare page, the live poll (nothing changed: 204; a stale
revision: the changed claims), and each export (its streamed body read to the end).
Prints p50/p95 in ms (wall clock), the p50 of this process's CPU time (the app's Python
work, without the database's: a fairer figure on a busy machine), the query count and the
size of the answer; one more fetch under tracemalloc gives the peak Python memory.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
DB = "factcheck_h11p_bench"

# The same generated story as bench/export.py (this directory is on sys.path when run).
from export import bench_settings, story_text  # noqa: E402


def build(n_claims: int, editor, reviewers, seed: int = 1):
    """A two-version story with n_claims claims, verdicts, sources, counterparts, settlements."""
    from django.conf import settings
    from django.utils import timezone

    from articles import claim_status
    from articles.models import Claim, Counterpart, Source, Story, Verdict
    from articles.ratings import Rating
    from articles.versions import import_version

    rng = random.Random(seed)
    settings.IMPORT_ALIGN_MAX_CHARS = 10**9
    story = Story.objects.create(title=f"Bench {n_claims} claims", created_by=editor)
    story.members.add(*reviewers)
    per_version = n_claims // 2
    # One claim per sentence plus one more on every fifth: 5/6 of the claims are sentences.
    sentences_needed = per_version * 5 // 6 + 2
    paragraphs = sentences_needed // 4 + 2
    versions = [
        import_version(
            story=story,
            text=story_text(rng, paragraphs, rewrite),
            label=label,
            outlet=label + " Daily",
            url=f"https://{label.lower()}.example/wall",
            created_by=editor,
        )
        for label, rewrite in (("Original", False), ("Rewrite", True))
    ]
    spans = {}
    for version in versions:
        rows = []
        number = 0
        for sentence in version.sentences.all().order_by("position"):
            if len(rows) >= per_version:
                break
            number += 1
            rows.append((number, sentence.start, sentence.end, sentence.position))
            if sentence.position % 5 == 0 and len(rows) < per_version:
                words = version.text[sentence.start : sentence.end].split(" ")
                first = sentence.start + len(" ".join(words[:3]))
                if first >= sentence.end:
                    continue
                number += 1
                rows.append((number, sentence.start, first, sentence.position))
        assert len(rows) == per_version, f"text too short: {len(rows)} of {per_version}"
        spans[version.pk] = rows
    now = timezone.now()
    claims = Claim.objects.bulk_create(
        Claim(
            version=version,
            number=number,
            start=start,
            end=end,
            exact=version.text[start:end],
            prefix=version.text[max(0, start - 32) : start],
            suffix=version.text[end : end + 32],
            created_by=reviewers[0],
            settled_rating=Rating.ACCURATE if number % 4 == 0 else "",
            settled_note="Settled for the benchmark." if number % 4 == 0 else "",
            settled_by=editor if number % 4 == 0 else None,
            settled_at=now if number % 4 == 0 else None,
        )
        for version in versions
        for number, start, end, _position in spans[version.pk]
    )
    # Counterparts: the same sentence in the other version (the texts align one to one).
    sentence_at = {v.pk: {s.position: s for s in v.sentences.all()} for v in versions}
    counterparts = []
    for claim in claims:
        other = versions[1] if claim.version_id == versions[0].pk else versions[0]
        if claim.number % 7 == 0:
            counterparts.append(
                Counterpart(claim=claim, version=other, status=Counterpart.Status.NOT_FOUND)
            )
            continue
        position = next(p for n, _s, _e, p in spans[claim.version_id] if n == claim.number)
        target = sentence_at[other.pk][position]
        diffs = (
            [{"kind": "number", "left": "2", "right": "3", "text": "number: 2 vs 3"}]
            if claim.number % 5 == 0
            else []
        )
        counterparts.append(
            Counterpart(
                claim=claim,
                version=other,
                start=target.start,
                end=target.end,
                exact=other.text[target.start : target.end],
                score=0.8,
                confidence=Counterpart.Confidence.STRONG,
                fact_diffs=diffs,
                candidates=[
                    {
                        "start": target.start,
                        "end": target.end,
                        "exact": other.text[target.start : target.end],
                        "score": 0.8,
                        "confidence": "strong",
                        "via": "alignment",
                        "fact_diffs": diffs,
                    }
                ],
                backend="bench",
                status=Counterpart.Status.PROPOSED,
            )
        )
    Counterpart.objects.bulk_create(counterparts, batch_size=2000)
    scale = [r.value for r in Rating]
    verdicts = []
    for claim in claims:
        first = scale[claim.number % 5]
        # Every sixth claim: reviewers two steps apart (contested); else they agree.
        second = scale[(claim.number % 5 + 2) % 5] if claim.number % 6 == 0 else first
        verdicts += [
            Verdict(claim=claim, reviewer=reviewers[0], rating=first, rationale="Checked."),
            Verdict(claim=claim, reviewer=reviewers[1], rating=second, rationale="Agreed."),
        ]
    Verdict.objects.bulk_create(verdicts, batch_size=2000)
    Source.objects.bulk_create(
        (Source(verdict=v, url=f"https://source.example/{v.pk}", title="Report") for v in verdicts),
        batch_size=2000,
    )
    # Bulk-created rows skip the writes that keep the stored status: compute it once.
    claim_status.recompute(c.pk for c in claims)
    story.touch()
    # Statistics for the planner, as autovacuum would gather them after such a load: without
    # them PostgreSQL guesses a few dozen claims a version and sorts them all for a page.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return story


def pages(story):
    from django.urls import reverse

    first, second = list(story.versions.order_by("pk"))
    claim = first.claims.order_by("number").first()
    rev = story.__class__.objects.get(pk=story.pk).revision
    # The claim list's second page (htmx, "Show more claims"): after its 100th claim.
    hundredth = first.claims.order_by("start", "-end", "pk")[99]
    after = f"{hundredth.start}-{hundredth.end}-{hundredth.pk}"
    return [
        ("story list", reverse("articles:story_list"), {}),
        ("reading view", reverse("articles:version_detail", args=[first.pk]), {}),
        (
            "reading list page",
            reverse("articles:version_claims", args=[first.pk]) + f"?after={after}",
            {"HTTP_HX_REQUEST": "true"},
        ),
        (
            "claim panel",
            reverse("articles:claim_detail", args=[claim.pk]),
            {"HTTP_HX_REQUEST": "true"},
        ),
        ("dashboard", reverse("articles:story_dashboard", args=[story.pk]), {}),
        ("compare", reverse("articles:version_compare", args=[first.pk, second.pk]), {}),
        (
            "live poll 204",
            reverse("articles:version_live", args=[first.pk]) + f"?rev={rev}",
            {"HTTP_HX_REQUEST": "true"},
        ),
        (
            "live poll stale",
            reverse("articles:version_live", args=[first.pk]) + f"?rev={rev - 1}",
            {"HTTP_HX_REQUEST": "true"},
        ),
        ("export html", reverse("articles:story_export_html", args=[story.pk]), {}),
        ("export claimreview", reverse("articles:story_export_claimreview", args=[story.pk]), {}),
        ("export annotations", reverse("articles:story_export_annotations", args=[story.pk]), {}),
        ("export csv", reverse("articles:story_export_csv", args=[story.pk]), {}),
    ]


def fetch(client, url, headers) -> tuple[int, int]:
    response = client.get(url, **headers)
    assert response.status_code in (200, 204), (url, response.status_code)
    if response.streaming:
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    return response.status_code, size


def percentile(values, q) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def measure(client, story, runs: int, only: list[str]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    print(
        f"{'page':<20} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'queries':>8} {'bytes':>11} "
        f"{'peak MiB':>9}"
    )
    for name, url, headers in pages(story):
        if only and not any(word in name for word in only):
            continue
        fetch(client, url, headers)  # warm-up
        times, cpu = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            with CaptureQueriesContext(connection) as ctx:
                _status, size = fetch(client, url, headers)
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            # Counted now: captured_queries slices the log, which the next request empties.
            queries = len(ctx.captured_queries)
        tracemalloc.start()
        fetch(client, url, headers)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(
            f"{name:<20} {statistics.median(times) * 1000:>8.0f} "
            f"{percentile(times, 0.95) * 1000:>8.0f} {statistics.median(cpu) * 1000:>8.0f} "
            f"{queries:>8} "
            f"{size:>11,} {peak:>9.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", default="1000,10000", help="comma-separated story sizes")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--only", default="", help="comma-separated words: time only pages whose name has one"
    )
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true")
    parser.add_argument("--db", default=DB, help=f"database name (default {DB})")
    args = parser.parse_args()
    db = args.db

    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db]).fetchone()
        if exists and not args.reuse_db:
            conn.execute(f'DROP DATABASE "{db}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{db}"')
    os.environ["DATABASE_URL"] = f"{PG}/{db}"
    bench_settings()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    from articles.models import EDITORS_GROUP, Publication, Story

    call_command("migrate", verbosity=0)
    users = get_user_model()
    editor, _ = users.objects.get_or_create(username="bench-editor")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    reviewers = [
        users.objects.get_or_create(username=f"bench-r{i}", defaults={"first_name": f"R{i}"})[0]
        for i in range(2)
    ]
    client = Client()
    client.force_login(editor)
    try:
        for n in (int(x) for x in args.claims.split(",")):
            story = Story.objects.filter(title=f"Bench {n} claims").first()
            if story is None:
                t0 = time.perf_counter()
                story = build(n, editor, reviewers)
                print(f"\n{n:,} claims: story built in {time.perf_counter() - t0:.1f} s")
            else:
                print(f"\n{n:,} claims: story reused")
            if not Publication.objects.live().filter(story=story).exists():
                from articles import publishing

                publishing.publication_publish(story=story, user=editor)
            per_version = story.versions.order_by("pk").first().claims.count()
            print(f"({per_version:,} claims on the version read; {args.runs} runs each)")
            measure(client, story, args.runs, [w for w in args.only.split(",") if w])
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{db}"')


if __name__ == "__main__":
    main()
