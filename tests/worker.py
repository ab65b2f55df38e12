"""The background worker as a process of its own, on the test database (tests use it)."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The test database, as a DATABASE_URL for a process of its own."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(hold_alignment_until: Path | None = None, **env) -> subprocess.Popen:
    """Start ``manage.py import_worker`` on the test database, with a short lease.

    With ``hold_alignment_until``, every alignment waits until that file exists
    (tests/held_worker.py), so a test can watch an import in its aligning stage.
    """
    command = [sys.executable, "manage.py"]
    if hold_alignment_until is not None:
        command = [sys.executable, "-m", "tests.held_worker"]
        env["HOLD_ALIGNMENT_UNTIL"] = str(hold_alignment_until)
    environ = (
        os.environ
        | {
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "factcheck.settings_test",
            "IMPORT_HEARTBEAT_SECONDS": "1",
            "IMPORT_LEASE_SECONDS": "3",
        }
        | env
    )
    return subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [*command, "import_worker", "--no-reload", "--interval", "0.5",
         "--no-startup-delay", "-v", "0"],
        cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def stop(process: subprocess.Popen) -> str:
    """Kill the worker if it still runs; return what it wrote to stderr."""
    if process.poll() is None:
        process.kill()
    _, err = process.communicate(timeout=10)
    return (err or b"").decode(errors="replace")


def wait_for(condition, timeout=90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")
