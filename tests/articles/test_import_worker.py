"""The real worker process (``manage.py import_worker``) imports a job, and a job whose
worker is killed mid-import is finished by the next worker, stored once: a version, or a
file of annotations."""

import json
import random
import signal

import pytest

from articles import import_jobs
from articles.models import AnnotationImport, Claim, Counterpart, ImportJob, Version
from articles.versions import import_version
from tests.generated import long_text
from tests.worker import start_worker, stop, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
URL = "https://example.org/long"


def test_a_worker_killed_mid_import_is_replaced_and_the_version_stored_once(story, editor):
    import_version(story=story, text=long_text(400, seed=1), label="Long", created_by=editor)
    job = import_jobs.job_create(
        story=story, created_by=editor, label="Long, rewritten", file_name="long.txt",
        source=long_text(400, seed=2).encode(),
    )  # fmt: skip
    first = start_worker()
    try:
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, stage="aligning").exists(), timeout=60)
        first.send_signal(signal.SIGKILL)  # no chance to clean up
        first.wait(timeout=10)
    finally:
        stop(first)
    job.refresh_from_db()
    assert job.status == "running" and not story.versions.filter(label=job.label).exists()
    second = start_worker()
    try:
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="succeeded").exists())
    finally:
        stop(second)
    job.refresh_from_db()
    assert job.attempts == 2
    assert Version.objects.filter(story=story, label="Long, rewritten").count() == 1
    assert job.version.sentences.count() == 400


def hypothesis_rows(version, url: str, n: int, seed: int = 3) -> list[dict]:
    """n Hypothesis annotations quoting words of the version, with prefix and suffix."""
    rng = random.Random(seed)
    text, rows = version.text, []
    for i in range(n):
        start = rng.randrange(0, len(text) - 80)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        exact = text[start : start + rng.randrange(20, 60)].strip()
        selector = {
            "type": "TextQuoteSelector",
            "exact": exact,
            "prefix": text[max(0, start - 32) : start],
            "suffix": text[start + len(exact) : start + len(exact) + 32],
        }
        target = {"source": url, "selector": [selector]}
        rows.append({"id": f"a{i}", "user": "acct:ana@hypothes.is", "uri": url, "target": [target]})
    return rows


def test_a_worker_killed_mid_annotation_import_is_replaced_and_stores_it_once(story, editor):
    first_version = import_version(
        story=story, text=long_text(200, seed=1), label="Long", url=URL, created_by=editor
    )
    import_version(story=story, text=long_text(200, seed=2), label="Other", created_by=editor)
    data = json.dumps({"total": 800, "rows": hypothesis_rows(first_version, URL, 800)})
    job = import_jobs.annotation_job_create(
        story=story, created_by=editor, file_name="h.json", source=data.encode()
    )
    first = start_worker()
    try:
        wait_for(
            lambda: ImportJob.objects.filter(
                pk=job.pk, stage__in=["placing", "proposing"]
            ).exists(),
            timeout=60,
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        stop(first)
    job.refresh_from_db()
    assert job.status == "running" and not Claim.objects.exists()
    second = start_worker()
    try:
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="succeeded").exists())
    finally:
        stop(second)
    job.refresh_from_db()
    assert job.attempts == 2 and AnnotationImport.objects.count() == 1
    created = job.annotation_import.counts["claims_created"]
    assert created > 500 and Claim.objects.count() == created
    assert Counterpart.objects.count() == created  # one per claim in the other version
