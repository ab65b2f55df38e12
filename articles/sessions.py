"""Sessions in the database, as Django keeps them (``django.contrib.sessions.backends.db``),
read with a written-out query: every request reads its session, and building the ORM's
query cost more than running it. Writes, expiry and ``clearsessions`` are Django's."""

import functools

from django.contrib.sessions.backends import db
from django.db import connections
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model, alias = self.model, self.model.objects.db
        now = connections[alias].ops.adapt_datetimefield_value(timezone.now())
        found = list(model.objects.raw(_session_sql(model, alias), [self.session_key, now]))
        if found:
            return found[0]
        self._session_key = None
        return None


@functools.cache
def _session_sql(model, alias: str) -> str:
    """The unexpired session by key (Django's query, without the ORM building it)."""
    qn = connections[alias].ops.quote_name
    meta = model._meta
    columns = ", ".join(qn(f.column) for f in meta.concrete_fields)
    key, expires = meta.get_field("session_key").column, meta.get_field("expire_date").column
    return (
        f"SELECT {columns} FROM {qn(meta.db_table)}"  # noqa: S608 -- names only
        f" WHERE {qn(key)} = %s AND {qn(expires)} > %s"
    )
