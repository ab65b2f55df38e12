"""Time of importing a large Hypothesis file (API search result) into a two-version story.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/annotation_import.py [--annotations 4000] [--keep-db]

It creates the database factcheck_h12n_bench (dropped at the end unless --keep-db),
migrates it, imports the two demo texts as versions with published URLs, and writes a
Hypothesis API search result of --annotations annotations: each quotes a run of words of
one version with 32 characters of prefix and suffix, names the version's URL, and has a
comment (every other one) and tags; every tenth is a reply. It prints the file's size,
the import's wall time (one transaction) and what the report says.
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
DB = "factcheck_h11-annjob_bench"
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotations", type=int, default=4000)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--profile", action="store_true", help="print the top 25 of cProfile")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS \"{DB}\"")
        conn.execute(f"CREATE DATABASE \"{DB}\"")
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

        from articles import webannotation
        from articles.models import Story
        from articles.versions import import_version

        editor = get_user_model().objects.create_superuser("bench", password="x")
        story = Story.objects.create(title="Bench", created_by=editor)
        versions = [
            import_version(
                story=story,
                text=(ROOT / "articles" / "demo" / name).read_text(encoding="utf-8"),
                label=name,
                url=url,
                created_by=editor,
            )
            for name, url in zip(("original.txt", "rewritten.txt"), URLS, strict=True)
        ]
        data = hypothesis_file(versions, args.annotations, random.Random(12))
        began = time.perf_counter()
        if args.profile:
            import cProfile
            import pstats

            with cProfile.Profile() as profile:
                report = webannotation.annotations_import(story=story, user=editor, data=data)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        else:
            report = webannotation.annotations_import(story=story, user=editor, data=data)
        took = time.perf_counter() - began
        print(f"file: {len(data):,} bytes, {args.annotations:,} annotations")
        print(f"import: {took:.2f} s ({args.annotations / took:,.0f} annotations/s)")
        print(f"report: {report.counts()}")
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS \"{DB}\"")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
