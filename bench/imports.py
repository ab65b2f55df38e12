"""Time the import request (upload stored as a job) and the worker's run, per input.

    python bench/imports.py [--repeat 3]

The request must stay near a second for a 20 MB file: it only checks the file and stores
it. The worker's time is shown per bad input of issue #11 (a 20 MB file of one repeated
character, 100,000 one-word lines) and for a long generated text into a story that has
one version. A fresh SQLite database in a temporary folder unless DATABASE_URL is set.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sentences", type=int, default=3000, help="of the long text pair")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from articles import import_jobs
    from articles.models import EDITORS_GROUP, ImportJob, Story
    from articles.versions import import_version
    from tests.generated import long_text

    call_command("migrate", verbosity=0)
    tag = str(int(time.time()))
    editor = get_user_model().objects.create_user(f"bench-import-{tag}")
    editor.groups.add(Group.objects.get_or_create(name=EDITORS_GROUP)[0])
    client = Client()
    client.force_login(editor)
    client.get("/")  # the first request imports the app's modules: not what is measured

    inputs = {
        "20 MiB, one repeated character": b"a" * (20 * 1024 * 1024),
        "100,000 one-word lines": "\n".join(f"w{i}" for i in range(100_000)).encode(),
        f"long text, {args.sentences} sentences": long_text(args.sentences, seed=2).encode(),
    }
    print(f"database: {connection.vendor}; request: best and median of {args.repeat}")
    print(f"{'input':<34} {'MB':>6} {'request s':>10} {'median':>7} {'worker s':>9}  outcome")
    for name, data in inputs.items():
        timings = []
        for run in range(args.repeat):
            story = Story.objects.create(title=f"{name} {tag} {run}", created_by=editor)
            if name.startswith("long"):
                import_version(
                    story=story, text=long_text(args.sentences, seed=1), label="First",
                    created_by=editor,
                )  # fmt: skip
            upload = SimpleUploadedFile("v.txt", data)
            started = time.perf_counter()
            response = client.post(
                f"/stories/{story.pk}/versions/new/", {"label": "Bench", "file": upload}
            )
            timings.append(time.perf_counter() - started)
            assert response.status_code == 302, response.status_code
            job = ImportJob.objects.get(story=story)
            if run == 0:
                started = time.perf_counter()
                import_jobs.run(job.pk)
                worker = time.perf_counter() - started
                job.refresh_from_db()
                outcome = job.status + (f": {job.error[:60]}" if job.error else "")
            else:
                import_jobs.job_cancel(job=job)
        print(
            f"{name:<34} {len(data) / 1e6:>6.1f} {min(timings):>10.2f} "
            f"{statistics.median(timings):>7.2f} {worker:>9.1f}  {outcome}"
        )


if __name__ == "__main__":
    main()
