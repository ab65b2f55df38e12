"""The project's authentication backend: Django's ModelBackend, whose ``get_user`` (run
on every request, from the session) also reads whether the user is an editor, in the
same query. ``models.is_editor`` then needs no query of its own: every view asks it,
through ``visible_to``."""

import functools

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import connections

from articles.models import EDITORS_GROUP


class EditorAwareModelBackend(ModelBackend):
    def get_user(self, user_id):
        users = self._users()
        try:
            pk = users.model._meta.pk.to_python(user_id)
        except ValidationError:  # a session with a malformed id: nobody
            return None
        found = list(users.raw(_user_sql(users.model, users.db), [EDITORS_GROUP, pk]))
        if not found:
            return None
        user = found[0]
        user._is_editor = user.is_superuser or bool(user.in_editors_group)
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _users():
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager


@functools.cache
def _user_sql(model, alias: str) -> str:
    """The user by primary key, with ``in_editors_group``: written out, not built by the
    ORM, because every request runs it and building it cost twice what running it does.
    The same columns, in the same order, as the ORM's query for the user."""
    qn = connections[alias].ops.quote_name
    table = qn(model._meta.db_table)
    columns = ", ".join(f"{table}.{qn(f.column)}" for f in model._meta.concrete_fields)
    through = model._meta.get_field("groups").remote_field.through._meta
    member = through.get_field(model._meta.model_name).column
    group = through.get_field("group").column
    pk = f"{table}.{qn(model._meta.pk.column)}"
    return (
        f"SELECT {columns}, EXISTS (SELECT 1 FROM {qn(through.db_table)} m"  # noqa: S608
        f" INNER JOIN {qn(Group._meta.db_table)} g ON g.{qn(Group._meta.pk.column)} = m.{qn(group)}"
        f" WHERE m.{qn(member)} = {pk} AND g.{qn('name')} = %s) AS in_editors_group"
        f" FROM {table} WHERE {pk} = %s"
    )
