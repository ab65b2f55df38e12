"""Who's here: fed by the reading view's live poll, gone when the page leaves or expires."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Presence
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def poll(client, version, **params):
    return client.get(
        reverse("articles:version_live", args=[version.pk]),
        {"rev": version.story.__class__.objects.get(pk=version.story_id).revision} | params,
        **HTMX,
    )


def test_a_poll_with_a_tab_records_presence_and_shows_the_others(
    client, reviewer, reviewer2, original
):
    claim = claim_on(original, reviewer, "It protects 3,400 homes.")
    client.force_login(reviewer)
    first = poll(client, original, tab="rosatab01", claim=claim.pk)
    assert first.status_code == 200  # the page's presence region was never filled
    assert 'id="presence"' in first.text and "Also here" not in first.text
    assert Presence.objects.get().claim == claim

    client.force_login(reviewer2)
    seen = poll(client, original, tab="ramitab01")
    assert seen.status_code == 200
    assert "Rosa" in seen.text and "claim #1" in seen.text
    assert 'id="live"' in seen.text  # the poller itself comes back too
    fingerprint = seen.text.split('data-fingerprint="')[1].split('"')[0]
    # Nothing changed since: the usual 204.
    assert poll(client, original, tab="ramitab01", presence=fingerprint).status_code == 204


def test_a_poll_without_a_tab_records_nothing(client, reviewer, original):
    client.force_login(reviewer)
    assert poll(client, original).status_code == 204
    assert poll(client, original, tab="<bad>").status_code == 204
    assert not Presence.objects.exists()


def test_a_changed_story_sends_presence_with_the_regions(client, reviewer, reviewer2, original):
    client.force_login(reviewer2)
    poll(client, original, tab="ramitab01")
    client.force_login(reviewer)
    response = client.get(
        reverse("articles:version_live", args=[original.pk]),
        {"rev": "-1", "tab": "rosatab01"},
        **HTMX,
    )
    assert 'id="live-notice"' in response.text  # an unreadable revision: refresh
    assert 'id="presence"' in response.text and "Rami" in response.text


def test_leaving_removes_the_page_at_once(client, reviewer, reviewer2, original):
    client.force_login(reviewer)
    poll(client, original, tab="rosatab01")
    client.force_login(reviewer2)
    poll(client, original, tab="ramitab01")
    client.force_login(reviewer)
    response = client.post(
        reverse("articles:presence_leave", args=[original.pk]), {"tab": "rosatab01"}
    )
    assert response.status_code == 204
    assert list(Presence.objects.values_list("user", flat=True)) == [reviewer2.pk]


def test_leaving_cannot_remove_someone_else(client, reviewer, reviewer2, original):
    client.force_login(reviewer2)
    poll(client, original, tab="ramitab01")
    client.force_login(reviewer)
    client.post(reverse("articles:presence_leave", args=[original.pk]), {"tab": "ramitab01"})
    assert Presence.objects.count() == 1


def test_expired_pages_leave_no_trace(client, reviewer, reviewer2, original):
    client.force_login(reviewer)
    poll(client, original, tab="rosatab01")
    Presence.objects.update(seen_at=timezone.now() - datetime.timedelta(minutes=1))
    client.force_login(reviewer2)
    response = poll(client, original, tab="ramitab01")
    assert "Rosa" not in response.text
    assert list(Presence.objects.values_list("user", flat=True)) == [reviewer2.pk]


def test_a_non_member_neither_polls_nor_leaves(client, outsider, original):
    client.force_login(outsider)
    assert poll(client, original, tab="olgatab01").status_code == 404
    response = client.post(reverse("articles:presence_leave", args=[original.pk]), {"tab": "x"})
    assert response.status_code == 404
    assert not Presence.objects.exists()


def test_the_reading_view_has_the_presence_region_and_script(client, reviewer, original):
    client.force_login(reviewer)
    text = client.get(original.get_absolute_url()).text
    assert 'id="presence"' in text and "js/presence.js" in text
    assert reverse("articles:presence_leave", args=[original.pk]) in text
