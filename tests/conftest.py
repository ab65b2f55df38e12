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


def _story(editor, reviewer, reviewer2):
    story = Story.objects.create(title="Sea wall", created_by=editor)
    story.members.add(reviewer, reviewer2)
    return story


def _original(story, editor):
    return import_version(story=story, text=ORIGINAL, label="Original report", created_by=editor)


def _rewritten(story, editor):
    return import_version(story=story, text=REWRITTEN, label="Rewritten copy", created_by=editor)


def make_story(django_user_model) -> dict:
    """The users and the story of the fixtures below, made as those fixtures make them."""
    editor = _user(django_user_model, "edith", EDITORS_GROUP)
    reviewer = _user(django_user_model, "rosa", REVIEWERS_GROUP)
    reviewer2 = _user(django_user_model, "rami", REVIEWERS_GROUP)
    story = _story(editor, reviewer, reviewer2)
    return {"editor": editor, "reviewer": reviewer, "reviewer2": reviewer2, "story": story}


def make_versions(story, editor) -> dict:
    """The two versions of the fixtures below, imported as those fixtures import them."""
    return {"original": _original(story, editor), "rewritten": _rewritten(story, editor)}


# Fixtures whose rows are built once a session and copied into each test that uses one
# (tests/snapshots.py): name -> "module:function" building them, with the users, story and
# versions below they rest on, and returning all of those by fixture name.
PREBUILT = {
    "unpublished": "tests.articles.test_export:build_judged_world",
    "busy_version": "tests.browser.test_many_claims:build_busy_world",
    "anchored_story": "tests.browser.test_anchoring:build_anchored_world",
}


@pytest.fixture(scope="session")
def _snapshots():
    return {}


@pytest.fixture
def prebuilt(request, _snapshots) -> dict:
    """The objects of the prebuilt fixture this test uses, its rows copied in now, or {}.

    The users, story and versions below come from it when it has them: the fixture's rows
    refer to those. Every fixture below asks for this one first, so the copy goes in before
    any of them makes a row of its own.
    """
    import importlib

    from tests import snapshots

    names = [name for name in PREBUILT if name in request.fixturenames]
    if not names:
        return {}
    assert len(names) == 1, f"one prebuilt fixture a test: {names}"
    name = names[0]
    if name not in _snapshots:
        module, function = PREBUILT[name].split(":")
        _snapshots[name] = snapshots.take(getattr(importlib.import_module(module), function))
    return snapshots.restore(_snapshots[name])


@pytest.fixture
def editor(prebuilt, django_user_model):
    return prebuilt.get("editor") or _user(django_user_model, "edith", EDITORS_GROUP)


@pytest.fixture
def reviewer(prebuilt, django_user_model):
    return prebuilt.get("reviewer") or _user(django_user_model, "rosa", REVIEWERS_GROUP)


@pytest.fixture
def reviewer2(prebuilt, django_user_model):
    return prebuilt.get("reviewer2") or _user(django_user_model, "rami", REVIEWERS_GROUP)


@pytest.fixture
def outsider(prebuilt, django_user_model):
    """A reviewer who is not a member of the story."""
    return _user(django_user_model, "olga", REVIEWERS_GROUP)


@pytest.fixture
def story(prebuilt, editor, reviewer, reviewer2):
    return prebuilt.get("story") or _story(editor, reviewer, reviewer2)


@pytest.fixture
def original(prebuilt, story, editor):
    return prebuilt.get("original") or _original(story, editor)


@pytest.fixture
def rewritten(prebuilt, story, editor):
    return prebuilt.get("rewritten") or _rewritten(story, editor)


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
