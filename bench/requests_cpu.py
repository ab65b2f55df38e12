"""CPU per request of the load's reviewer mix, through the Django test client.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/requests_cpu.py [--runs 30] [--claims 80] [--profile "claim create"]

It creates the database factcheck_requests_cpu (``--db``; dropped at the end unless
--keep-db), seeds the story ``bench/load.py`` seeds (the same generated text and its
rewrite, imported and aligned, 50 reviewers) with --claims claims marked through the
app's own code (half of them judged by two reviewers), as a story looks after a minute
of the realistic load. Then each request of the realistic mix is made --runs times as
a reviewer, with another reviewer's write between two polls where the request answers
one: the live poll (the version's revision moved on by another reviewer's verdict; and
nothing new but who else is here, 24 others), the
suggestions list, the claim panel, the panel's verdicts, a verdict save (a new verdict,
then edits), a claim create (a fresh span each time) and the reading view.

For each it prints the p50 and p95 of the CPU time spent on it, split into this process
(the app's Python work, what gunicorn's workers spend) and the PostgreSQL backend serving
it (from /proc/<pid>/schedstat), with the query count and the size of the answer. CPU
time is what a busy machine hardly inflates, and what 50 reviewers queue for on 2 cores.
Background tasks a request queues (django-tasks) are run after it, outside its figure,
and their CPU is printed apart. ``--profile NAME`` prints cProfile's top functions of that
request (cumulative time) over its runs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"

# The load test's story (this directory is on sys.path when run).
from load import (  # noqa: E402
    RATINGS,
    SUGGESTIONS_FP,
    VERDICTS_REV,
    generate_text,
    rewrite,
    span_pool,
)

HX = {"HTTP_HX_REQUEST": "true"}


def on_cpu_ns(pid: int | None) -> int:
    """Nanoseconds a local process has spent on a CPU (Linux schedstat); 0 if unreadable."""
    if pid is None:
        return 0
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return pid if Path(f"/proc/{pid}/schedstat").exists() else None


def seed(n_claims: int, reviewers: int, rng: random.Random):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from articles import reviewing
    from articles.models import EDITORS_GROUP, REVIEWERS_GROUP, Story
    from articles.versions import import_version

    users = get_user_model()
    editor = users.objects.create_user("bench-editor")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    people = [users.objects.create_user(f"reviewer{i:02d}") for i in range(reviewers)]
    Group.objects.get_or_create(name=REVIEWERS_GROUP)[0].user_set.add(*people)
    story = Story.objects.create(title="Load test story", created_by=editor)
    story.members.add(*people)
    text = generate_text(rng)
    first = import_version(story=story, text=text, label="Original", created_by=editor)
    second = import_version(
        story=story, text=rewrite(rng, text), label="Rewrite", created_by=editor
    )
    pools = {v.pk: span_pool(rng, v.text, 400) for v in (first, second)}
    for i in range(n_claims):
        version = (first, second)[i % 2]
        start, end = pools[version.pk].pop(rng.randrange(len(pools[version.pk])))
        claim, _ = reviewing.claim_create(
            version=version,
            user=people[i % reviewers],
            start=start,
            end=end,
            exact=version.text[start:end],
        )
        if i % 2 == 0:
            for reviewer in (people[(i + 1) % reviewers], people[(i + 2) % reviewers]):
                reviewing.verdict_save(
                    claim=claim,
                    user=reviewer,
                    rating=rng.choice(RATINGS),
                    rationale="Checked against the council's figures.",
                    sources=[{"url": f"https://example.org/{i}", "title": "Report"}],
                    revision=None,
                )
    return story, (first, second), people, pools


class Bench:
    def __init__(self, story, versions, people, pools, rng):
        from django.test import Client

        self.story, self.versions, self.people, self.pools, self.rng = (
            story,
            versions,
            people,
            pools,
            rng,
        )
        self.me, self.other = people[0], people[1]
        self.client = Client()
        self.client.force_login(self.me)
        self.version = versions[0]
        self.saves = 0

    def claim(self):
        return self.rng.choice(list(self.version.claims.values_list("pk", flat=True)))

    def revision(self) -> int:
        return type(self.story).objects.values_list("revision", flat=True).get(pk=self.story.pk)

    def elsewhere(self) -> None:
        """Another reviewer's verdict on a claim of the other version: the revision moves on."""
        from articles import reviewing
        from articles.models import Verdict

        claim = self.versions[1].claims.order_by("?").first()
        mine = Verdict.objects.filter(claim=claim, reviewer=self.other).first()
        reviewing.verdict_save(
            claim=claim,
            user=self.other,
            rating=self.rng.choice(RATINGS),
            rationale=f"Elsewhere {self.rng.random()}",
            sources=[],
            revision=mine.revision if mine else None,
        )
        run_tasks()

    # Each request: (setup outside the figure) -> (method, url, data, headers).
    def live_poll(self):
        rev = self.revision()
        self.elsewhere()
        return (
            "get",
            f"/versions/{self.version.pk}/live/",
            {
                "rev": rev,
                "tab": "bench0001",
                "presence": "none",
                "claim": self.claim(),
            },
            HX,
        )

    def live_poll_presence(self):
        """Nothing new but who's here: 24 others on the version, one of whom has just
        opened another claim (in the realistic load most polls answer this)."""
        from django.utils import timezone

        from articles.models import Presence

        claims = list(self.version.claims.values_list("pk", flat=True))
        for k, person in enumerate(self.people[1:25]):
            Presence.objects.update_or_create(
                version=self.version,
                user=person,
                tab=f"bench{k:04d}",
                defaults={"claim_id": self.rng.choice(claims), "seen_at": timezone.now()},
            )
        params = {"rev": self.revision(), "tab": "bench0001", "presence": "stale"}
        return "get", f"/versions/{self.version.pk}/live/", params | {"claim": self.claim()}, HX

    def suggestions(self):
        return "get", f"/versions/{self.version.pk}/suggestions/", None, HX

    def suggestions_unchanged(self):
        """The refetch of a page whose list is still right (it sends what it shows)."""
        url = f"/versions/{self.version.pk}/suggestions/"
        m = SUGGESTIONS_FP.search(self.client.get(url, **HX).content.decode())
        return "get", url, {"fp": m.group(1)} if m else None, HX

    def claim_panel(self):
        return "get", f"/claims/{self.claim()}/", None, HX

    def verdicts(self):
        return "get", f"/claims/{self.claim()}/verdicts/", None, HX

    def verdicts_unchanged(self):
        """The refetch of an open panel whose claim has not changed since it was opened."""
        claim = self.claim()
        m = VERDICTS_REV.search(self.client.get(f"/claims/{claim}/", **HX).content.decode())
        return "get", f"/claims/{claim}/verdicts/", {"rev": m.group(1)} if m else None, HX

    def verdict_save(self):
        from articles.models import Verdict

        claim = self.claim()
        mine = Verdict.objects.filter(claim_id=claim, reviewer=self.me).first()
        self.saves += 1
        data = {
            "rating": self.rng.choice(RATINGS),
            "rationale": f"Save {self.saves}: café 🚀\nline two",
            "revision": "" if mine is None else str(mine.revision),
            "sources-TOTAL_FORMS": "1",
            "sources-INITIAL_FORMS": "0",
            "sources-MIN_NUM_FORMS": "0",
            "sources-MAX_NUM_FORMS": "1000",
            "sources-0-url": f"https://example.org/save/{self.saves}",
            "sources-0-title": "Source",
            "sources-0-stance": "supports",
            "save": "1",
        }
        return "post", f"/claims/{claim}/verdict/", data, HX

    def claim_create(self):
        pool = self.pools[self.version.pk]
        start, end = pool.pop(self.rng.randrange(len(pool)))
        data = {"start": start, "end": end, "exact": self.version.text[start:end]}
        return "post", f"/versions/{self.version.pk}/claims/new/", data, HX

    def reading_view(self):
        return "get", f"/versions/{self.version.pk}/", None, {}

    REQUESTS = {
        "live poll": live_poll,
        "live poll, who's here": live_poll_presence,
        "suggestions": suggestions,
        "suggestions again": suggestions_unchanged,
        "claim panel": claim_panel,
        "verdicts": verdicts,
        "verdicts again": verdicts_unchanged,
        "verdict save": verdict_save,
        "claim create": claim_create,
        "reading view": reading_view,
    }


def run_tasks() -> float:
    """Run the queued background tasks (as the worker does); return their CPU seconds."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench",
        excluded_queue_names=[],
    )
    t0 = time.process_time()
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
    return time.process_time() - t0


def pct(values, q) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def measure(bench: Bench, runs: int, only: list[str], profile: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pid = backend_pid()
    print(
        f"{'request':<18} {'app p50':>8} {'app p95':>8} {'db p50':>7} {'db p95':>7} "
        f"{'tot p50':>8} {'tot p95':>8} {'status':>6} {'queries':>8} {'bytes':>8} {'tasks p50':>10}"
    )
    for name, make in Bench.REQUESTS.items():
        if only and name not in only:
            continue
        app, db, total, tasks = [], [], [], []
        profiler = cProfile.Profile(time.process_time) if name == profile else None
        for i in range(runs + 1):  # the first is a warm-up
            method, url, data, headers = make(bench)
            client = getattr(bench.client, method)
            t_db, t_app = on_cpu_ns(pid), time.process_time()
            with CaptureQueriesContext(connection) as ctx:
                if profiler and i:
                    profiler.enable()
                response = client(url, data, **headers) if data else client(url, **headers)
                if profiler and i:
                    profiler.disable()
            spent_app = time.process_time() - t_app
            spent_db = (on_cpu_ns(pid) - t_db) / 1e9
            assert response.status_code in (200, 204), (name, response.status_code)
            queries, size = len(ctx.captured_queries), len(response.content)
            status = response.status_code
            spent_tasks = run_tasks()
            if i:
                app.append(spent_app)
                db.append(spent_db)
                total.append(spent_app + spent_db)
                tasks.append(spent_tasks)
        print(
            f"{name:<18} {statistics.median(app) * 1e3:>8.1f} {pct(app, 0.95) * 1e3:>8.1f} "
            f"{statistics.median(db) * 1e3:>7.1f} {pct(db, 0.95) * 1e3:>7.1f} "
            f"{statistics.median(total) * 1e3:>8.1f} {pct(total, 0.95) * 1e3:>8.1f} "
            f"{status:>6} {queries:>8} {size:>8,} {statistics.median(tasks) * 1e3:>10.1f}",
            flush=True,
        )
        if name == os.environ.get("SHOW_QUERIES"):
            for q in ctx.captured_queries:
                print(f"  {q['time']:>6} {q['sql'][:300]}")
        if profiler:
            if dump := os.environ.get("PROFILE_DUMP"):
                profiler.dump_stats(dump)
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(70)
            print(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--claims", type=int, default=80)
    parser.add_argument("--reviewers", type=int, default=50)
    parser.add_argument("--only", default="", help="comma-separated request names")
    parser.add_argument("--profile", default="", help="a request name: cProfile it")
    parser.add_argument("--db", default="factcheck_requests_cpu")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()

    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.db}"')
    os.environ["DATABASE_URL"] = f"{PG}/{args.db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings_test"
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    try:
        t0 = time.perf_counter()
        story, versions, people, pools = seed(args.claims, args.reviewers, rng)
        run_tasks()
        print(
            f"story: 2 versions of {len(versions[0].text):,} and {len(versions[1].text):,} "
            f"characters, {versions[0].sentences.count()} and {versions[1].sentences.count()} "
            f"sentences, {args.claims} claims, seeded in {time.perf_counter() - t0:.1f} s; "
            f"{args.runs} runs each (CPU ms)"
        )
        bench = Bench(story, versions, people, pools, rng)
        only = [w.strip() for w in args.only.split(",") if w.strip()]
        measure(bench, args.runs, only, args.profile)
    finally:
        if not args.keep_db:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')


if __name__ == "__main__":
    main()
