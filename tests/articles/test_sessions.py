"""Sessions live in the database, read by articles/sessions.py: what Django's own store does."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_it_reads_a_session_in_one_query(django_assert_num_queries):
    store = SessionStore()
    store["note"] = "café 🚀"
    store.create()
    with django_assert_num_queries(1):
        assert SessionStore(store.session_key).load() == {"note": "café 🚀"}


def test_an_expired_or_unknown_session_is_empty_and_forgotten():
    store = SessionStore()
    store["note"] = "x"
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {} and expired.session_key is None
    assert SessionStore("unknownkey1234567890").load() == {}


def test_logging_out_ends_the_session_for_every_copy_of_its_cookie(client, reviewer):
    client.force_login(reviewer)
    stolen = Client()
    stolen.cookies = client.cookies.__class__(client.cookies)  # the same session cookie
    page = reverse("articles:story_list")
    assert stolen.get(page).status_code == 200
    client.post(reverse("logout"))
    assert stolen.get(page).status_code == 302  # to the login page
