"""The app as deployed, for tests: a database of its own, gunicorn, nginx, on loopback.

Nothing here uses the test database of pytest-django (its transactions are invisible
to another process): each fixture migrates a database of its own, SQLite in a temporary
directory or, for PostgreSQL, ``<DATABASE_URL's name>_<suffix>``, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "deploy-test-password-not-secret"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(url), autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql)


def database(tmp: Path, suffix: str, engine: str) -> str:
    """A fresh, empty database URL: a SQLite file, or a PostgreSQL database of its own."""
    if engine == "sqlite":
        return f"sqlite:///{tmp / 'app.sqlite3'}"
    base = postgres_url()
    assert base
    name = urlsplit(base).path.lstrip("/") + "_" + suffix
    _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(base, f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


def drop_database(url: str) -> None:
    if url.startswith("postgres"):
        name = urlsplit(url).path.lstrip("/")
        with contextlib.suppress(Exception):
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(db_url: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="factcheck.settings_test",
        DATABASE_URL=db_url,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="60",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


SEED = """
import django, json, sys
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from articles.models import EDITORS_GROUP, REVIEWERS_GROUP, Story, Version
reviewers = int(sys.argv[1])
password = sys.argv[2]
User = get_user_model()
editor = User.objects.create_user("editor", password=password)
editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
hashed = make_password(password)
users = User.objects.bulk_create(
    User(username=f"reviewer{i:02d}", password=hashed) for i in range(reviewers)
)
Group.objects.get_or_create(name=REVIEWERS_GROUP)[0].user_set.add(*users)
story = Story.objects.create(title="Deployment test", created_by=editor)
story.members.add(*users)
sentences = [
    f"The council of town {i} voted on Tuesday to spend {i}.2 million pounds on the wall."
    for i in range(40)
]
text = "Harbour towns rebuild\\n\\n" + "\\n\\n".join(
    " ".join(sentences[i : i + 4]) for i in range(0, 40, 4)
)
version = Version.objects.create_from_text(
    story=story, text=text, label="Original", created_by=editor
)
Version.objects.create_from_text(
    story=story, text=text.replace("voted", "decided"), label="Rewrite", created_by=editor
)
print(json.dumps({"story": story.pk, "version": version.pk, "text": version.text}))
"""


def prepare(env: dict, reviewers: int = 0) -> dict:
    """Migrate the database and seed an editor, reviewers and a two-version story.

    Without the system checks (a third of migrate's time, importing every URL's view):
    tests/articles/views/test_security.py runs them all, with production settings."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0", "--skip-checks"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    out = subprocess.run(  # noqa: S603 -- fixed arguments
        [sys.executable, "-c", SEED, str(reviewers), PASSWORD],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


class Gunicorn:
    """gunicorn on a loopback port, started and stopped by the test that owns it."""

    def __init__(self, env: dict, log_dir: Path, workers: int = 1, threads: int = 1):
        self.env, self.workers, self.threads = env, workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "gunicorn.log"
        self.access_log = log_dir / "gunicorn-access.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Gunicorn:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(  # noqa: S603 -- fixed arguments
                [
                    GUNICORN,
                    "factcheck.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--timeout",
                    "30",
                    "--access-logfile",
                    str(self.access_log),
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(f"{self.url}/login/", self.proc, self.log)
        return self

    def stop(self) -> None:
        stop(self.proc)

    def requests_seen(self) -> str:
        return self.access_log.read_text() if self.access_log.exists() else ""


class Uvicorn:
    """uvicorn serving factcheck.asgi on a loopback port: the event stream (docker-compose's
    ``events`` service)."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env | {"CONN_MAX_AGE": "0"}  # as docker-compose.yml sets it
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log_dir / "uvicorn.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Uvicorn:
        with open(self.log, "a") as log:
            self.proc = subprocess.Popen(  # noqa: S603 -- fixed arguments
                [
                    str(Path(sys.executable).with_name("uvicorn")),
                    "factcheck.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--timeout-graceful-shutdown",
                    "2",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_until_ready(f"{self.url}/login/", self.proc, self.log)
        return self

    def stop(self) -> None:
        stop(self.proc)


class Nginx:
    """Debian's nginx on a loopback port, running deploy/nginx.conf in front of gunicorn."""

    def __init__(self, upstream_port: int, tmp: Path, events_port: int | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tmp / "nginx"
        self.dir.mkdir(exist_ok=True)
        self.error_log = self.dir / "error.log"
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        site, upstreams = re.subn(r"server web:8000;", f"server 127.0.0.1:{upstream_port};", site)
        # The event stream's service (uvicorn), or gunicorn when a test runs none.
        site, events = re.subn(
            r"server events:8001;", f"server 127.0.0.1:{events_port or upstream_port};", site
        )
        assert events == 1, "deploy/nginx.conf changed shape"
        site, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{self.port};", site)
        assert (upstreams, listens) == (1, 1), "deploy/nginx.conf changed shape"
        (self.dir / "site.conf").write_text(site)
        temp = {name: self.dir / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(
            f"""{user}
worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 256; }}
http {{
    access_log {self.dir}/access.log;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {self.dir}/site.conf;
}}
"""
        )
        self.proc: subprocess.Popen | None = None

    def start(self) -> Nginx:
        conf = str(self.dir / "nginx.conf")
        test = [NGINX, "-t", "-q", "-c", conf, "-p", str(self.dir)]
        subprocess.run(test, check=True)  # noqa: S603 -- fixed arguments
        self.proc = subprocess.Popen(  # noqa: S603 -- fixed arguments
            [NGINX, "-c", conf, "-p", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_ready(f"{self.url}/login/", self.proc, self.error_log)
        return self

    def stop(self) -> None:
        stop(self.proc, signal.SIGQUIT)


def wait_until_ready(url: str, proc: subprocess.Popen, log: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=5).status_code == 200:
                return
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up; see {log}")


def stop(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def login(client: httpx.Client, base: str, username: str, password: str = PASSWORD) -> int:
    """Log in through the real form; return the status (302 on success)."""
    page = client.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    response = client.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": f"{base}/login/"},
    )
    return response.status_code
