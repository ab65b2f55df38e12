"""The project's authentication backend: Django's ModelBackend, whose ``get_user`` (run
on every request, from the session) also reads whether the user is an editor, in the
same query. ``models.is_editor`` then needs no query of its own: every view asks it,
through ``visible_to``."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef

from articles.models import EDITORS_GROUP


class EditorAwareModelBackend(ModelBackend):
    def get_user(self, user_id):
        editor = Group.objects.filter(user=OuterRef("pk"), name=EDITORS_GROUP)
        try:
            user = self._users().annotate(in_editors_group=Exists(editor)).get(pk=user_id)
        except self._users().model.DoesNotExist:
            return None
        user._is_editor = user.is_superuser or user.in_editors_group
        return user if self.user_can_authenticate(user) else None

    @staticmethod
    def _users():
        from django.contrib.auth import get_user_model

        return get_user_model()._default_manager
