"""A pair of long versions imported as the worker does it, then a claim marked in it.

    python bench/import_pair.py [--words 1000000] [--db factcheck_bench_pair]

Generates a report of N words and its rewrite (bench/align.py's generator), imports the
first, then the second through ``versions.prepare_version`` (segment, align: outside any
transaction) and ``versions.store_version`` (one transaction: its rows under the story's
structure lock, then the story's row FOR UPDATE from ``_publish`` to the commit, the time
reviewers' writes on that story wait), and marks a claim at 10%, 50% and 90% of the
long version through ``reviewing.claim_create`` (its counterpart in the other version is
ranked in the request). Prints each stage's wall and CPU seconds, the parts of each store
(indented) and the peak RSS. PostgreSQL, its own database (created and dropped unless
--keep-db).
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def time_parts(clock: "Clock") -> None:
    """Print the parts of each store: rows, links, ranking, key checks, the story row held."""
    from django.db import transaction

    from articles import versions
    from articles.models import SentenceLink, VersionQuerySet

    def timed(owner, name, label, until_commit=False):
        real = getattr(owner, name, None)
        if real is None:
            return  # older code (this script run against a copy of it)

        def wrapper(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.process_time()

            def report():
                walls, cpus = time.perf_counter() - wall, time.process_time() - cpu
                print(f"    {label:<50} {walls:8.2f} {cpus:8.2f}", flush=True)

            if until_commit:
                transaction.on_commit(report)
                return real(*args, **kwargs)
            try:
                return real(*args, **kwargs)
            finally:
                report()

        setattr(owner, name, wrapper)

    timed(VersionQuerySet, "create_from_text", "version, blocks, sentences inserted")
    timed(SentenceLink.objects, "bulk_create", "links inserted")
    timed(versions, "rank_counterparts", "counterparts ranked")
    timed(versions, "_check_now", "foreign keys checked")
    timed(versions, "_publish", "story row held: publish to commit", until_commit=True)


def mark_claims(version, user, count: int) -> None:
    """``count`` claims, one sentence each, spread over the version (bulk: no counterparts)."""
    from articles.models import Claim

    spans = list(version.sentences.order_by("position").values_list("start", "end"))
    step = max(1, len(spans) // count)
    Claim.objects.bulk_create(
        Claim(version=version, number=n, start=s, end=e, exact=version.text[s:e], created_by=user)
        for n, (s, e) in enumerate(spans[::step][:count], start=1)
    )
    print(f"  {count:,} claims marked on the first version")


class Clock:
    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def __call__(self, name: str, work):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        self.rows.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        print(f"  {name:<52} {self.rows[-1][1]:8.2f} {self.rows[-1][2]:8.2f}", flush=True)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--db", default="factcheck_bench_pair")
    parser.add_argument(
        "--claims",
        type=int,
        default=0,
        help="claims on the first version (one sentence each, spread evenly) before the "
        "second is imported: their counterparts are proposed in its store",
    )
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    import psycopg

    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{args.db}"')
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    import django

    django.setup()
    from align import make_long_pair
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from articles import versions
    from articles.models import Story
    from articles.reviewing import claim_create

    try:
        call_command("migrate", verbosity=0)
        left, right, *_ = make_long_pair(args.words, seed=1)
        user = get_user_model().objects.create_user("bench-pair")
        story = Story.objects.create(title="Long pair", created_by=user)
        load = os.getloadavg()
        print(f"{args.words:,} words a side ({len(left) / 1e6:.1f} + {len(right) / 1e6:.1f} MB);"
              f" load average {load[0]:.1f}")  # fmt: skip
        print(f"  {'stage':<52} {'wall s':>8} {'cpu s':>8}")
        clock = Clock()
        time_parts(clock)
        first = clock(
            "first version: prepare (segment)",
            lambda: versions.prepare_version(
                story=story, text=left, label="First", created_by=user
            ),
        )
        clock("first version: store", lambda: versions.store_version(first))
        if args.claims:
            mark_claims(story.versions.get(), user, args.claims)
        second = clock(
            "second version: prepare (segment + align)",
            lambda: versions.prepare_version(
                story=story, text=right, label="Second", created_by=user
            ),
        )
        version = clock("second version: store", lambda: versions.store_version(second))
        sentences = list(version.sentences.order_by("position").values_list("start", "end"))
        for share in (0.1, 0.5, 0.9):
            start, end = sentences[int(share * len(sentences))]
            claim, _ = clock(
                f"claim create at {share:.0%} (counterpart ranked)",
                lambda start=start, end=end: claim_create(
                    version=version, user=user, start=start, end=end,
                    exact=version.text[start:end],
                ),
            )  # fmt: skip
            counterpart = claim.counterparts.get()
            print(f"    → {counterpart.status}, {counterpart.confidence or '-'}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS {peak:,.0f} MB; load average at the end {os.getloadavg()[0]:.1f}")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
