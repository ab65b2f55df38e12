"""tests/snapshots.py: the rows a build makes are taken once and come back as they were."""

import pytest
from django.db import connection, transaction

from articles.models import Story
from tests import snapshots
from tests.conftest import ORIGINAL, make_story, make_versions

pytestmark = pytest.mark.django_db


def test_a_snapshot_comes_back_row_for_row(django_user_model):
    def build():
        world = make_story(django_user_model)
        return world | make_versions(world["story"], world["editor"])

    snapshot = snapshots.take(build)
    assert not Story.objects.exists()  # the build was rolled back
    assert {"auth_user", "articles_story", "articles_sentence"} <= set(snapshot.rows)

    world = snapshots.restore(snapshot)
    assert world["original"].text == ORIGINAL
    assert world["original"].story == world["story"]
    assert set(world["story"].members.all()) == {world["reviewer"], world["reviewer2"]}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, (columns, rows) in snapshot.rows.items():
            names = ", ".join(map(quote, columns))
            cursor.execute(f"SELECT {names} FROM {quote(table)}")  # noqa: S608 (our tables)
            assert sorted(map(tuple, cursor.fetchall()), key=repr) == sorted(
                map(tuple, rows), key=repr
            ), table
        if connection.vendor == "postgresql":  # the generated search columns are made again
            cursor.execute("SELECT search_vector::text FROM articles_story")
            assert cursor.fetchone()[0] == "'sea':1A 'wall':2A"


def test_each_test_gets_a_copy_of_its_own(django_user_model):
    """Copies go in again once a test's are rolled back, with the same keys."""
    snapshot = snapshots.take(lambda: make_story(django_user_model))
    keys = []
    for _ in range(2):
        with transaction.atomic():
            world = snapshots.restore(snapshot)
            keys.append((world["story"].pk, world["editor"].pk))
            assert django_user_model.objects.count() == 3
            transaction.set_rollback(True)
    assert keys[0] == keys[1]
    assert not Story.objects.exists()
