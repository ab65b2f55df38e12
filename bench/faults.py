"""Fault test: restart PostgreSQL and the app server under load, kill a request mid-write.

Run from the repository root (PostgreSQL on 127.0.0.1:5432; restarting it needs root):

    .venv/bin/python bench/faults.py [--clients 10]

Same setup as bench/load.py (database factcheck_faults, gunicorn on loopback), then
--clients reviewers run for about 80 seconds while, one at a time:

1. PostgreSQL is restarted (pg_ctlcluster ... restart, fast mode). Requests fail while it
   is down, with 503 and Retry-After (any other 5xx fails the run); once pg_isready says it is back, requests must succeed again with the same
   gunicorn processes (CONN_MAX_AGE with conn_health_checks drops the dead connections).
2. One gunicorn worker is killed with SIGKILL; the master replaces it.
3. The gunicorn master is killed with SIGKILL, its orphaned workers exit (or are killed
   by pid), and a new gunicorn is started on the same port.

Then the load stops and a verdict save is killed in the middle of its transaction, with
no change to the app: this script holds an exclusive lock on articles_historicalsource,
so the request blocks after writing the verdict and its first source row but before
commit; the gunicorn worker serving it is found through pg_stat_activity (client port)
and /proc, and killed with SIGKILL. Both an edit of an existing verdict and a new
verdict are killed; neither may leave a trace (rating, revision, sources, history).

Finally the acknowledged-writes checker of bench/load.py runs over everything the
clients were told. Exits 1 if an acknowledged write was lost, a request failed after
recovery, or a killed write left rows behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: setup, clients, checker)

GRACE = 3.0  # seconds after the fault ends before a failure counts as "not recovered"


def pg_cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    return version, "main"


def pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False, timeout=10
        ).returncode
        == 0
    )


def restart_postgres() -> tuple[float, float]:
    """Restart the cluster; return (monotonic time it went down, time it was ready)."""
    version, name = pg_cluster()
    down = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],
        check=True,
        timeout=120,
    )
    deadline = time.monotonic() + 60
    while not pg_ready() and time.monotonic() < deadline:
        time.sleep(0.2)
    return down, time.monotonic()


def probe_until_ok(server: load.Server, client: load.Reviewer, story_id: int, limit=30.0):
    """Seconds until the dashboard answers 200 again, and the statuses seen meanwhile."""
    t0, seen = time.monotonic(), []
    while time.monotonic() - t0 < limit:
        try:
            status = client.http.get(f"/stories/{story_id}/dashboard/", timeout=10).status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        seen.append(status)
        if status == 200:
            return time.monotonic() - t0, seen
        time.sleep(0.2)
    return None, seen


def kill_master_and_restart(server: load.Server) -> tuple[float, float]:
    workers = server.worker_pids()
    down = time.monotonic()
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=10)
    # Orphaned workers notice their parent is gone and exit; kill any that linger.
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{p}").exists() for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in workers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.start()
    return down, time.monotonic()


# ---------------------------------------------------------------------------- killed request


def worker_of_backend(server: load.Server, client_port: int) -> int | None:
    """The gunicorn worker whose PostgreSQL connection uses this local TCP port."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == client_port and int(remote.split(":")[1], 16) == 5432:
            inode = fields[9]
    if inode is None:
        return None
    for pid in server.worker_pids():
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                        return pid
    return None


def snapshot(claim_id: int, username: str) -> dict:
    """Everything a verdict save writes, as rows (so a half-write shows as a difference)."""
    from django.db import connection

    from articles.models import Source, Verdict

    connection.close()
    verdict = Verdict.objects.filter(claim_id=claim_id, reviewer__username=username).first()
    result = {
        "verdict": None
        if verdict is None
        else (verdict.pk, verdict.rating, verdict.rationale, verdict.revision),
        "sources": sorted(
            Source.objects.filter(verdict=verdict).values_list("pk", "url", "title")
            if verdict
            else []
        ),
        "verdict history": Verdict.history.filter(claim_id=claim_id).count(),
        "source history": Source.history.count(),
        "sources in database": Source.objects.count(),
    }
    connection.close()
    return result


def killed_save(server: load.Server, env: dict, client: load.Reviewer, claim_id: int) -> dict:
    """Kill the worker serving a verdict save mid-transaction; report what was left."""
    dsn = env["DATABASE_URL"]
    client.open_panel(claim_id)
    state = client.verdict_state[claim_id]
    before = snapshot(claim_id, client.username)
    blocker = psycopg.connect(dsn)
    blocker.execute("LOCK TABLE articles_historicalsource IN ACCESS EXCLUSIVE MODE")
    data = {
        "rating": "inaccurate",
        "rationale": "this save is killed before it commits",
        "revision": "" if state["revision"] is None else str(state["revision"]),
        "sources-TOTAL_FORMS": "2",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
        "sources-0-url": "https://killed.example/one",
        "sources-0-stance": "refutes",
        "sources-1-url": "https://killed.example/two",
        "sources-1-stance": "supports",
    }
    outcome: dict = {}

    def post():
        response = client.post("verdict save", f"/claims/{claim_id}/verdict/", data)
        outcome["status"] = None if response is None else response.status_code

    client.verdicts[claim_id].append(_attempt(client, data, None))  # outcome unknown
    thread = threading.Thread(target=post)
    thread.start()
    backend = port = worker = None
    with psycopg.connect(dsn, autocommit=True) as watch:
        for _ in range(100):  # the request reaches the lock within 10 s
            row = watch.execute(
                "SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND query ILIKE '%%historicalsource%%'"
            ).fetchone()
            if row:
                backend, port = row
                break
            time.sleep(0.1)
        if port is not None:
            written = watch.execute(
                "SELECT count(*) FROM pg_locks WHERE pid = %s AND locktype = 'transactionid'",
                [backend],
            ).fetchone()[0]
            worker = worker_of_backend(server, port)
            if worker:
                os.kill(worker, signal.SIGKILL)
        thread.join(timeout=30)
        blocker.rollback()  # release the table: the dead client's transaction rolls back
        blocker.close()
        for _ in range(100):
            if not watch.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]
            ).fetchone():
                break
            time.sleep(0.1)
    after = snapshot(claim_id, client.username)
    return {
        "backend blocked mid-transaction": backend is not None,
        "backend held a transaction id (had written)": bool(port and written),
        "worker killed": worker,
        "client got": outcome.get("status"),
        "unchanged": before == after,
        "before": before,
        "after": after,
    }


# ---------------------------------------------------------------------------- main


def failures_between(stats: load.Stats, start: float, end: float) -> dict[str, int]:
    counts = {"requests": 0, "5xx": 0, "503": 0, "no response": 0}
    for samples in stats.samples.values():
        for finished, _seconds, status in samples:
            if start <= finished < end:
                counts["requests"] += 1
                counts["5xx"] += status >= 500
                counts["503"] += status == 503
                counts["no response"] += status == 0
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--db", default="factcheck_faults")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--log", default="/tmp/factcheck-faults-gunicorn.log")
    args = parser.parse_args()
    args.clients += 1  # one more account: the reviewer whose saves are killed
    started = time.monotonic()
    report: list[str] = []
    windows: list[tuple[str, float, float]] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="factcheck-faults-") as log_dir:
        server = None
        try:
            env, world, server = load.prepare(args, log_dir)
            stats = load.Stats()
            clients = load.login_all(world, server, stats)
            victim, clients = clients[-1], clients[:-1]
            prober = load.Reviewer(99, victim.username, world, server.url, load.Stats())
            prober.http.cookies = victim.http.cookies
            runner = threading.Thread(target=load.run_clients, args=(clients, 80))
            runner.start()
            t0 = time.monotonic()

            time.sleep(12)
            down, up = restart_postgres()
            took, seen = probe_until_ok(server, prober, world.story_id)
            windows.append(("PostgreSQL restart", down, up))
            report.append(
                f"PostgreSQL restart: down for {up - down:.1f}s; the app answered 200 again "
                f"{took if took is None else round(took, 2)}s after pg_isready, with no app "
                f"restart (probe saw {seen[:6]})"
            )
            failed |= took is None

            time.sleep(max(0, 35 - (time.monotonic() - t0)))
            worker = random.Random(args.seed).choice(server.worker_pids())
            kill_at = time.monotonic()
            os.kill(worker, signal.SIGKILL)
            time.sleep(1)
            windows.append(("worker SIGKILL", kill_at, time.monotonic()))
            report.append(f"gunicorn worker {worker} killed with SIGKILL; master respawned it")

            time.sleep(max(0, 52 - (time.monotonic() - t0)))
            down, up = kill_master_and_restart(server)
            took, seen = probe_until_ok(server, prober, world.story_id)
            windows.append(("master SIGKILL + new gunicorn", down, up))
            report.append(
                f"gunicorn master killed with SIGKILL, new gunicorn serving after "
                f"{up - down:.1f}s; first 200 after {took if took is None else round(took, 2)}s"
            )
            failed |= took is None
            runner.join(timeout=150)
            load_done = time.monotonic()

            # The killed request: an edit of a saved verdict, then a new verdict.
            claim_id = next(iter(c for cl in clients for c in cl.known_claims), None)
            if claim_id is None:
                victim.create_claim()
                claim_id = next(iter(victim.known_claims))
            victim.open_panel(claim_id)
            for label in ("edit of a saved verdict", "new verdict"):
                if label == "edit of a saved verdict":
                    saved = _save(victim, claim_id)
                    report.append(f"victim's verdict saved first: HTTP {saved}")
                else:
                    claim_id = _fresh_claim(victim, world)
                result = killed_save(server, env, victim, claim_id)
                ok = (
                    result["backend blocked mid-transaction"]
                    and result["worker killed"]
                    and result["unchanged"]
                    and result["client got"] is None
                )
                failed |= not ok
                report.append(
                    f"killed verdict save ({label}, claim {claim_id}): worker "
                    f"{result['worker killed']} killed while its transaction had written and "
                    f"waited (xid held: {result['backend held a transaction id (had written)']}); "
                    f"client got {result['client got'] or 'no response'}; rows unchanged: "
                    f"{result['unchanged']} {result['after']}"
                )
            probe_after = probe_until_ok(server, prober, world.story_id)[0]
            report.append(f"after the kills the app answered 200 in {probe_after}s")

            result, table, _ = load.summarise(
                clients + [victim], stats, time.monotonic() - t0, server
            )
        finally:
            if server:
                server.stop()
                shutil.copy(server.log_path, args.log)
            if not args.keep_db:
                load.drop_database(args.db)

    print(f"\n{args.clients - 1} reviewers under faults:\n{table}\n")
    for line in report:
        print(" -", line)
    print()
    for i, (name, start, end) in enumerate(windows):
        during = failures_between(stats, start, end + GRACE)
        until = windows[i + 1][1] if i + 1 < len(windows) else load_done
        after = failures_between(stats, end + GRACE, until)
        print(f"  {name}: while down (+{GRACE:.0f}s) {during}; afterwards {after}")
        # Requests in flight during a fault may fail; none after it may. While the
        # database is down the app answers 503 (Retry-After), never another 5xx.
        failed |= after["5xx"] + after["no response"] > 0
        if name == "PostgreSQL restart":
            failed |= during["5xx"] > during["503"]
    print()
    for key, value in result.items():
        print(f"  {key:<36} {value}")
    for key, n in sorted(stats.failures.items()):
        print(f"  no response: {key} x{n}")
    lost = sum(result.get(k, 0) for k in ("lost writes", "duplicated writes", "phantom writes"))
    failed |= lost > 0
    print(f"\nserver log: {args.log}; total {time.monotonic() - started:.0f}s")
    print("RESULT:", "FAIL" if failed else "PASS")
    return 1 if failed else 0


def _save(client: load.Reviewer, claim_id: int):
    client.open_panel(claim_id)
    state = client.verdict_state[claim_id]
    data = {
        "rating": "accurate",
        "rationale": "saved before the kill",
        "revision": "" if state["revision"] is None else str(state["revision"]),
        "sources-TOTAL_FORMS": "1",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
        "sources-0-url": "https://saved.example/",
        "sources-0-stance": "supports",
    }
    response = client.post("verdict save", f"/claims/{claim_id}/verdict/", data)
    if response is not None and response.status_code == 200:
        m = load.REVISION.search(response.text)
        client.verdicts[claim_id].append(_attempt(client, data, True, m))
    return None if response is None else response.status_code


def _attempt(client: load.Reviewer, data: dict, ok, revision_match=None) -> load.Attempt:
    """Record a save for the checker, as Reviewer.save_verdict does."""
    sources = [
        (data[f"sources-{i}-url"], "", "", data[f"sources-{i}-stance"])
        for i in range(int(data["sources-TOTAL_FORMS"]))
    ]
    state = {"rating": data["rating"], "rationale": data["rationale"], "sources": sorted(sources)}
    if revision_match:
        state["revision"] = int(revision_match.group(1))
    return load.Attempt(client.next_seq(), ok, state)


def _fresh_claim(client: load.Reviewer, world: load.World) -> int:
    """A claim the victim has no verdict on."""
    before = set(client.known_claims)
    for _ in range(20):
        client.create_claim()
        new = set(client.known_claims) - before
        if new:
            return new.pop()
    raise RuntimeError("could not create a claim")


if __name__ == "__main__":
    sys.exit(main())
