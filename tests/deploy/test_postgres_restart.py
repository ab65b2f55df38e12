"""Fault test, CI-sized: PostgreSQL restarts while reviewers write through gunicorn.

Eight reviewers (threads, one logged-in httpx client each) mark claims, save verdicts
and poll for about ten seconds; after three, the PostgreSQL cluster is restarted (fast
mode). Requests meanwhile must be answered 503 with Retry-After, never 500. A write
answered 503 is sent again, unchanged, until it gets an answer: that answer must report
it saved (a claim create is idempotent by construction; a verdict save that would change
nothing is "saved" whatever its revision), never a conflict. Finally every acknowledged
claim and the last acknowledged verdict of each reviewer on each claim must be in the
database, with the revision the client expects.

Needs PostgreSQL (DATABASE_URL) and root, for pg_ctlcluster; .ci/run has both. The
restart drops every connection to the cluster, other test runs' too.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
import psycopg
import pytest

from tests.deploy import harness

REVIEWERS = 8
RUN_SECONDS = 10.0
RESTART_AFTER = 3.0

pytestmark = pytest.mark.skipif(
    harness.postgres_url() is None
    or os.geteuid() != 0
    or shutil.which("pg_ctlcluster") is None
    or not os.path.isdir("/etc/postgresql"),
    reason="needs PostgreSQL (DATABASE_URL) and root to restart it (.ci/run)",
)


def pg_ready() -> bool:
    command = ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]
    return subprocess.run(command, check=False, timeout=10).returncode == 0  # noqa: S603


def pg_ctl(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    if action == "restart":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, timeout=120)  # noqa: S603 -- fixed arguments


def restart_postgres() -> float:
    """Restart the cluster; return how long it took until pg_isready said yes."""
    started = time.monotonic()
    try:
        pg_ctl("restart")
    finally:
        deadline = time.monotonic() + 60
        while not pg_ready() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not pg_ready():  # never leave the cluster down
            pg_ctl("start")
    return time.monotonic() - started


@dataclass(eq=False)  # threads must stay hashable
class Reviewer(threading.Thread):
    name_: str
    base: str
    version: int
    spans: list[tuple[int, int]]
    text: str
    stop_at: float
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    claims: dict[int, tuple[int, int]] = field(default_factory=dict)  # acknowledged
    verdicts: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # acknowledged
    retried_writes: int = 0

    def __post_init__(self):
        threading.Thread.__init__(self, daemon=True)
        self.rng = random.Random(self.name_)
        self.client = httpx.Client(timeout=30)
        self.saves = 0

    def send(self, method: str, url: str, data: dict | None = None, htmx: bool = False):
        """Send until the answer is not a 503; return it, and whether a 503 came first."""
        headers = {"X-CSRFToken": self.client.cookies.get("csrftoken", "")}
        if htmx:
            headers["HX-Request"] = "true"
        unavailable = False
        deadline = self.stop_at + 30
        while True:
            response = self.client.request(method, self.base + url, data=data, headers=headers)
            self.statuses[response.status_code] += 1
            if response.status_code >= 500 and response.status_code != 503:
                self.problems.append(f"{response.status_code} for {method} {url}")
            if response.status_code == 503:
                if response.headers.get("Retry-After") is None:
                    self.problems.append(f"503 without Retry-After for {method} {url}")
                unavailable = True
                if time.monotonic() > deadline:
                    self.problems.append(f"{method} {url} still 503 after the restart")
                    return response, unavailable
                time.sleep(0.3)  # sooner than Retry-After: the test is short
                continue
            return response, unavailable

    def create_claim(self) -> None:
        start, end = self.rng.choice(self.spans)
        data = {"start": start, "end": end, "exact": self.text[start:end]}
        response, retried = self.send("POST", f"/versions/{self.version}/claims/new/", data)
        match = re.search(r"[?&]claim=(\d+)", response.headers.get("location", ""))
        if response.status_code != 302 or not match:
            self.problems.append(f"claim create answered {response.status_code}")
            return
        self.claims[int(match[1])] = (start, end)
        self.retried_writes += retried

    def save_verdict(self) -> None:
        claim = self.rng.choice(sorted(self.claims))
        previous = self.verdicts.get(claim)
        self.saves += 1
        rating = self.rng.choice(["accurate", "mixed", "inaccurate", "unverifiable"])
        rationale = f"{self.name_}, save {self.saves}"
        data = {
            "rating": rating,
            "rationale": rationale,
            "revision": "" if previous is None else str(previous[2]),
            "sources-TOTAL_FORMS": "1",
            "sources-INITIAL_FORMS": "0",
            "sources-0-url": f"https://example.org/{self.name_}/{self.saves}",
            "sources-0-stance": "supports",
        }
        response, retried = self.send("POST", f"/claims/{claim}/verdict/", data, htmx=True)
        if response.status_code != 200 or "Verdict saved." not in response.text:
            self.problems.append(
                f"verdict save answered {response.status_code}"
                + (" after a 503: a retry must be told 'saved'" if retried else "")
            )
            return
        revision = 1 if previous is None else previous[2] + 1
        self.verdicts[claim] = (rating, rationale, revision)
        self.retried_writes += retried

    def run(self) -> None:
        try:
            while time.monotonic() < self.stop_at:
                roll = self.rng.random()
                if roll < 0.3 or not self.claims:
                    self.create_claim()
                elif roll < 0.75:
                    self.save_verdict()
                else:
                    self.send("GET", f"/versions/{self.version}/live/?rev=0", htmx=True)
        except Exception as exc:  # noqa: BLE001 -- reported by the test, not lost in a thread
            self.problems.append(f"{type(exc).__name__}: {exc}")


def word_spans(text: str, rng: random.Random, count: int) -> list[tuple[int, int]]:
    words = [m.span() for m in re.finditer(r"\w+(?: \w+){1,3}", text)]
    return rng.sample(words, min(count, len(words)))


def test_postgres_restart_under_load_loses_no_write_and_answers_503(tmp_path):
    db = harness.database(tmp_path, "restart", "postgres")
    app = None
    try:
        env = harness.app_env(db)
        world = harness.prepare(env, reviewers=REVIEWERS)
        app = harness.Gunicorn(env, tmp_path, workers=2, threads=4).start()
        spans = word_spans(world["text"], random.Random(16), 30)
        stop_at = time.monotonic() + 60  # replaced once everyone is logged in
        reviewers = [
            Reviewer(f"reviewer{i:02d}", app.url, world["version"], spans, world["text"], stop_at)
            for i in range(REVIEWERS)
        ]
        for reviewer in reviewers:
            assert harness.login(reviewer.client, app.url, reviewer.name_) == 302
            reviewer.stop_at = time.monotonic() + RUN_SECONDS
        for reviewer in reviewers:
            reviewer.start()
        time.sleep(RESTART_AFTER)
        downtime = restart_postgres()
        for reviewer in reviewers:
            reviewer.join(timeout=120)

        statuses = sum((r.statuses for r in reviewers), Counter())
        retried = sum(r.retried_writes for r in reviewers)
        print(
            f"\nPostgreSQL restart took {downtime:.2f} s; statuses {dict(statuses)}; "
            f"writes retried after a 503: {retried}"
        )
        problems = [f"{r.name_}: {p}" for r in reviewers for p in r.problems]
        assert not problems, problems
        assert statuses[503] > 0, "the restart was not noticed: the test proves nothing"
        assert not [s for s in statuses if s >= 500 and s != 503]

        with psycopg.connect(db, connect_timeout=10) as conn:
            for reviewer in reviewers:
                for claim_id, (start, end) in reviewer.claims.items():
                    row = conn.execute(
                        'SELECT start, "end" FROM articles_claim WHERE id = %s', [claim_id]
                    ).fetchone()
                    assert row == (start, end), (reviewer.name_, claim_id)
                for claim_id, expected in reviewer.verdicts.items():
                    row = conn.execute(
                        "SELECT v.rating, v.rationale, v.revision FROM articles_verdict v"
                        " JOIN auth_user u ON u.id = v.reviewer_id"
                        " WHERE v.claim_id = %s AND u.username = %s",
                        [claim_id, reviewer.name_],
                    ).fetchone()
                    assert row == expected, (reviewer.name_, claim_id)
                    sources = conn.execute(
                        "SELECT count(*) FROM articles_source s JOIN articles_verdict v"
                        " ON v.id = s.verdict_id JOIN auth_user u ON u.id = v.reviewer_id"
                        " WHERE v.claim_id = %s AND u.username = %s",
                        [claim_id, reviewer.name_],
                    ).fetchone()
                    assert sources == (1,), (reviewer.name_, claim_id)
    finally:
        if app is not None:
            app.stop()
        if not pg_ready():
            pg_ctl("start")
        harness.drop_database(db)
        # The restart also ended this process's connections (pytest-django's test
        # database): the next test must open new ones.
        from django.db import connections

        connections.close_all()
