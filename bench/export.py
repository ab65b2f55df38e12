"""Time each export of a story with many claims, through the real views; count queries.

Run from the repository root:

    .venv/bin/python bench/export.py [--claims 10,1000] [--repeat 3] [--db NAME] [--reuse]
        [--only html,csv] [--profile 25] [--app DIR]

Builds a two-version story with the given numbers of claims, two verdicts per claim (each
with a source) and a quarter of the claims settled, publishes it, then downloads each export
(a streamed body read to the end) and the published page as an editor and prints a table:
size, queries, best and median wall time, best CPU time of this process (the app's Python
work, not the database's: the steadier figure on a busy machine), the peak resident memory
of the process during the best-timed fetch's run (VmHWM, reset before each fetch through
/proc/self/clear_refs) and the peak Python allocation (tracemalloc, one more fetch).

The database: a throwaway SQLite file, or DATABASE_URL, or with ``--db NAME`` the
PostgreSQL database NAME on 127.0.0.1:5432 (created if missing, left in place). With
``--reuse`` a story of the same size built by an earlier run there is used again (so that
two versions of the code can be timed on the same rows). ``--app DIR`` imports the project
from DIR instead of this checkout (a before/after comparison: ``git archive`` a commit into
DIR). ``--profile N`` prints cProfile's N most expensive functions per export (cumulative, then
own time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PARAGRAPH = (
    "Porthallow council voted on Tuesday to spend £{money}m rebuilding the sea wall that failed "
    "during the storms of {day} February. The wall, built in 19{year}, protects about {homes} "
    "homes and the town's only road to the coast. Engineers from the county found that "
    "{share}% of the old wall had cracked. Work is due to start in April and take {months} "
    "months."
)


def story_text(rng: random.Random, paragraphs: int, rewrite: bool) -> str:
    parts = []
    for i in range(paragraphs):
        text = PARAGRAPH.format(
            money=f"{rng.randint(1, 9)}.{i % 10}",
            day=1 + i % 28,
            year=10 + i % 90,
            homes=f"{rng.randint(1, 9)},{100 + i:03d}",
            share=i % 100,
            months=6 + i % 30,
        )
        if rewrite:
            text = text.replace("voted on Tuesday to spend", "on Tuesday approved").replace(
                "protects about", "shields some"
            )
        parts.append(text)
    return "Sea wall\n\n" + "\n\n".join(parts) + "\n"


def build(n_claims: int, users: dict, seed: int = 1):
    from articles.comparison import propose_counterparts
    from articles.models import Claim, Source, Story, Verdict
    from articles.ratings import SCALE
    from articles.versions import import_version

    rng = random.Random(seed)
    editor, reviewers = users["editor"], users["reviewers"]
    story = Story.objects.create(title=f"Bench {n_claims} claims", created_by=editor)
    story.members.add(*reviewers)
    paragraphs = max(2, n_claims // 6)  # about four sentences each, claims on half the versions
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
    claims = []
    for version in versions:
        sentences = list(version.sentences.all())
        per_version = n_claims // 2 + (n_claims % 2 if version is versions[0] else 0)
        for number, sentence in enumerate(sentences[:per_version], 1):
            claims.append(
                Claim(
                    version=version,
                    number=number,
                    start=sentence.start,
                    end=sentence.end,
                    exact=version.text[sentence.start : sentence.end],
                    created_by=reviewers[0],
                )
            )
    assert len(claims) == n_claims, f"text too short for {n_claims} claims ({len(claims)})"
    Claim.objects.bulk_create(claims)
    claims = list(Claim.objects.filter(version__story=story))
    propose_counterparts(Claim.objects.filter(version__story=story))
    ratings = list(SCALE)
    verdicts = [
        Verdict(claim=c, reviewer=r, rating=rng.choice(ratings), rationale=f"=Reason {c.pk} by {r}")
        for c in claims
        for r in reviewers[:2]
    ]
    Verdict.objects.bulk_create(verdicts)
    Source.objects.bulk_create(
        Source(verdict=v, url=f"https://source.example/{v.pk}", title="Report")
        for v in Verdict.objects.filter(claim__version__story=story)
    )
    settled = [c.pk for c in claims[::4]]
    from django.utils import timezone

    Claim.objects.filter(pk__in=settled).update(
        settled_rating="accurate",
        settled_by=editor,
        settled_at=timezone.now(),
        settled_note="Settled for the benchmark.",
    )
    return story


PG = "postgres://postgres@127.0.0.1:5432"


def bench_settings() -> None:
    """The environment of a bench run through the test client (before django.setup()).

    ClaimReview exists for a published fact-check only, and publishing names the newsroom.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("FACTCHECK_ORGANISATION", "Bench Newsroom")
    os.environ.setdefault("FACTCHECK_ORGANISATION_URL", "https://bench.example/")
    os.environ.setdefault("FACTCHECK_ORGANISATION_LOGO", "/static/favicon.svg")


def _peak_rss_reset() -> bool:
    """Reset this process's peak resident set size (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _fetch(client, url) -> int:
    """Fetch url and read its body to the end; return its size in bytes."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", default="10,1000", help="comma-separated claim counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", default="", help="a PostgreSQL database name (kept)")
    parser.add_argument("--reuse", action="store_true", help="reuse a story built earlier")
    parser.add_argument("--only", default="", help="comma-separated export names to time")
    parser.add_argument("--profile", type=int, default=0, help="print N top functions")
    parser.add_argument("--app", default="", help="import the project from this directory")
    args = parser.parse_args()

    if args.app:
        sys.path.insert(0, str(Path(args.app).resolve()))
    tmp = tempfile.TemporaryDirectory()
    if args.db:
        import psycopg

        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db])
            if not found.fetchone():
                conn.execute(f'CREATE DATABASE "{args.db}"')
        os.environ["DATABASE_URL"] = f"{PG}/{args.db}"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    bench_settings()
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    import articles
    from articles import publishing
    from articles.models import EDITORS_GROUP, Publication, Story

    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    editor, _ = user_model.objects.get_or_create(username="bench-editor")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    reviewers = [
        user_model.objects.get_or_create(username=f"bench-r{i}", defaults={"first_name": f"R{i}"})[
            0
        ]
        for i in range(2)
    ]
    users = {"editor": editor, "reviewers": reviewers}
    client = Client()
    client.force_login(editor)

    names = [
        "story_export_html",
        "story_export_claimreview",
        "story_export_annotations",
        "story_export_csv",
    ]
    only = [w for w in args.only.split(",") if w]
    rss = _peak_rss_reset()
    print(f"app: {Path(articles.__file__).parent.parent}")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"repeat: {args.repeat} (best and median shown); load average {os.getloadavg()}")
    print(
        f"{'claims':>7} {'export':<12} {'bytes':>11} {'queries':>8} {'best ms':>9} "
        f"{'median ms':>10} {'cpu ms':>8} {'RSS MiB':>8} {'py MiB':>7}"
    )
    for n in (int(x) for x in args.claims.split(",")):
        t0 = time.perf_counter()
        story = None
        if args.reuse:
            story = Story.objects.filter(title=f"Bench {n} claims").order_by("-pk").first()
        if story is None:
            story = build(n, users)
        publication = Publication.objects.live().filter(story=story).first()
        if publication is None:
            publication = publishing.publication_publish(story=story, user=editor)
        setup = time.perf_counter() - t0
        urls = [(name, reverse(f"articles:{name}", args=[story.pk])) for name in names]
        urls.append(("story_export_published", publication.get_absolute_url()))
        for name, url in urls:
            short = name.removeprefix("story_export_")
            if only and short not in only:
                continue
            times, cpu, queries, size, base, peak = [], [], 0, 0, 0.0, float("nan")
            for _ in range(args.repeat):
                if rss:
                    _peak_rss_reset()
                    base = _peak_rss_mib()
                with CaptureQueriesContext(connection) as ctx:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    size = _fetch(client, url)
                    times.append(time.perf_counter() - start)
                    cpu.append(time.process_time() - start_cpu)
                    queries = len(ctx.captured_queries)
                if rss and times[-1] == min(times):
                    peak = _peak_rss_mib() - base
            tracemalloc.start()
            _fetch(client, url)
            traced = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            print(
                f"{n:>7} {short:<12} {size:>11,} {queries:>8} {min(times) * 1000:>9.0f} "
                f"{statistics.median(times) * 1000:>10.0f} {min(cpu) * 1000:>8.0f} "
                f"{peak:>8.1f} {traced:>7.1f}",
                flush=True,
            )
            if args.profile:
                profiler = cProfile.Profile()
                profiler.runcall(_fetch, client, url)
                stats = pstats.Stats(profiler)
                stats.sort_stats("cumulative").print_stats(args.profile)
                stats.sort_stats("tottime").print_stats(args.profile)
        print(f"{'':>7} (setup of the {n}-claim story: {setup:.1f} s; load {os.getloadavg()})")
    tmp.cleanup()


if __name__ == "__main__":
    main()
