"""Rows a fixture builds, built once a session and copied into each test that uses them.

Some fixtures build a story through the real services (claims marked, verdicts given,
a claim settled): half a second to several seconds, for every test that asks. ``take``
runs such a build once, in a transaction it rolls back, and keeps the rows it made;
``restore`` inserts those rows again, as they were (primary keys and timestamps included),
and hands out the objects the build returned, fetched afresh. A test gets the rows it
would have built, and its writes stay its own: they are rolled back, or flushed, after it.

The build starts from what every test starts from: no rows but the content types and
permissions migrations make (the build's own rows may not refer to those, which are made
again after each flush). The keys it used stay free: PostgreSQL never hands out a
sequence value twice, and SQLite counts past the keys inserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

# Rows migrations make (post_migrate remakes them after a flush, with new keys).
SYSTEM_TABLES = frozenset({"django_content_type", "auth_permission", "django_migrations"})


@dataclass(frozen=True)
class Snapshot:
    rows: dict[str, tuple[list[str], list[tuple]]]  # table -> (columns, rows)
    objects: dict[str, tuple[type, object]]  # name -> (model, primary key)


def _columns() -> dict[str, list[str]]:
    """Table -> the columns a row is inserted with (not those the database generates)."""
    introspection = connection.introspection
    tables = introspection.django_table_names(only_existing=True, include_views=False)
    generated = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the search vectors (articles 0004)
            cursor.execute(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_generated = 'ALWAYS'"
            )
            generated = set(cursor.fetchall())
        return {
            table: [
                column.name
                for column in introspection.get_table_description(cursor, table)
                if (table, column.name) not in generated
            ]
            for table in sorted(set(tables) - SYSTEM_TABLES)
        }


def take(build: Callable[[], dict]) -> Snapshot:
    """Run build (returning name -> model instance) in a transaction rolled back; keep
    every row it made and the instances' keys."""
    quote = connection.ops.quote_name
    columns = _columns()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for table in columns:  # only this test's rows, if any: rolled back below
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 (our tables)
        objects = {name: (type(obj), obj.pk) for name, obj in build().items()}
        rows = {}
        with connection.cursor() as cursor:
            for table, names in columns.items():
                columns_sql = ", ".join(map(quote, names))
                cursor.execute(f"SELECT {columns_sql} FROM {quote(table)}")  # noqa: S608
                if found := cursor.fetchall():
                    rows[table] = (names, found)
        transaction.set_rollback(True)
    return Snapshot(rows=rows, objects=objects)


def restore(snapshot: Snapshot) -> dict:
    """Insert the snapshot's rows; return its objects (name -> instance), fetched now."""
    quote = connection.ops.quote_name
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgresql:  # the tables' rows go in one table at a time: refer to later ones
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, (columns, rows) in snapshot.rows.items():
            names = ", ".join(quote(column) for column in columns)
            marks = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, rows)
        if postgresql:
            # Check every reference now: a test's transaction is never committed. The
            # constraints stay immediate, as a build leaves them (versions.import_version).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return {
        name: model._default_manager.get(pk=pk) for name, (model, pk) in snapshot.objects.items()
    }
