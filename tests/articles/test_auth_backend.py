"""The authentication backend reads the editors group with the user, in one query."""

import pytest
from django.contrib.auth import get_user

from articles.auth import EditorAwareModelBackend
from articles.models import is_editor

pytestmark = pytest.mark.django_db


def test_the_user_of_a_session_knows_whether_it_is_an_editor(
    editor, reviewer, django_assert_num_queries
):
    backend = EditorAwareModelBackend()
    with django_assert_num_queries(2):  # one query a user
        loaded_editor = backend.get_user(editor.pk)
        loaded_reviewer = backend.get_user(reviewer.pk)
        assert (is_editor(loaded_editor), is_editor(loaded_reviewer)) == (True, False)
    assert backend.get_user(10**9) is None
    reviewer.is_active = False
    reviewer.save()
    assert backend.get_user(reviewer.pk) is None


def test_a_logged_in_request_asks_the_group_with_the_user(client, editor, rf):
    client.force_login(editor)
    request = rf.get("/")
    request.session = client.session
    user = get_user(request)
    assert user == editor and user._is_editor is True


def test_a_superuser_is_an_editor_and_a_malformed_id_is_nobody(admin_user):
    backend = EditorAwareModelBackend()
    assert is_editor(backend.get_user(admin_user.pk)) is True
    assert backend.get_user("not-a-number") is None


def test_the_user_loaded_has_every_field(reviewer):
    loaded = EditorAwareModelBackend().get_user(reviewer.pk)
    fields = [f.attname for f in type(reviewer)._meta.concrete_fields]
    assert [getattr(loaded, f) for f in fields] == [getattr(reviewer, f) for f in fields]
    assert loaded.get_session_auth_hash() == reviewer.get_session_auth_hash()
