"""Search latency on PostgreSQL with 100,000 claims: p50/p95 of search() and of the page.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/search.py [--claims 100000] [--runs 30] [--keep-db]

It creates the database factcheck_h14_search (dropped at the end unless --keep-db),
migrates it, and fills it with stories of two versions each, --claims claims (their words
drawn from the demo texts and the shared seeds when present, reshuffled), one or two
verdicts per claim with a rationale, a source on every third verdict and a settlement
note on every tenth claim. Then it times queries of every kind (a rare word, a common
word, two words, a phrase, an exclusion, filters by story, rating, reviewer and status)
as an editor (all stories) and as a reviewer (member of a tenth of them): each query
--runs times through articles.search.search() and through the search page (Django test
client, template rendered). Prints p50/p95/max in ms per query and overall, and the CPU
time of each search() (this process plus its PostgreSQL backend, from /proc/<pid>/schedstat
when PostgreSQL runs on this machine): on a machine busy with other work the wall times
grow with the queue for a core, the CPU time hardly does, and on an idle machine the wall
time is about the CPU time. The stored claim status and search keys are computed once
after filling, by the same code as every write (articles/claim_status.py).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
DB = "factcheck_h14_search"


def corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "articles" / "demo").glob("*.txt")]
    seeds = ROOT.parent / "shared" / "seeds"
    texts += [p.read_text(encoding="utf-8") for p in seeds.glob("*.txt")] if seeds.is_dir() else []
    sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 40]
    return sentences


def fill(n_claims: int, rng: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from articles.models import (
        EDITORS_GROUP,
        REVIEWERS_GROUP,
        Block,
        Claim,
        Source,
        Story,
        Verdict,
        Version,
    )
    from articles.ratings import Rating

    User = get_user_model()
    editor = User.objects.create_user("bench-editor")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    reviewers = [User.objects.create_user(f"bench-reviewer{i}") for i in range(10)]
    group = Group.objects.get_or_create(name=REVIEWERS_GROUP)[0]
    for r in reviewers:
        r.groups.add(group)
    sentences = corpus()
    words = sorted({w for s in sentences for w in s.split()})
    ratings = [r.value for r in Rating]
    per_version = 1000
    n_versions = max(1, n_claims // per_version)
    stories = Story.objects.bulk_create(
        Story(title=f"Story {i}: {rng.choice(sentences)[:80]}", created_by=editor)
        for i in range(n_versions // 2 + 1)
    )
    for i, story in enumerate(stories):
        story.members.add(
            reviewers[0] if i % 10 == 0 else reviewers[1 + i % 9], reviewers[1 + i % 9]
        )
    versions = Version.objects.bulk_create(
        Version(
            story=stories[i // 2],
            label=f"v{i % 2}",
            text="x" * 10,
            text_sha256=f"{i:064d}",
            segmenter="bench",
            created_by=editor,
        )
        for i in range(n_versions)
    )
    Block.objects.bulk_create(
        Block(version=v, position=0, kind="paragraph", start=0, end=10) for v in versions
    )
    now = timezone.now()
    made = 0
    for v in versions:
        batch = []
        for j in range(per_version):
            if made >= n_claims:
                break
            base = rng.choice(sentences).split()
            for _ in range(3):
                base[rng.randrange(len(base))] = rng.choice(words)
            batch.append(
                Claim(
                    version=v,
                    number=j + 1,
                    start=j * 10,
                    end=j * 10 + 5,
                    exact=" ".join(base),
                    created_by=editor,
                    settled_note=" ".join(rng.choices(words, k=12)) if j % 10 == 0 else "",
                    settled_rating=rng.choice(ratings) if j % 10 == 0 else "",
                    settled_at=now if j % 10 == 0 else None,
                    settled_by=editor if j % 10 == 0 else None,
                )
            )
            made += 1
        claims = Claim.objects.bulk_create(batch)
        verdicts = []
        for c in claims:
            for r in rng.sample(reviewers, rng.choice([1, 2])):
                verdicts.append(
                    Verdict(
                        claim=c,
                        reviewer=r,
                        rating=rng.choice(ratings),
                        rationale=" ".join(rng.choices(words, k=rng.randint(10, 60))),
                    )
                )
        verdicts = Verdict.objects.bulk_create(verdicts)
        Source.objects.bulk_create(
            Source(
                verdict=vd,
                url=f"https://example.org/{vd.pk}",
                title=" ".join(rng.choices(words, k=6)),
                publisher=rng.choice(["Reuters", "BBC News", "MIT Technology Review", "Nvidia"]),
                quote=" ".join(rng.choices(words, k=20)),
            )
            for k, vd in enumerate(verdicts)
            if k % 3 == 0
        )
        if made >= n_claims:
            break
    # The stored status, as every write path keeps it (one pass, as migration 0007 does).
    from articles import claim_status

    t = time.perf_counter()
    claim_status.recompute(Claim.objects.values_list("pk", flat=True))
    print(f"stored status of {Claim.objects.count():,} claims in {time.perf_counter() - t:.0f} s")
    with psycopg.connect(f"{PG}/{DB}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def on_cpu_ns(pid: int) -> int | None:
    """Nanoseconds a local process has spent on a CPU (Linux schedstat), None if unreadable."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="skip creating and filling")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    if not args.reuse_db:
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
            conn.execute(f"CREATE DATABASE {DB}")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            check=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings_test"},
        )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from articles import search
    from articles.models import Claim, Source, Story, Verdict

    rng = random.Random(14)
    if not args.reuse_db:
        t = time.perf_counter()
        fill(args.claims, rng)
        print(f"filled in {time.perf_counter() - t:.0f} s")
    User = get_user_model()
    editor = User.objects.get(username="bench-editor")
    reviewer = User.objects.get(username="bench-reviewer0")
    print(
        f"{Claim.objects.count():,} claims, {Verdict.objects.count():,} verdicts, "
        f"{Source.objects.count():,} sources, {Story.objects.count():,} stories"
    )
    some_story = Story.objects.order_by("pk")[3].pk
    queries = [
        ("rare word", "Zhejiang", {}),
        ("common word", "China", {}),
        ("two words", "chip sanctions", {}),
        ("phrase", '"Silicon Valley"', {}),
        ("exclusion", "DeepSeek -Nvidia", {}),
        ("no match", "xylophonequartz", {}),
        ("story filter", "China", {"story": some_story}),
        ("rating filter", "model", {"rating": "inaccurate"}),
        ("reviewer filter", "model", {"reviewer": reviewer.pk}),
        ("status settled", "China", {"status": "settled"}),
        ("status contested", "wall", {"status": "contested"}),
    ]
    from django.db import connection

    client = Client(HTTP_HOST="localhost")
    all_service, all_page, all_cpu = [], [], []
    print(
        f"{'query':<18}{'user':<10}{'hits':>5}  search() p50/p95/max ms   page p50/p95/max ms"
        "   CPU p50/p95 ms"
    )
    for who, user in (("editor", editor), ("reviewer", reviewer)):
        client.force_login(user)
        for label, q, filters in queries:
            service, page, cpu = [], [], []
            hits = 0
            for _ in range(args.runs):
                connection.ensure_connection()
                backend = on_cpu_ns(connection.connection.info.backend_pid)
                c = time.thread_time_ns()
                t = time.perf_counter()
                _, found = search.search(user, q, **filters)
                service.append((time.perf_counter() - t) * 1000)
                # CPU time of this process and of its PostgreSQL backend for the search:
                # what it costs on an idle machine, whatever else the machine is doing.
                after = on_cpu_ns(connection.connection.info.backend_pid)
                if backend is not None and after is not None:
                    cpu.append((time.thread_time_ns() - c + after - backend) / 1e6)
                hits = len(found)
                t = time.perf_counter()
                response = client.get("/search/", {"q": q, **filters})
                page.append((time.perf_counter() - t) * 1000)
                assert response.status_code == 200
            all_service += service
            all_page += page
            all_cpu += cpu
            cpu_text = f"   {percentile(cpu, 50):6.1f} {percentile(cpu, 95):6.1f}" if cpu else ""
            print(
                f"{label:<18}{who:<10}{hits:>5}  "
                f"{percentile(service, 50):6.1f} {percentile(service, 95):6.1f} {max(service):6.1f}"
                f"          {percentile(page, 50):6.1f} {percentile(page, 95):6.1f} {max(page):6.1f}"
                + cpu_text
            )
    print(
        f"ALL: search() p50 {percentile(all_service, 50):.1f} ms, p95 {percentile(all_service, 95):.1f} ms; "
        f"page p50 {percentile(all_page, 50):.1f} ms, p95 {percentile(all_page, 95):.1f} ms "
        f"({len(all_service)} requests each)"
    )
    if all_cpu:
        print(
            f"CPU (this process + its PostgreSQL backend) per search(): "
            f"p50 {percentile(all_cpu, 50):.1f} ms, p95 {percentile(all_cpu, 95):.1f} ms"
        )
    if not args.keep_db:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DB}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
