"""Shared fixtures: users in their roles and a two-version story written for the tests."""

import pytest
from django.contrib.auth.models import Group

from articles.models import EDITORS_GROUP, REVIEWERS_GROUP, Story
from articles.versions import import_version


@pytest.fixture(scope="session", autouse=True)
def _flush_with_delete():
    """Empty the tables after a transactional test with DELETE, not TRUNCATE.

    Django's flush truncates every table in one statement; on PostgreSQL that makes new
    files for each table and index, which takes a second or more per test (0.01 s for
    DELETE on the few rows a test writes), and the suite has a few hundred such tests.
    The foreign keys are deferred to the commit, so the order of the DELETEs is free, and
    the database ends as empty as TRUNCATE leaves it (sequences are not restarted by
    either). A flush asked to restart sequences or to cascade is left to TRUNCATE.
    """
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages keep rendered parts in Django's cache; a test starts with none of another's."""
    from django.core.cache import cache

    cache.clear()
    yield


ORIGINAL = """Harbour town votes to rebuild its sea wall

By Ana Ruiz

The council voted on Tuesday to spend £4.2m on the wall. Mr. Allen said the vote was “a turning point.” It protects 3,400 homes.

Work starts in April and takes eighteen months.
"""

REWRITTEN = """Coastal town backs a new sea wall

By Ana Ruiz

On Tuesday the council approved £42m for the wall. Mr. Allen called it “a turning point.” The wall shields 3,400 homes.

Work begins in April and will last eighteen years.
"""

PASSWORD = "correct horse battery staple"


def _user(django_user_model, username, group_name):
    user = django_user_model.objects.create_user(
        username=username, password=PASSWORD, first_name=username.capitalize()
    )
    user.groups.add(Group.objects.get_or_create(name=group_name)[0])
    return user


@pytest.fixture
def editor(django_user_model):
    return _user(django_user_model, "edith", EDITORS_GROUP)


@pytest.fixture
def reviewer(django_user_model):
    return _user(django_user_model, "rosa", REVIEWERS_GROUP)


@pytest.fixture
def reviewer2(django_user_model):
    return _user(django_user_model, "rami", REVIEWERS_GROUP)


@pytest.fixture
def outsider(django_user_model):
    """A reviewer who is not a member of the story."""
    return _user(django_user_model, "olga", REVIEWERS_GROUP)


@pytest.fixture
def story(editor, reviewer, reviewer2):
    story = Story.objects.create(title="Sea wall", created_by=editor)
    story.members.add(reviewer, reviewer2)
    return story


@pytest.fixture
def original(story, editor):
    return import_version(story=story, text=ORIGINAL, label="Original report", created_by=editor)


@pytest.fixture
def rewritten(story, editor):
    return import_version(story=story, text=REWRITTEN, label="Rewritten copy", created_by=editor)


def span_of(version, words):
    """Code point offsets of the first occurrence of words in a version's text."""
    start = version.text.index(words)
    return start, start + len(words)


def run_queued_tasks() -> int:
    """Run every queued background task here, as the worker does (its own run_task)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="tests",
        excluded_queue_names=[],
    )
    count = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        count += 1
    return count


def import_annotations(client, story, data: bytes, name: str = "annotations.json"):
    """Upload an annotation file through the import page, run its job as the worker does,
    and return the job (its ``annotation_import`` is the report once it succeeded)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from articles.models import ImportJob

    response = client.post(
        reverse("articles:story_import_annotations", args=[story.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="application/json")},
    )
    assert response.status_code == 302, response.status_code
    assert response["Location"] == f"{story.get_absolute_url()}#imports"
    run_queued_tasks()
    return ImportJob.objects.filter(story=story, kind="annotations").latest("pk")
