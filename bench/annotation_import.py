"""Time of importing a large Hypothesis file (API search result) into a two-version story.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/annotation_import.py [--annotations 4000] [--keep-db] [--profile]

It creates the database factcheck_annjob_bench (dropped at the end unless --keep-db),
migrates it, imports the two demo texts (186 and 156 words) as versions with published
URLs (or, with --paragraphs N, two generated versions of N paragraphs), and writes a
Hypothesis API search result of --annotations annotations: each quotes a run of words of
one version with 32 characters of prefix and suffix, names the version's URL, and has a
comment (every other one) and tags; every tenth is a reply.

It uploads the file through the import page (the test client, logged in as an editor)
and prints that request's time, then runs the job it queued as the worker does
(``import_jobs.run``) and prints its wall and CPU time (this process; PostgreSQL's own
work is not in it), the time of each stage, how long the final transaction (the story's
row lock) lasted, and what the report says. ``--direct`` also times the same file
imported again by ``webannotation.annotations_import`` into a fresh copy of the story (no
job: preparation and storage in one call). The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
DB = "factcheck_annjob_bench"
URLS = ("https://gazette.example/a", "https://coast.example/b")


def hypothesis_file(versions, n: int, rng: random.Random) -> bytes:
    rows = []
    for i in range(n):
        if i % 10 == 9 and rows:
            parent = rng.choice(rows)["id"]
            rows.append(
                {
                    "id": f"r{i}",
                    "user": "acct:ben@hypothes.is",
                    "uri": parent,
                    "text": f"Reply {i}.",
                    "references": [parent],
                    "target": [{"source": URLS[0]}],
                    "created": "2024-05-01T10:00:00Z",
                }
            )
            continue
        k = rng.randrange(len(versions))
        text = versions[k].text
        start = rng.randrange(0, len(text) - 60)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        end = start + rng.randrange(20, 60)
        while end < len(text) and not text[end].isspace():
            end += 1
        exact = text[start:end].strip()
        rows.append(
            {
                "id": f"a{i}",
                "user": "acct:ana@hypothes.is",
                "uri": URLS[k],
                "text": f"Comment {i}." if i % 2 else "",
                "tags": ["bench", f"t{i % 7}"],
                "created": "2024-05-01T10:00:00Z",
                "target": [
                    {
                        "source": URLS[k],
                        "selector": [
                            {"type": "TextPositionSelector", "start": start, "end": end},
                            {
                                "type": "TextQuoteSelector",
                                "exact": exact,
                                "prefix": text[max(0, start - 32) : start],
                                "suffix": text[start + len(exact) : start + len(exact) + 32],
                            },
                        ],
                    }
                ],
            }
        )
    return json.dumps({"total": len(rows), "rows": rows}).encode()


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=4000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--db", default=DB, help=f"its own database (default {DB})")
    parser.add_argument("--profile", action="store_true", help="cProfile the job: top 30")
    parser.add_argument("--direct", action="store_true", help="also time annotations_import")
    parser.add_argument(
        "--paragraphs",
        type=int,
        default=0,
        help="versions of N generated paragraphs (5 sentences each) instead of the demo texts",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"{PG}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            check=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings_test"},
        )
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client

        from articles import import_jobs, webannotation
        from articles.models import ImportJob, Story
        from articles.versions import import_version

        editor = get_user_model().objects.create_superuser("bench", password="x")
        story = Story.objects.create(title="Bench", created_by=editor)
        if args.paragraphs:
            # bench/export.py's generated story: the versions differ in a few words a paragraph.
            from bench.export import story_text

            texts = [story_text(random.Random(5), args.paragraphs, rewrite) for rewrite in (0, 1)]
        else:
            texts = [
                (ROOT / "articles" / "demo" / name).read_text(encoding="utf-8")
                for name in ("original.txt", "rewritten.txt")
            ]
        began = time.perf_counter()
        versions = [
            import_version(story=story, text=text, label=label, url=url, created_by=editor)
            for text, label, url in zip(texts, ("Original", "Rewrite"), URLS, strict=True)
        ]
        print(
            f"versions: {sum(v.sentences.count() for v in versions):,} sentences in all "
            f"(imported in {time.perf_counter() - began:.1f} s)"
        )
        data = hypothesis_file(versions, args.annotations, random.Random(12))
        print(f"file: {len(data):,} bytes, {args.annotations:,} annotations")
        print(f"load average before: {load()}")

        client = Client()
        client.force_login(editor)
        upload = SimpleUploadedFile("bench.json", data, content_type="application/json")
        wall, cpu = time.perf_counter(), time.process_time()
        response = client.post(f"/stories/{story.pk}/import/annotations/", {"file": upload})
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 302, response.status_code
        print(
            f"request (upload, queue the job): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU"
        )

        job = ImportJob.objects.get(story=story, kind="annotations")
        stages: dict[str, list[float]] = {}  # stage -> [wall, CPU]
        real_progress, real_store = import_jobs._progress, webannotation.store_import
        clock = {"stage": None, "at": 0.0, "cpu": 0.0}

        def lap(stage):
            now, cpu = time.perf_counter(), time.process_time()
            if clock["stage"] is not None:
                spent = stages.setdefault(clock["stage"], [0.0, 0.0])
                spent[0] += now - clock["at"]
                spent[1] += cpu - clock["cpu"]
            clock["stage"], clock["at"], clock["cpu"] = stage, now, cpu

        def timed_progress(job_id, attempt):
            report = real_progress(job_id, attempt)

            def progress(stage, fraction, detail):
                lap(stage)
                report(stage, fraction, detail)

            return progress

        def timed_store(prepared):
            lap("storing (one transaction: the story's row lock)")
            try:
                return real_store(prepared)
            finally:
                lap(None)

        import_jobs._progress, webannotation.store_import = timed_progress, timed_store
        wall, cpu = time.perf_counter(), time.process_time()
        if args.profile:
            import cProfile
            import pstats

            with cProfile.Profile() as profile:
                import_jobs.run(job.pk)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        else:
            import_jobs.run(job.pk)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        import_jobs._progress, webannotation.store_import = real_progress, real_store
        job.refresh_from_db()
        assert job.status == "succeeded", (job.status, job.error)
        print(
            f"job: {wall:.2f} s wall, {cpu:.2f} s CPU "
            f"({args.annotations / wall:,.0f} annotations/s)"
        )
        for stage, (took, cpu) in stages.items():
            print(f"  {stage}: {took:.2f} s wall, {cpu:.2f} s CPU")
        report = webannotation.ImportReport.from_record(job.annotation_import)
        print(f"report: {report.counts()}")

        if args.direct:
            again = Story.objects.create(title="Bench again", created_by=editor)
            for v in versions:
                import_version(
                    story=again, text=v.text, label=v.label, url=v.url, created_by=editor
                )
            wall, cpu = time.perf_counter(), time.process_time()
            webannotation.annotations_import(story=again, user=editor, data=data)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"direct annotations_import: {wall:.2f} s wall, {cpu:.2f} s CPU")
        print(f"load average after: {load()}")
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}"')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
