"""Time each export of a story with many claims, through the real views; count queries.

Run from the repository root:  .venv/bin/python bench/export.py [--claims 10,1000] [--repeat 3]

Builds, in a throwaway SQLite database (or the one DATABASE_URL names: its tables are
created by migrate and the story is left there), a two-version story with the given numbers
of claims, two verdicts per claim (each with a source) and a quarter of the claims settled,
then downloads each export as an editor and prints a table: size, queries, best time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", default="10,1000", help="comma-separated claim counts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    # ClaimReview exists for a published fact-check only; publishing names the newsroom.
    os.environ.setdefault("FACTCHECK_ORGANISATION", "Bench Newsroom")
    os.environ.setdefault("FACTCHECK_ORGANISATION_URL", "https://bench.example/")
    os.environ.setdefault("FACTCHECK_ORGANISATION_LOGO", "/static/favicon.svg")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from articles import publishing
    from articles.models import EDITORS_GROUP

    call_command("migrate", verbosity=0)
    user_model = get_user_model()
    tag = str(int(time.time()))
    editor = user_model.objects.create_user(f"bench-editor-{tag}", password="x")  # noqa: S106
    editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    reviewers = [
        user_model.objects.create_user(f"bench-r{i}-{tag}", first_name=f"R{i}") for i in range(2)
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
    print(f"database: {connection.vendor}  repeat: {args.repeat} (best and median shown)")
    print(
        f"{'claims':>7} {'export':<12} {'bytes':>11} {'queries':>8} {'best ms':>9} {'median ms':>10}"
    )
    for n in (int(x) for x in args.claims.split(",")):
        t0 = time.perf_counter()
        story = build(n, users)
        publication = publishing.publication_publish(story=story, user=editor)
        setup = time.perf_counter() - t0
        urls = [(name, reverse(f"articles:{name}", args=[story.pk])) for name in names]
        urls.append(("story_export_published", publication.get_absolute_url()))
        for name, url in urls:
            times, queries, size = [], 0, 0
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - start)
                assert response.status_code == 200, response.status_code
                queries, size = len(ctx.captured_queries), len(response.content)
            short = name.removeprefix("story_export_")
            print(
                f"{n:>7} {short:<12} {size:>11,} {queries:>8} {min(times) * 1000:>9.0f} "
                f"{statistics.median(times) * 1000:>10.0f}"
            )
        print(f"{'':>7} (setup of the {n}-claim story: {setup:.1f} s)")
    tmp.cleanup()


if __name__ == "__main__":
    main()
