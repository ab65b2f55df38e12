"""Load test: concurrent reviewers against gunicorn + PostgreSQL, then check for lost writes.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user postgres, trust):

    .venv/bin/python bench/load.py [--clients 50] [--duration 60] [--workers 4 --threads 2]

It creates the database factcheck_load (dropped at the end unless --keep-db), migrates it,
collects static files (DEBUG is off, so the manifest storage needs them), seeds a story
with two generated versions and --clients reviewer accounts, starts gunicorn on a free
loopback port, logs every reviewer in once through the real login form, and runs the
reviewers for --duration seconds. Each reviewer is one thread with its own httpx client,
doing what a reviewer does: read a version, poll for changes, mark claims from word
spans shared with the others (so creates of one span race), open claim panels, save
verdicts with one or two sources (editing with the revision the form gave, sometimes a
stale one on purpose, which must get 409), move its own claims, and open the dashboard.

Plain threads with time.perf_counter are used instead of Locust: every write's
acknowledgement must be recorded exactly, per reviewer and in order, for the checker,
and that is a few lines with threads but a fight with Locust's event hooks and gevent.

Afterwards the checker compares what every client was told succeeded with the database:
every acknowledged claim exists once, on the span its author last moved it to, numbered
without gaps; every reviewer's verdict equals its last acknowledged save (rating,
rationale, revision, sources); nothing exists that no client was told about. A request
whose outcome is unknown (no response, or a 5xx) may or may not have been applied; the
checker accepts either, and reports how many there were. Exits 1 on any loss, duplicate,
phantom or 5xx.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
# The interpreter running this script (the project's virtualenv), and its gunicorn.
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PG = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "load-test-password-not-secret"
HTMX = {"HX-Request": "true"}
RATINGS = [
    "accurate",
    "mostly_accurate",
    "mixed",
    "mostly_inaccurate",
    "inaccurate",
    "unverifiable",
]
STANCES = ["supports", "refutes", "context"]
# Endpoints shown in the closing table, in this order.
ENDPOINTS = [
    "reading view",
    "claim panel",
    "dashboard",
    "live poll",
    "event stream",
    "suggestions",
    "verdicts",
    "claim create",
    "claim move",
    "verdict save",
    "login",
]


# ---------------------------------------------------------------------------- text


WORDS = [
    "council",
    "harbour",
    "wall",
    "vote",
    "budget",
    "million",
    "homes",
    "flood",
    "tide",
    "engineer",
    "mayor",
    "report",
    "survey",
    "residents",
    "street",
    "school",
    "bridge",
    "river",
    "storm",
    "cost",
    "delay",
    "contract",
    "minister",
    "census",
    "figure",
    "café",
    "naïve",
    "São",
    "Paulo",
    "Zürich",
    "Åsa",
    "Øresund",
    "Ελλάδα",
    "Москва",
    "東京",
    "أخبار",
    "שלום",
    "señora",
]
NUMBERS = ["£4.2m", "3,400", "eighteen", "2,000", "20,000", "42%", "1998", "12.5"]
EMOJI = ["🚀", "🌊", "🏛️", "👩🏽‍⚖️"]


def generate_text(rng: random.Random, paragraphs: int = 24) -> str:
    """Paragraphs of sentences with non-ASCII words, numbers and emoji between them."""
    out = [f"Harbour town story {rng.randrange(10**6)}"]
    for _ in range(paragraphs):
        sentences = []
        for _ in range(rng.randint(3, 5)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(7, 14))]
            words.insert(rng.randrange(len(words)), rng.choice(NUMBERS))
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words)), rng.choice(EMOJI))
            sentence = " ".join(words)
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


def rewrite(rng: random.Random, text: str) -> str:
    """A second version: some words swapped, some numbers changed."""
    words = text.split(" ")
    for i in range(len(words)):
        if rng.random() < 0.08:
            words[i] = rng.choice(WORDS + NUMBERS)
    return " ".join(words).replace("Harbour town story", "Coastal town story", 1)


def _is_word(ch: str) -> bool:
    # The same rule as articles.text.anchoring: spans on these boundaries are not snapped.
    return ch.isalnum() or ch in "_'’-"


def word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, ch in enumerate(text + " "):
        if _is_word(ch) and start is None:
            start = i
        elif not _is_word(ch) and start is not None:
            spans.append((start, i))
            start = None
    return spans


def span_pool(rng: random.Random, text: str, size: int) -> list[tuple[int, int]]:
    """Distinct claimable spans of 2-6 whole words within one paragraph."""
    words = word_spans(text)
    pool: set[tuple[int, int]] = set()
    for _ in range(size * 20):
        if len(pool) >= size:
            break
        i = rng.randrange(len(words) - 6)
        j = i + rng.randint(1, 5)
        start, end = words[i][0], words[j][1]
        if "\n" not in text[start:end]:
            pool.add((start, end))
    return sorted(pool)


# ---------------------------------------------------------------------------- setup


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(
    db_name: str, poll_ms: int = 3000, push: bool = False, stream_poll_ms: int = 15000
) -> dict:
    env = dict(os.environ)
    env["LIVE_PUSH"] = "1" if push else "0"
    env.update(
        DJANGO_SETTINGS_MODULE="factcheck.settings",
        DATABASE_URL=f"{PG}/{db_name}",
        DEBUG="0",
        SECRET_KEY="load-test-only-not-secret-" + "x" * 40,
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        ALLOWED_HOSTS="127.0.0.1",
        LIVE_POLL_MS=str(poll_ms),
        LIVE_STREAM_POLL_MS=str(stream_poll_ms),
        CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def pg_admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def create_database(db_name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{db_name}"')


def drop_database(db_name: str) -> None:
    with contextlib.suppress(psycopg.Error):
        pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def manage(env: dict, *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, timeout=240)


def django_setup(env: dict) -> None:
    """Point this process's Django at the load database (for seeding and checking)."""
    for key in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DEBUG", "SECRET_KEY", "LOG_LEVEL"):
        os.environ[key] = env[key]
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


@dataclass
class World:
    story_id: int
    versions: dict[int, list[tuple[int, int]]]  # version pk -> claimable spans
    texts: dict[int, str]
    usernames: list[str]


def seed(clients: int, rng: random.Random) -> World:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection

    from articles.models import EDITORS_GROUP, REVIEWERS_GROUP, Story
    from articles.versions import import_version

    User = get_user_model()
    editors = Group.objects.get_or_create(name=EDITORS_GROUP)[0]
    reviewers = Group.objects.get_or_create(name=REVIEWERS_GROUP)[0]
    editor = User.objects.create_user("load-editor", password=PASSWORD)
    editor.groups.add(editors)
    # One hash for every account: hashing 50 passwords would cost as much as the run.
    hashed = make_password(PASSWORD)
    names = [f"reviewer{i:02d}" for i in range(clients)]
    users = User.objects.bulk_create(User(username=n, password=hashed) for n in names)
    reviewers.user_set.add(*users)
    story = Story.objects.create(title="Load test story", created_by=editor)
    story.members.add(*users)
    text = generate_text(rng)
    first = import_version(story=story, text=text, label="Original", created_by=editor)
    second = import_version(
        story=story, text=rewrite(rng, text), label="Rewrite", created_by=editor
    )
    versions = {v.pk: span_pool(rng, v.text, 90) for v in (first, second)}
    connection.close()
    return World(story.pk, versions, {first.pk: first.text, second.pk: second.text}, names)


def stop_process(proc: subprocess.Popen | None) -> None:
    """SIGTERM, then SIGKILL if it has not ended within 15 s."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_until_up(server, name: str, wait: float) -> None:
    """Wait until the server's login page answers 200; stop it and raise if it does not
    within ``wait`` seconds or its process ends (not left behind when only slow)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/login/", timeout=5).status_code == 200:
                return
        if server.proc.poll() is not None:
            break
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"{name} did not start; see {server.log_path}")


class Server:
    """gunicorn on a loopback port, started and stopped by this script only."""

    def __init__(self, env: dict, workers: int, threads: int, log_dir: str):
        self.env, self.workers, self.threads = env, workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / "gunicorn.log"
        self.proc: subprocess.Popen | None = None

    def start(self, wait: float = 180) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                GUNICORN,
                "factcheck.wsgi:application",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                # Browsers talk to nginx, which keeps an idle connection 30 s
                # (deploy/nginx.conf): with gunicorn's default of 2 s, a poll every 3 s
                # would race the server's close on a reused connection (ReadError).
                "--keep-alive",
                "30",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until_up(self, "gunicorn", wait)

    def worker_pids(self) -> list[int]:
        assert self.proc
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            return [int(p) for p in path.read_text().split()]
        return []

    def stop(self) -> None:
        stop_process(self.proc)

    def log_errors(self) -> list[str]:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines() if "Internal Server Error" in line]


class EventsServer:
    """uvicorn serving the event stream (``--push``), as docker-compose's ``events`` service."""

    def __init__(self, env: dict, workers: int, log_dir: str):
        # Under ASGI a request's thread ends with it: no persistent connections there.
        self.env = env | {"CONN_MAX_AGE": "0"}
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_dir) / "uvicorn.log"
        self.proc: subprocess.Popen | None = None

    def start(self, wait: float = 120) -> None:
        log = open(self.log_path, "a")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "uvicorn"),
                "factcheck.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                "--no-access-log",
                "--timeout-graceful-shutdown",
                "3",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until_up(self, "uvicorn", wait)

    def pids(self) -> list[int]:
        assert self.proc
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            return [self.proc.pid, *(int(p) for p in path.read_text().split())]
        return [self.proc.pid]

    def stop(self) -> None:
        stop_process(self.proc)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (their own, not their children's)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


# ---------------------------------------------------------------------------- clients


@dataclass
class Attempt:
    """One write: ``ok`` True if acknowledged, None if the outcome is unknown."""

    seq: int
    ok: bool | None
    data: dict


@dataclass
class Stats:
    samples: dict[str, list[tuple[float, float, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # endpoint -> (finished at, seconds, status; 0 for no response)
    lock: threading.Lock = field(default_factory=threading.Lock)
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, endpoint: str, seconds: float, status: int) -> None:
        with self.lock:
            self.samples[endpoint].append((time.monotonic(), seconds, status))


CLAIM_ID = re.compile(r'class="claim-panel" data-claim="(\d+)"')
MOVE_REVISION = re.compile(r'id="claim-move-form".*?name="revision" value="(\d+)"', re.S)
VERDICT_FORM = re.compile(r'<div id="my-verdict".*', re.S)
REVISION = re.compile(r'name="revision" value="(\d+)"')
SOURCE_ID = re.compile(r'name="sources-(\d+)-id" value="(\d+)"')
SOURCE_URL = re.compile(r'name="sources-(\d+)-url" value="([^"]*)"')
LIVE_REV = re.compile(r"\?rev=(\d+)")
# A claim's list item, in a full page or in a live update.
CLAIM_ITEM = re.compile(r'<li class="claim-item[^>]*data-claim="(\d+)"')
FINGERPRINT = re.compile(r'data-fingerprint="([^"]*)"')
# What the page's suggestion list and the open panel's verdicts show (sent back when they
# refetch, as htmx does: the list's hidden input, the verdicts region's URL).
SUGGESTIONS_FP = re.compile(r'id="suggestions-fp" name="fp" value="([^"]*)"')
VERDICTS_REV = re.compile(r'/verdicts/\?rev=(\d+)"')
VERDICTS_TRIGGER = re.compile(r'<div id="verdicts"[^>]*data-hx-trigger="([^"]*)"')


@dataclass
class Watch:
    """When each write was acknowledged, and how long until other reviewers' pages showed it."""

    acks: dict[int, list[tuple[float, str]]] = field(default_factory=lambda: defaultdict(list))
    delays: list[float] = field(default_factory=list)
    notices: int = 0
    pushes: int = 0  # pushed updates applied
    push_delays: list[float] = field(default_factory=list)  # commit -> page, pushed
    nudges: int = 0  # pushed notices that made the page poll
    panels: int = 0  # pushed updates whose open claim's verdicts the page swapped in
    # Live poll answers (realistic mode): 204, who's here only, or changes redrawn.
    polls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked(self, claim_id: int, writer: str) -> None:
        with self.lock:
            self.acks[claim_id].append((time.monotonic(), writer))

    def seen(self, reader, claim_ids: set[int], at: float) -> None:
        """``reader``'s page shows these claims as of ``at``: every write before it is seen."""
        with self.lock:
            for claim_id in claim_ids:
                since = max(reader.synced.get(claim_id, 0.0), reader.page_loaded_at)
                for t, writer in self.acks.get(claim_id, ()):
                    if writer != reader.username and since < t <= at:
                        self.delays.append(at - t)
                reader.synced[claim_id] = at


class Reviewer(threading.Thread):
    def __init__(
        self,
        index: int,
        username: str,
        world: World,
        base_url: str,
        stats: Stats,
        *,
        mode: str = "closed",
        poll_every: float = 3.0,
        stream_poll: float = 15.0,
        watch: Watch | None = None,
        events_url: str | None = None,
    ):
        super().__init__(name=username, daemon=True)
        self.mode, self.poll_every, self.watch = mode, poll_every, watch or Watch()
        # live.js: while the stream is open, the beat's polls go at most this often.
        self.stream_poll, self.last_poll = stream_poll, 0.0
        # Push (--push): the page's event stream, read by a thread of its own as the
        # browser does; what it asks for (a poll, the suggestions, the open claim's
        # verdicts) the page's main thread sends, as htmx would.
        self.events_url = events_url
        self.page_lock = threading.RLock()
        self.wake = threading.Event()
        self.todo: set[str] = set()
        self.refresh_at: float | None = None
        self.last_refresh = 0.0
        # What a browser's page holds: its version, when it loaded, its open claim.
        self.version = list(world.versions)[index % len(world.versions)]
        self.page_loaded_at = 0.0
        self.synced: dict[int, float] = {}
        self.open_claim: int | None = None
        self.tab = f"bench{index:04d}"
        self.fingerprint = ""
        self.suggestions_fp = ""  # of the suggestion list the page shows
        self.suggestions_now = None  # of the list there is, as the last pushed update said
        self.verdicts_rev = ""  # of the open panel's verdicts
        self.verdicts_events = {"claims-changed", "claim-changed"}  # that refetch them
        self.index, self.username, self.world, self.stats = index, username, world, stats
        self.rng = random.Random(1000 + index)
        self.http = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)
        self.deadline = 0.0
        self.seq = 0
        self.rev = 0
        # What this client was told: claim creates, its moves, its verdict saves.
        self.creates: list[Attempt] = []
        self.moves: dict[int, list[Attempt]] = defaultdict(list)
        self.verdicts: dict[int, list[Attempt]] = defaultdict(list)
        self.known_claims: dict[int, int] = {}  # claim id -> version id
        self.my_claims: dict[int, dict] = {}  # claim id -> {"version", "revision"}
        self.verdict_state: dict[int, dict] = {}  # claim id -> {"revision", "sources"}
        self.conflicts = defaultdict(int)  # "expected"/"unexpected" 409s
        self.unknown = 0
        self.paused = threading.Event()
        self.streaming = False  # the page's event stream is open (live.js: readyState OPEN)
        self.last_event = 0.0  # when its last event came (time.monotonic)

    # ---- plumbing

    def request(self, endpoint: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            response = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.stats.add(endpoint, time.perf_counter() - t0, 0)
            with self.stats.lock:
                self.stats.failures[f"{endpoint}: {type(exc).__name__}"] += 1
            return None
        self.stats.add(endpoint, time.perf_counter() - t0, response.status_code)
        return response

    def post(self, endpoint: str, url: str, data: dict, htmx: bool = True):
        headers = {"X-CSRFToken": self.http.cookies.get("csrftoken", "")}
        if htmx:
            headers |= HTMX
        return self.request(endpoint, "POST", url, data=data, headers=headers)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def login(self) -> None:
        # A busy machine hashes passwords slowly: a few tries, with a longer wait, before
        # giving up (one reviewer who cannot log in must not stop the others of its group).
        for _ in range(3):
            page = self.request("login", "GET", "/login/", timeout=120)
            if page is None or page.status_code != 200:
                continue
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            response = self.request(
                "login",
                "POST",
                "/login/",
                data={
                    "username": self.username,
                    "password": PASSWORD,
                    "csrfmiddlewaretoken": token,
                },
                timeout=120,
            )
            if response is not None and response.status_code == 302:
                return
        raise RuntimeError(f"{self.username} could not log in")

    # ---- actions

    def remember_revision(self, response: httpx.Response | None) -> None:
        if response is not None and response.status_code == 200:
            m = LIVE_REV.search(response.text)
            self.rev = int(m.group(1)) if m else self.rev

    def read(self, version: int | None = None) -> None:
        if version is None:
            version = self.rng.choice(list(self.world.versions))
        sent = time.monotonic()
        response = self.request("reading view", "GET", f"/versions/{version}/")
        with self.page_lock:
            self.remember_revision(response)
            if response is not None and response.status_code == 200:
                self.version, self.page_loaded_at, self.synced = version, sent, {}
                self.open_claim, self.fingerprint = None, ""
                self.suggestions_fp = self.verdicts_rev = ""
                self.learn(response.text)

    def learn(self, html: str) -> None:
        """Claims the page shows: a reviewer opens and judges these."""
        for claim_id in CLAIM_ITEM.findall(html):
            self.known_claims.setdefault(int(claim_id), self.version)

    def claims_here(self) -> list[int]:
        if self.mode == "closed":
            return list(self.known_claims)
        return [c for c, v in self.known_claims.items() if v == self.version]

    def poll(self, nudged: bool = False) -> None:
        if self.mode == "closed":
            version = self.rng.choice(list(self.world.versions))
            response = self.request(
                "live poll", "GET", f"/versions/{version}/live/?rev={self.rev}", headers=HTMX
            )
            self.remember_revision(response)
            return
        # As presence.js and htmx do: the page's tab, what it shows of who's here, its open
        # claim; then the requests the answer's events set off.
        if not nudged and self.streaming and time.monotonic() - self.last_poll < self.stream_poll:
            return  # live.js cancels the beat's poll while the stream is open
        self.last_poll = time.monotonic()
        with self.page_lock:
            sent = self.rev
        params = {"rev": sent, "tab": self.tab, "presence": self.fingerprint}
        if self.open_claim:
            params["claim"] = self.open_claim
        if self.streaming and not nudged:
            # live.js: the stream is open, its last event came so many ms ago (not said by
            # a poll the stream asked for).
            params["stream"] = str(min(int((time.monotonic() - self.last_event) * 1000), 10**9 - 1))
        response = self.request(
            "live poll", "GET", f"/versions/{self.version}/live/", params=params, headers=HTMX
        )
        if response is not None:
            outcome = {204: "nothing new", 200: "who's here only"}.get(response.status_code)
            if (
                response.status_code == 200
                and (m := LIVE_REV.search(response.text))
                and int(m.group(1)) != sent
            ):
                outcome = "changes"
            with self.watch.lock:
                self.watch.polls[outcome or str(response.status_code)] += 1
        if response is None or response.status_code != 200:
            return
        received = time.monotonic()
        with self.page_lock:
            if self.rev != sent:
                # live.js: a push replaced the live element while the poll was on its way;
                # the answer is not swapped in (it would take the page back to an older
                # revision), only its events go off. The next poll asks from the new one.
                with self.watch.lock:
                    self.watch.polls["dropped (a push came first)"] += 1
                return self.follow(response)
            self.remember_revision(response)
            if m := FINGERPRINT.search(response.text):
                self.fingerprint = m.group(1)
            self.watch.seen(self, {int(i) for i in CLAIM_ITEM.findall(response.text)}, received)
            self.learn(response.text)
        if 'id="live-notice"' in response.text:
            with self.watch.lock:
                self.watch.notices += 1
            return self.read(self.version)  # the reader follows "Refresh"
        self.follow(response)

    def follow(self, response: httpx.Response) -> None:
        """The requests an answer's events set off on the page, as htmx makes them."""
        self.follow_events(response.headers.get("HX-Trigger", ""))

    def follow_events(self, events: str) -> None:
        if "claims-changed" in events:
            params = {"fp": self.suggestions_fp} if self.suggestions_fp else None
            answer = self.request(
                "suggestions",
                "GET",
                f"/versions/{self.version}/suggestions/",
                params=params,
                headers=HTMX,
            )
            if answer is not None and answer.status_code == 200:
                m = SUGGESTIONS_FP.search(answer.text)
                self.suggestions_fp = m.group(1) if m else ""
        if self.open_claim and any(f'"{e}"' in events for e in self.verdicts_events):
            params = {"rev": self.verdicts_rev} if self.verdicts_rev else None
            answer = self.request(
                "verdicts",
                "GET",
                f"/claims/{self.open_claim}/verdicts/",
                params=params,
                headers=HTMX,
            )
            if answer is not None and answer.status_code == 200:
                m = VERDICTS_REV.search(answer.text)
                self.verdicts_rev = m.group(1) if m else ""

    def listen(self) -> None:
        """The page's EventSource: apply each pushed update, as static/js/live.js does."""
        client = httpx.Client(
            base_url=self.events_url,
            cookies=self.http.cookies,
            timeout=httpx.Timeout(10, read=60),
        )
        while time.monotonic() < self.deadline:
            t0 = time.perf_counter()
            try:
                with client.stream("GET", f"/versions/{self.version}/events/") as response:
                    self.stats.add("event stream", time.perf_counter() - t0, response.status_code)
                    if response.status_code != 200:
                        return  # as EventSource does: the page only polls from now on
                    self.streaming = True
                    for line in response.iter_lines():
                        if time.monotonic() >= self.deadline:
                            return
                        if line.startswith("data: "):
                            self.last_event = time.monotonic()
                            self.pushed(json.loads(line.removeprefix("data: ")))
            except httpx.HTTPError as exc:
                with self.stats.lock:
                    self.stats.failures[f"event stream: {type(exc).__name__}"] += 1
            finally:
                self.streaming = False
            time.sleep(1)  # the stream's "retry: 1000"

    def pushed(self, message: dict) -> None:
        received = time.monotonic()
        if message.get("noticed"):
            # From the commit (its notice reached uvicorn) to this page: the channel's share.
            with self.watch.lock:
                self.watch.push_delays.append(time.time() - message["noticed"])
        with self.page_lock:
            if message["revision"] <= self.rev:
                return
            if "html" not in message or message["since"] > self.rev:
                self.todo.add("poll")  # not the revision this page shows: ask the poll
                with self.watch.lock:
                    self.watch.nudges += 1
            else:
                html = message["html"]
                self.rev = message["revision"]
                self.watch.seen(self, {int(i) for i in CLAIM_ITEM.findall(html)}, received)
                self.learn(html)
                with self.watch.lock:
                    self.watch.pushes += 1
                if 'id="live-notice"' in html:
                    self.todo.add("refresh page")
                if self.open_claim in message["changed"]:
                    # live.js: the update carries the open claim's verdicts and notes when
                    # it can (the page swaps them in); otherwise they refetch.
                    regions = (message.get("panels") or {}).get(str(self.open_claim))
                    if regions is None:
                        self.todo.add("verdicts")
                    else:
                        if m := VERDICTS_REV.search(regions["verdicts"]):
                            self.verdicts_rev = m.group(1)
                        with self.watch.lock:
                            self.watch.panels += 1
                if message["refresh"]:
                    now = message.get("suggestions")
                    if isinstance(now, str) and isinstance(message.get("suggestion_list"), str):
                        # live.js: the update carries the list; the page swaps it in if it
                        # shows another one, and asks for nothing.
                        self.suggestions_fp = now
                    else:
                        # Without it: the page reloads its list if it is not that one, at
                        # most every 3 s, the last change included.
                        self.suggestions_now = now
                        if self.refresh_at is None:
                            self.refresh_at = max(received, self.last_refresh + 3.0)
        self.wake.set()

    def follow_up(self) -> None:
        """What pushed updates asked this page to fetch."""
        with self.page_lock:
            todo, self.todo = self.todo, set()
            refresh = self.refresh_at is not None and self.refresh_at <= time.monotonic()
            if refresh:
                self.refresh_at = None
                now = self.suggestions_now
                if now is not None and self.suggestions_fp and now == self.suggestions_fp:
                    refresh = False  # the page's list is still the one there is
                else:
                    self.last_refresh = time.monotonic()
        if "refresh page" in todo:
            with self.watch.lock:
                self.watch.notices += 1
            return self.read(self.version)
        if "poll" in todo:
            self.poll(nudged=True)
        # The same requests as an answer's events set off (htmx sends what the page shows:
        # the suggestion list's fingerprint, the verdicts' revision), on the same events:
        # "claims-changed" reloads the suggestions, "claim-changed" the open claim's verdicts.
        events = []
        if refresh:
            events.append('"claims-changed"')
        if "verdicts" in todo:
            events.append('"claim-changed"')
        if events:
            self.follow_events(", ".join(events))

    def dashboard(self) -> None:
        query = self.rng.choice(["", "?status=contested", "?reason=disagree", ""])
        self.request("dashboard", "GET", f"/stories/{self.world.story_id}/dashboard/{query}")

    def create_claim(self) -> None:
        version = (
            self.version if self.mode == "realistic" else self.rng.choice(list(self.world.versions))
        )
        start, end = self.rng.choice(self.world.versions[version])
        exact = self.world.texts[version][start:end]
        attempt = Attempt(self.next_seq(), None, {"version": version, "start": start, "end": end})
        self.creates.append(attempt)
        response = self.post(
            "claim create",
            f"/versions/{version}/claims/new/",
            {"start": start, "end": end, "exact": exact},
        )
        if response is None or response.status_code >= 500:
            self.unknown += 1
            return
        if response.status_code == 422:
            # The span is taken by a claim that moved there: the create opened nothing.
            attempt.ok = False
            return
        if response.status_code != 200 or not (m := CLAIM_ID.search(response.text)):
            attempt.ok = False
            return
        claim_id = int(m.group(1))
        created = "marked." in response.text
        attempt.ok = True
        attempt.data |= {"claim": claim_id, "created": created}
        self.known_claims[claim_id] = version
        if created:
            self.watch.acked(claim_id, self.username)
            self.my_claims[claim_id] = {"version": version, "revision": 1}

    def open_panel(self, claim_id: int) -> str | None:
        response = self.request("claim panel", "GET", f"/claims/{claim_id}/", headers=HTMX)
        if response is None or response.status_code != 200:
            return None
        self.open_claim = claim_id
        html = response.text
        m = VERDICTS_REV.search(html)
        self.verdicts_rev = m.group(1) if m else ""
        if m := VERDICTS_TRIGGER.search(html):
            self.verdicts_events = {t.split()[0] for t in m.group(1).split(",") if t.strip()}
        form = VERDICT_FORM.search(html)
        form_html = form.group(0) if form else ""
        m = REVISION.search(form_html)
        self.verdict_state[claim_id] = {
            "revision": int(m.group(1)) if m else None,
            "sources": _sources_in(form_html),
        }
        if claim_id in self.my_claims and (m := MOVE_REVISION.search(html)):
            self.my_claims[claim_id]["revision"] = int(m.group(1))
        return html

    def browse_claim(self) -> None:
        if not (here := self.claims_here()):
            return None if self.mode == "realistic" else self.create_claim()
        self.open_panel(self.rng.choice(here))

    def save_verdict(self) -> None:
        if not (here := self.claims_here()):
            return None if self.mode == "realistic" else self.create_claim()
        claim_id = self.rng.choice(here)
        if self.open_panel(claim_id) is None:
            return
        state = self.verdict_state[claim_id]
        revision = state["revision"]
        stale = False
        if revision is not None and self.rng.random() < 0.12:
            # A second window, opened before the last save: must be refused with 409.
            revision, stale = (revision - 1 if revision > 1 else None), True
        seq = self.next_seq()
        rating = self.rng.choice(RATINGS)
        rationale = f"{self.username} save {seq}: café 🚀 العربية ‏נכון\nline two"
        sources = []
        for sid, url in state["sources"][:1]:
            if self.rng.random() < 0.7:  # keep (and retitle) the first source
                sources.append({"id": str(sid), "url": url, "title": f"kept {seq}"})
        for i in range(self.rng.randint(0 if sources else 1, 2 - len(sources))):
            sources.append(
                {
                    "url": f"https://example.org/{self.username}/{seq}/{i}?q=ü",
                    "title": f"Source {seq}.{i} «quoted»",
                    "quote": "“A quoted passage” — with an emoji 🌊",
                }
            )
        data = {
            "rating": rating,
            "rationale": rationale,
            "revision": "" if revision is None else str(revision),
            "sources-TOTAL_FORMS": str(len(sources)),
            "sources-INITIAL_FORMS": "0",
            "sources-MIN_NUM_FORMS": "0",
            "sources-MAX_NUM_FORMS": "1000",
            "save": "1",
        }
        for i, source in enumerate(sources):
            source = {"stance": self.rng.choice(STANCES), "title": "", "quote": ""} | source
            sources[i] = source
            for key, value in source.items():
                data[f"sources-{i}-{key}"] = value
        attempt = Attempt(
            seq,
            None,
            {
                "rating": rating,
                "rationale": rationale,
                "sources": sorted(_expected_source(s) for s in sources),
            },
        )
        response = self.post("verdict save", f"/claims/{claim_id}/verdict/", data)
        if response is None or response.status_code >= 500:
            self.unknown += 1
            self.verdicts[claim_id].append(attempt)
            return
        if response.status_code == 409:
            self.conflicts["expected" if stale else "unexpected"] += 1
            return
        if stale:
            self.conflicts["stale save accepted"] += 1
        if response.status_code != 200 or "Verdict saved." not in response.text:
            self.conflicts[f"verdict save {response.status_code}"] += 1
            return
        m = REVISION.search(response.text)
        attempt.ok = True
        attempt.data["revision"] = int(m.group(1)) if m else None
        self.verdicts[claim_id].append(attempt)
        self.watch.acked(claim_id, self.username)
        if self.mode == "realistic":
            # The answer carries the panel's verdicts (out of band) at their new revision,
            # which the page then shows; it sets off no refetch (before, it did).
            if claim_id == self.open_claim and (m := VERDICTS_REV.search(response.text)):
                self.verdicts_rev = m.group(1)
            self.follow(response)

    def move_claim(self) -> None:
        if not self.my_claims:
            return self.create_claim()
        claim_id = self.rng.choice(list(self.my_claims))
        mine = self.my_claims[claim_id]
        version = mine["version"]
        start, end = self.rng.choice(self.world.versions[version])
        revision = mine["revision"]
        stale = self.rng.random() < 0.15 and revision > 1
        if stale:
            revision -= 1
        attempt = Attempt(self.next_seq(), None, {"start": start, "end": end})
        response = self.post(
            "claim move",
            f"/claims/{claim_id}/span/",
            {
                "start": start,
                "end": end,
                "exact": self.world.texts[version][start:end],
                "revision": revision,
            },
        )
        if response is None or response.status_code >= 500:
            self.unknown += 1
            self.moves[claim_id].append(attempt)
            self.open_panel(claim_id)  # learn the revision now in force
            return
        if response.status_code == 409:
            self.conflicts["expected" if stale else "unexpected"] += 1
            self.open_panel(claim_id)
            return
        if stale and response.status_code == 200:
            self.conflicts["stale move accepted"] += 1
        if response.status_code == 200:
            attempt.ok = True
            mine["revision"] = (
                int(m.group(1)) if (m := MOVE_REVISION.search(response.text)) else revision + 1
            )
            self.moves[claim_id].append(attempt)
        # 422: another claim covers those words already; nothing changed.

    def run(self) -> None:
        if self.mode == "realistic":
            return self.run_realistic()
        actions = [
            (self.read, 10),
            (self.poll, 22),
            (self.create_claim, 14),
            (self.browse_claim, 16),
            (self.save_verdict, 20),
            (self.move_claim, 5),
            (self.dashboard, 8),
        ]
        funcs, weights = zip(*actions, strict=True)
        while time.monotonic() < self.deadline:
            if self.paused.is_set():
                time.sleep(0.1)
                continue
            self.rng.choices(funcs, weights)[0]()
            time.sleep(self.rng.uniform(0.3, 1.5))

    # Mean seconds between a realistic reviewer's actions (the poll is on a fixed beat).
    PAUSES = {"read": 30.0, "browse_claim": 10.0, "save_verdict": 15.0, "create_claim": 60.0}

    def run_realistic(self) -> None:
        """A reviewer with a page open: poll every poll_every s, the rest at random pauses."""
        time.sleep(self.rng.uniform(0, self.poll_every))  # people arrive over a few seconds
        self.read(self.version)
        if self.events_url:
            threading.Thread(target=self.listen, name=f"{self.name}-events", daemon=True).start()
        now = time.monotonic()
        due = {"poll": now + self.poll_every}
        for name, mean in self.PAUSES.items():
            due[name] = now + self.rng.uniform(0, 2 * mean)
        while True:
            self.follow_up()
            name = min(due, key=due.get)
            at = min(due[name], self.refresh_at or due[name])
            if due[name] >= self.deadline:
                return
            if (wait := at - time.monotonic()) > 0 and self.wake.wait(wait):
                self.wake.clear()
                continue
            if at < due[name] or self.todo:
                continue
            getattr(self, name)()
            if name == "poll":
                # A fixed beat, like htmx's "every 3000ms" (it waits for a slow answer).
                due[name] = max(due[name] + self.poll_every, time.monotonic())
            else:
                due[name] = time.monotonic() + self.rng.uniform(0.5, 1.5) * self.PAUSES[name]


def _sources_in(form_html: str) -> list[tuple[int, str]]:
    urls = dict(SOURCE_URL.findall(form_html))
    return [(int(sid), _unescape(urls.get(i, ""))) for i, sid in SOURCE_ID.findall(form_html)]


def _unescape(s: str) -> str:
    import html

    return html.unescape(s)


def _expected_source(source: dict) -> tuple:
    from urllib.parse import urlsplit

    url = source["url"]
    # The form normalises scheme and host; these URLs are already normal.
    assert urlsplit(url).scheme == "https"
    return (url, source.get("title", ""), source.get("quote", ""), source["stance"])


# ---------------------------------------------------------------------------- checker


def _final(attempts: list[Attempt]) -> tuple[dict | None, list[dict]]:
    """The last acknowledged state, and the unknown-outcome attempts after it."""
    acked = [a for a in attempts if a.ok]
    last = acked[-1] if acked else None
    after = [a.data for a in attempts if a.ok is None and (last is None or a.seq > last.seq)]
    return (last.data if last else None), after


def check(clients: list[Reviewer]) -> dict:
    """Compare every client's acknowledged writes with the database; return counts."""
    from django.db import connection

    from articles.models import Claim, Source, Verdict

    connection.close()  # a fresh connection: the database may have restarted
    user_ids = dict(
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.values_list("username", "pk")
    )
    claims = {c.pk: c for c in Claim.objects.all()}
    problems: list[str] = []
    result = defaultdict(int)

    # Claims: who was told what about which claim id.
    told: dict[int, list[dict]] = defaultdict(list)
    unknown_spans = set()
    for client in clients:
        for a in client.creates:
            if a.ok:
                told[a.data["claim"]].append(a.data)
            elif a.ok is None:
                unknown_spans.add((a.data["version"], a.data["start"], a.data["end"]))
    result["claims acknowledged"] = len(told)
    result["claim creates acknowledged"] = sum(len(v) for v in told.values())
    for claim_id, acks in told.items():
        created = sum(1 for a in acks if a["created"])
        if created > 1:
            result["duplicated writes"] += 1
            problems.append(f"claim {claim_id} was reported newly created {created} times")
        if claim_id not in claims:
            result["lost writes"] += 1
            problems.append(f"claim {claim_id} acknowledged but missing")
    author_moves: dict[int, list[Attempt]] = {}
    for client in clients:
        for claim_id, attempts in client.moves.items():
            author_moves[claim_id] = attempts
    for claim_id, acks in told.items():
        claim = claims.get(claim_id)
        if claim is None:
            continue
        last, unknown = _final(author_moves.get(claim_id, []))
        if last is None:
            created = [a for a in acks if a["created"]] or acks
            last = created[0]
        allowed = [(last["start"], last["end"])] + [(u["start"], u["end"]) for u in unknown]
        if (claim.start, claim.end) not in allowed:
            result["lost writes"] += 1
            problems.append(
                f"claim {claim_id} is at {claim.start}-{claim.end}, expected one of {allowed}"
            )
        if claim.start != last["start"] or claim.end != last["end"]:
            result["unknown outcomes applied"] += 1
        moved = sum(1 for a in author_moves.get(claim_id, []) if a.ok)
        if claim.revision < 1 + moved:
            result["lost writes"] += 1
            problems.append(f"claim {claim_id} revision {claim.revision} < {1 + moved}")
    for claim in claims.values():
        if claim.pk not in told:
            if (claim.version_id, claim.start, claim.end) in unknown_spans:
                result["unknown outcomes applied"] += 1
            else:
                result["phantom writes"] += 1
                problems.append(f"claim {claim.pk} exists but no client was told of it")
    numbers = defaultdict(list)
    for claim in claims.values():
        numbers[claim.version_id].append(claim.number)
    for version_id, ns in numbers.items():
        if sorted(ns) != list(range(1, len(ns) + 1)):
            result["duplicated writes"] += len(ns) - len(set(ns))
            problems.append(f"version {version_id} claim numbers are not 1..n: {sorted(ns)}")

    # Verdicts: each reviewer's final state on each claim.
    verdicts = {(v.claim_id, v.reviewer_id): v for v in Verdict.objects.prefetch_related("sources")}
    expected_keys = set()
    for client in clients:
        uid = user_ids[client.username]
        for claim_id, attempts in client.verdicts.items():
            last, unknown = _final(attempts)
            if last is None and not unknown:
                continue
            key = (claim_id, uid)
            expected_keys.add(key)
            result["verdict saves acknowledged"] += sum(1 for a in attempts if a.ok)
            verdict = verdicts.get(key)
            if verdict is None:
                if last is not None and claim_id in claims:
                    result["lost writes"] += 1
                    problems.append(f"verdict of {client.username} on claim {claim_id} missing")
                continue
            actual = {
                "rating": verdict.rating,
                "rationale": verdict.rationale,
                "sources": sorted(
                    (s.url, s.title, s.quote, s.stance) for s in verdict.sources.all()
                ),
            }

            def same(state, actual=actual):
                return all(state[k] == actual[k] for k in ("rating", "rationale", "sources"))

            if last is not None and same(last):
                if last.get("revision") not in (None, verdict.revision):
                    result["lost writes"] += 1
                    problems.append(
                        f"verdict {verdict.pk} revision {verdict.revision}, told {last['revision']}"
                    )
            elif any(same(u) for u in unknown):
                result["unknown outcomes applied"] += 1
            else:
                result["lost writes"] += 1
                problems.append(
                    f"verdict of {client.username} on claim {claim_id}: {actual} != {last}"
                )
    for key, verdict in verdicts.items():
        if key not in expected_keys:
            result["phantom writes"] += 1
            problems.append(f"verdict {verdict.pk} exists but its reviewer was never told")
    result["sources in database"] = Source.objects.count()
    result["verdicts in database"] = len(verdicts)
    result["claims in database"] = len(claims)
    connection.close()
    for p in problems[:20]:
        print("  PROBLEM:", p)
    return dict(result)


# ---------------------------------------------------------------------------- report


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def latency_table(stats: Stats, seconds: float, since: float = 0.0) -> tuple[str, int, int]:
    """Return the table, the count of 5xx responses and of requests with no response."""
    lines = [
        f"{'endpoint':<14} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'4xx':>5} {'5xx':>5} {'no resp':>7}"
    ]
    total_5xx = total_none = 0
    for name in ENDPOINTS:
        samples = [s for s in stats.samples.get(name, []) if s[0] >= since]
        if not samples:
            continue
        ms = sorted(s[1] * 1000 for s in samples)
        s4 = sum(1 for s in samples if 400 <= s[2] < 500)
        s5 = sum(1 for s in samples if s[2] >= 500)
        none = sum(1 for s in samples if s[2] == 0)
        total_5xx, total_none = total_5xx + s5, total_none + none
        rate = len(samples) / seconds if name != "login" else float("nan")
        lines.append(
            f"{name:<14} {len(samples):>8} {rate:>7.1f} {percentile(ms, 50):>8.0f} "
            f"{percentile(ms, 95):>8.0f} {percentile(ms, 99):>8.0f} {s4:>5} {s5:>5} {none:>7}"
        )
    every = sorted(
        s[1] * 1000
        for name, samples in stats.samples.items()
        if name != "login"
        for s in samples
        if s[0] >= since
    )
    if every:
        lines.append(
            f"{'all but login':<14} {len(every):>8} {len(every) / seconds:>7.1f} "
            f"{percentile(every, 50):>8.0f} {percentile(every, 95):>8.0f} "
            f"{percentile(every, 99):>8.0f}"
        )
    return "\n".join(lines), total_5xx, total_none


# ---------------------------------------------------------------------------- main


def prepare(args, log_dir: str) -> tuple[dict, World, Server]:
    env = server_env(
        args.db,
        int(getattr(args, "poll", 3.0) * 1000),
        push=getattr(args, "push", False),
        stream_poll_ms=int(getattr(args, "stream_poll", 15.0) * 1000),
    )
    t0 = time.monotonic()
    create_database(args.db)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    django_setup(env)
    world = seed(args.clients, random.Random(args.seed))
    server = Server(env, args.workers, args.threads, log_dir)
    server.start()
    print(
        f"setup: database {args.db}, {len(world.usernames)} reviewers, versions "
        f"{list(world.versions)} ({sum(len(t) for t in world.texts.values())} code points), "
        f"gunicorn {server.url} -w {args.workers} --threads {args.threads}: "
        f"{time.monotonic() - t0:.1f}s"
    )
    return env, world, server


def login_all(
    world: World,
    server: Server,
    stats: Stats,
    *,
    mode="closed",
    poll_every=3.0,
    stream_poll=15.0,
    watch=None,
    events_url=None,
) -> list[Reviewer]:
    clients = [
        Reviewer(
            i,
            n,
            world,
            server.url,
            stats,
            mode=mode,
            poll_every=poll_every,
            stream_poll=stream_poll,
            watch=watch,
            events_url=events_url,
        )
        for i, n in enumerate(world.usernames)
    ]
    t0 = time.monotonic()
    # Logging in hashes a password (PBKDF2): a few at a time, as people arrive.
    threads = []
    for chunk in range(0, len(clients), 8):
        group = clients[chunk : chunk + 8]
        t = threading.Thread(target=lambda g=group: [_try(c.login) for c in g])
        t.start()
        threads.append(t)
    for t in threads:
        t.join(timeout=120)
    print(f"logged in {len(clients)} reviewers through /login/ in {time.monotonic() - t0:.1f}s")
    return clients


def _try(action) -> None:
    try:
        action()
    except RuntimeError as exc:
        print(f"  {exc}")


def run_clients(clients: list[Reviewer], duration: float) -> float:
    t0, cpu0 = time.monotonic(), time.process_time()
    for c in clients:
        c.deadline = t0 + duration
        c.start()
    for c in clients:
        c.join(timeout=duration + 60)
    seconds = time.monotonic() - t0
    # The clients share the machine with the server: say how much of it they took.
    print(f"load clients used {time.process_time() - cpu0:.0f}s CPU in {seconds:.0f}s")
    return seconds


def summarise(clients, stats, seconds, server, since=0.0) -> tuple[dict, str, int]:
    table, n5xx, none = latency_table(stats, seconds, since)
    result = check(clients)
    result["5xx responses"] = n5xx
    result["requests without response"] = none
    result["409 conflicts (stale on purpose)"] = sum(c.conflicts["expected"] for c in clients)
    result["409 conflicts (not expected)"] = sum(c.conflicts["unexpected"] for c in clients)
    result["stale writes accepted"] = sum(
        c.conflicts["stale save accepted"] + c.conflicts["stale move accepted"] for c in clients
    )
    result["writes with unknown outcome"] = sum(c.unknown for c in clients)
    result["500s logged by Django"] = len(server.log_errors())
    return result, table, n5xx


def main() -> int:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--db", default="factcheck_load")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--log", default="/tmp/factcheck-load-gunicorn.log")
    parser.add_argument(
        "--mode",
        choices=["closed", "realistic"],
        default="closed",
        help="closed: every reviewer acts again 0.3-1.5 s after each answer; realistic: "
        "a page open, polled every --poll s, a version read every ~30 s, a claim opened "
        "every ~10 s, a verdict saved every ~15 s, a claim marked every ~60 s",
    )
    parser.add_argument("--poll", type=float, default=3.0, help="seconds between live polls")
    parser.add_argument(
        "--stream-poll",
        type=float,
        default=15.0,
        help="with --push: seconds between live polls while the page's stream is open, as "
        "live.js polls (the server's LIVE_STREAM_POLL_MS; 0: every --poll s)",
    )
    parser.add_argument(
        "--push",
        action="store_true",
        help="realistic mode: pages also read the event stream (uvicorn, LISTEN/NOTIFY), as "
        "static/js/live.js does; the poll goes on beside it",
    )
    parser.add_argument(
        "--events-workers", type=int, default=1, help="uvicorn processes serving the stream"
    )
    parser.add_argument(
        "--app", type=Path, default=ROOT, help="checkout to serve (default: this one)"
    )
    args = parser.parse_args()
    ROOT = args.app.resolve()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="factcheck-load-") as log_dir:
        server = events = None
        try:
            env, world, server = prepare(args, log_dir)
            if args.push:
                events = EventsServer(env, args.events_workers, log_dir)
                events.start()
                print(f"event stream: uvicorn {events.url} --workers {args.events_workers}")
            stats = Stats()
            watch = Watch()
            clients = login_all(
                world,
                server,
                stats,
                mode=args.mode,
                poll_every=args.poll,
                stream_poll=args.stream_poll,
                watch=watch,
                events_url=events.url if events else None,
            )
            pids = {"gunicorn": server.worker_pids() + [server.proc.pid]}
            if events:
                pids["uvicorn"] = events.pids()
            cpu0 = {name: cpu_seconds(p) for name, p in pids.items()}
            started = time.monotonic()
            seconds = run_clients(clients, args.duration)
            cpu = {name: cpu_seconds(p) - cpu0[name] for name, p in pids.items()}
            result, table, _ = summarise(clients, stats, seconds, server)
            # Realistic mode: every page opens within the first --poll seconds (reading view,
            # stream, first poll at once); the table without those first 15 s is the load
            # once everyone is at work.
            settled = 15.0 if args.mode == "realistic" and seconds > 30 else None
            if settled:
                steady, _, _ = latency_table(stats, seconds - settled, started + settled)
            errors = server.log_errors()
        finally:
            if events:
                events.stop()
                shutil.copy(events.log_path, args.log.replace(".log", "-uvicorn.log"))
            if server:
                server.stop()
                shutil.copy(server.log_path, args.log)
            if not args.keep_db:
                drop_database(args.db)
    print(f"\n{args.clients} reviewers ({args.mode}) for {seconds:.0f}s:\n{table}\n")
    if settled:
        print(f"The same without the first {settled:.0f} s, when every page opened:\n{steady}\n")
    answered = sum(
        1 for name, rows in stats.samples.items() if name != "login" for *_, code in rows if code
    )
    print(
        f"  gunicorn's CPU during the run: {cpu['gunicorn']:.1f} s, "
        f"{1000 * cpu['gunicorn'] / max(answered, 1):.1f} ms per answered request "
        f"(a figure a busy machine hardly changes; PostgreSQL's not included)"
    )
    delays = sorted(d * 1000 for d in watch.delays)
    channel = f"polling every {args.poll:g} s" + (" and pushed" if args.push else "")
    print(
        f"  another reviewer's write seen by a page: {len(delays)} times, p50/p95/p99 "
        f"{percentile(delays, 50):.0f}/{percentile(delays, 95):.0f}/"
        f"{percentile(delays, 99):.0f} ms ({channel}); refresh notices {watch.notices}"
    )
    if args.push:
        pushed = sorted(d * 1000 for d in watch.push_delays)
        print(
            f"  pushed updates applied {watch.pushes} (carrying the open claim's verdicts "
            f"and notes {watch.panels}); pushes that made the page poll "
            f"{watch.nudges}; from a commit to a page by push ({len(pushed)} updates "
            f"received): p50/p95/p99 {percentile(pushed, 50):.0f}/{percentile(pushed, 95):.0f}/"
            f"{percentile(pushed, 99):.0f} ms"
        )
    if watch.polls:
        print(
            "  live poll answers: " + ", ".join(f"{k} {v}" for k, v in sorted(watch.polls.items()))
        )
    uptime = Path("/proc/loadavg").read_text().split()[:3]
    print(
        "  server CPU: "
        + ", ".join(
            f"{name} {secs:.0f} s ({secs / seconds:.2f} cores)" for name, secs in cpu.items()
        )
        + f"; load average at the end {' '.join(uptime)}"
    )
    for key, value in result.items():
        print(f"  {key:<36} {value}")
    for key, n in sorted(stats.failures.items()):
        print(f"  no response: {key} x{n}")
    for line in errors[:5]:
        print("  server:", line)
    print(f"\nserver log: {args.log}; total {time.monotonic() - started:.0f}s")
    bad = sum(
        result.get(k, 0)
        for k in (
            "lost writes",
            "duplicated writes",
            "phantom writes",
            "5xx responses",
            "requests without response",
            "stale writes accepted",
        )
    )
    print("RESULT:", "PASS" if bad == 0 else "FAIL")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
