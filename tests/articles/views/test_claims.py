"""Claims: marking a selection, opening, moving and deleting, with every permission path."""

import pytest
from django.urls import reverse

from articles.models import Claim, Verdict
from articles.ratings import Rating
from articles.versions import import_version
from tests.conftest import span_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def create(client, version, words, **overrides):
    start, end = span_of(version, words)
    data = {"start": start, "end": end, "exact": words} | overrides
    return client.post(reverse("articles:claim_create", args=[version.pk]), data, **HTMX)


def make_claim(version, user, words):
    start, end = span_of(version, words)
    return Claim.objects.create(
        version=version,
        number=Claim.objects.filter(version=version).count() + 1,
        start=start,
        end=end,
        exact=words,
        created_by=user,
    )


def test_a_reviewer_marks_a_claim_from_a_selection(client, reviewer, original):
    client.force_login(reviewer)
    response = create(client, original, "protects 3,400 homes")
    assert response.status_code == 200
    claim = Claim.objects.get()
    assert original.text[claim.start : claim.end] == "protects 3,400 homes"
    assert (claim.exact, claim.number, claim.created_by) == ("protects 3,400 homes", 1, reviewer)
    assert original.text.endswith(claim.suffix) or claim.suffix in original.text
    assert claim.prefix.endswith("point.” It ")
    assert "Claim #1" in response.text
    assert f'data-claim="{claim.pk}"' in response.text  # the highlight, swapped out of band
    # Only its paragraph and its list item are swapped in, not the whole text and list.
    assert 'data-hx-swap-oob="beforeend:#claim-items"' in response.text
    assert f'id="claim-item-{claim.pk}"' in response.text
    assert "Harbour town votes" not in response.text
    assert '"live-removed": {"ids": [' in response.headers["HX-Trigger"]


def test_without_htmx_it_redirects_to_the_open_claim(client, reviewer, original):
    client.force_login(reviewer)
    start, end = span_of(original, "3,400 homes")
    response = client.post(
        reverse("articles:claim_create", args=[original.pk]),
        {"start": start, "end": end, "exact": "3,400 homes"},
    )
    claim = Claim.objects.get()
    assert response.url == f"{original.get_absolute_url()}?claim={claim.pk}"


def test_it_snaps_a_selection_to_whole_words(client, reviewer, original):
    client.force_login(reviewer)
    start, end = span_of(original, "rotects 3,400 hom")
    create(client, original, "rotects 3,400 hom", start=start, end=end)
    assert Claim.objects.get().exact == "protects 3,400 homes."[:-1]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"start": 0, "end": 99_999}, "outside the text"),
        ({"exact": "something else entirely"}, "does not match"),
        ({"exact": "   "}, "empty"),
        ({"start": "x"}, "could not be read"),
    ],
)
def test_it_rejects_bad_selections_and_creates_nothing(
    client, reviewer, original, overrides, message
):
    client.force_login(reviewer)
    response = create(client, original, "3,400 homes", **overrides)
    assert response.status_code == 422
    assert message in response.text
    assert not Claim.objects.exists()


def test_marking_the_same_words_twice_opens_the_existing_claim(
    client, reviewer, reviewer2, original
):
    client.force_login(reviewer)
    create(client, original, "3,400 homes")
    client.force_login(reviewer2)
    response = create(client, original, "3,400 homes")
    assert Claim.objects.count() == 1
    assert "already claim #1" in response.text


def test_outsiders_and_anonymous_users_cannot_mark_claims(client, outsider, original):
    response = create(client, original, "3,400 homes")
    assert response.status_code == 302 and "/login/" in response.url
    client.force_login(outsider)
    assert create(client, original, "3,400 homes").status_code == 404
    assert not Claim.objects.exists()


def test_the_reading_view_escapes_text_and_draws_highlights(client, reviewer, editor, story):

    version = import_version(
        story=story,
        text="The <b>bold</b> claim 🚀 is here. Another one.",
        label="X",
        created_by=editor,
    )
    claim = make_claim(version, reviewer, "claim 🚀 is")
    client.force_login(reviewer)
    html = client.get(version.get_absolute_url()).text
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert f'data-claim="{claim.pk}"' in html and ">claim 🚀 is</mark>" in html
    first = "The <b>bold</b> claim 🚀 is here."
    assert f'data-start="0" data-end="{len(first)}"' in html


def test_the_reading_view_uses_a_fixed_number_of_queries(client, reviewer, original):
    client.force_login(reviewer)
    words = original.text.split()
    first = make_claim(original, reviewer, "protects 3,400 homes")
    Verdict.objects.create(claim=first, reviewer=reviewer, rating=Rating.MIXED)
    client.get(original.get_absolute_url())
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(original.get_absolute_url())
    for i, word in enumerate(w for w in words if len(w) > 3 and original.text.count(w) == 1):
        claim = make_claim(original, reviewer, word)
        Verdict.objects.create(claim=claim, reviewer=reviewer, rating=Rating.MIXED)
        if i > 12:
            break
    with CaptureQueriesContext(connection) as many:
        client.get(original.get_absolute_url())
    assert Claim.objects.count() > 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_opening_a_claim_returns_its_panel(client, reviewer, original):
    claim = make_claim(original, reviewer, "3,400 homes")
    client.force_login(reviewer)
    response = client.get(claim.get_absolute_url(), **HTMX)
    assert "Claim #1" in response.text and "Add your verdict" in response.text
    plain = client.get(claim.get_absolute_url())
    assert plain.status_code == 302 and f"?claim={claim.pk}" in plain.url
    page = client.get(plain.url)
    assert page.context["open_claim"] == claim


def test_the_author_moves_a_claim_to_a_new_span(client, reviewer, original):
    claim = make_claim(original, reviewer, "3,400 homes")
    client.force_login(reviewer)
    start, end = span_of(original, "protects 3,400 homes")
    response = client.post(
        reverse("articles:claim_update", args=[claim.pk]),
        {"start": start, "end": end, "exact": "protects 3,400 homes", "revision": 1},
        **HTMX,
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert (claim.exact, claim.revision) == ("protects 3,400 homes", 2)
    assert claim.history.count() == 2


def test_a_stale_span_edit_is_told_about_the_conflict(client, reviewer, original):
    claim = make_claim(original, reviewer, "3,400 homes")
    Claim.objects.filter(pk=claim.pk).update(revision=5)
    client.force_login(reviewer)
    start, end = span_of(original, "protects 3,400 homes")
    response = client.post(
        reverse("articles:claim_update", args=[claim.pk]),
        {"start": start, "end": end, "exact": "protects 3,400 homes", "revision": 1},
        **HTMX,
    )
    assert response.status_code == 409
    assert "Someone changed this claim" in response.text
    claim.refresh_from_db()
    assert claim.exact == "3,400 homes"


def test_only_the_author_may_move_a_claim(client, reviewer, reviewer2, original):
    claim = make_claim(original, reviewer, "3,400 homes")
    client.force_login(reviewer2)
    start, end = span_of(original, "protects 3,400 homes")
    response = client.post(
        reverse("articles:claim_update", args=[claim.pk]),
        {"start": start, "end": end, "exact": "protects 3,400 homes", "revision": 1},
    )
    assert response.status_code == 403


def test_the_author_deletes_an_unjudged_claim_after_confirming(client, reviewer, original):
    claim = make_claim(original, reviewer, "3,400 homes")
    client.force_login(reviewer)
    confirm = client.get(reverse("articles:claim_delete", args=[claim.pk]))
    assert "Delete claim #1?" in confirm.text
    assert Claim.objects.exists()
    response = client.post(reverse("articles:claim_delete", args=[claim.pk]))
    assert response.url == original.get_absolute_url()
    assert not Claim.objects.exists()


def test_a_reviewer_cannot_delete_a_claim_others_judged(
    client, reviewer, reviewer2, editor, original
):
    claim = make_claim(original, reviewer, "3,400 homes")
    Verdict.objects.create(claim=claim, reviewer=reviewer2, rating=Rating.ACCURATE)
    client.force_login(reviewer)
    assert client.post(reverse("articles:claim_delete", args=[claim.pk])).status_code == 403
    client.force_login(reviewer2)
    assert client.post(reverse("articles:claim_delete", args=[claim.pk])).status_code == 403
    assert Claim.objects.exists()
    client.force_login(editor)
    client.post(reverse("articles:claim_delete", args=[claim.pk]))
    assert not Claim.objects.exists() and not Verdict.objects.exists()


def test_live_polling_returns_nothing_until_the_story_changes(client, reviewer, original):
    from articles import reviewing

    client.force_login(reviewer)
    url = reverse("articles:version_live", args=[original.pk])
    rev = original.story.__class__.objects.get(pk=original.story_id).revision
    assert client.get(f"{url}?rev={rev}", **HTMX).status_code == 204
    start, end = span_of(original, "3,400 homes")
    claim, _ = reviewing.claim_create(
        version=original, user=reviewer, start=start, end=end, exact="3,400 homes"
    )
    now = original.story.__class__.objects.get(pk=original.story_id).revision
    response = client.get(f"{url}?rev={rev}", **HTMX)
    assert response.status_code == 200
    assert f"?rev={now}" in response.text
    assert "3,400 homes" in response.text
    assert f'id="claim-item-{claim.pk}"' in response.text
    assert "claims-changed" in response.headers["HX-Trigger"]


@pytest.mark.parametrize(
    "quote, status, message",
    [
        ("protects 3,400 homes", 200, "Claim #1"),
        ("protects 3,999 homes", 422, "not in the text"),
        ("the", 422, "occur"),
        ("   ", 422, "Type or paste the words"),
    ],
)
def test_a_claim_can_be_marked_by_quoting_it_without_javascript(
    client, reviewer, original, quote, status, message
):
    client.force_login(reviewer)
    response = client.post(
        reverse("articles:claim_create", args=[original.pk]), {"quote": quote}, **HTMX
    )
    assert response.status_code == status
    assert message in response.text
    assert Claim.objects.count() == (1 if status == 200 else 0)
