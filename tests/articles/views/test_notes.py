"""Notes on a claim: the thread in the panel, members only, checked, kept in the history."""

import pytest
from django.urls import reverse

from articles import notes
from articles.models import Claim, Note
from articles.reviewing import claim_create
from tests.conftest import span_of

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def claim(original, reviewer):
    start, end = span_of(original, "3,400 homes")
    return claim_create(version=original, user=reviewer, start=start, end=end, exact="3,400 homes")[
        0
    ]


def post(client, claim, text, htmx=True):
    return client.post(
        reverse("articles:claim_notes", args=[claim.pk]), {"text": text}, **(HTMX if htmx else {})
    )


def test_a_member_adds_a_note_and_sees_it_in_the_thread(client, reviewer, claim):
    client.force_login(reviewer)
    revision = claim.version.story.revision
    response = post(client, claim, "Ask the council for the survey <b>today</b>.")
    assert response.status_code == 200
    assert "Note added." in response.text
    assert "Ask the council for the survey &lt;b&gt;today&lt;/b&gt;." in response.text
    assert '<textarea id="note-text' in response.text and "</textarea>" in response.text
    note = Note.objects.get()
    assert (note.claim, note.author) == (claim, reviewer)
    claim.version.story.refresh_from_db()
    assert claim.version.story.revision > revision  # open pages refresh


def test_notes_form_a_thread_in_the_claim_panel(client, reviewer, reviewer2, claim):
    notes.note_add(claim=claim, user=reviewer, text="First: the survey is from 2019.")
    notes.note_add(claim=claim, user=reviewer2, text="Second: there is a 2023 update.")
    client.force_login(reviewer)
    html = client.get(reverse("articles:claim_detail", args=[claim.pk]), **HTMX).text
    assert 'id="notes"' in html and "Notes <span" in html
    assert html.index("First: the survey") < html.index("Second: there is")
    assert "Rami" in html
    listing = client.get(reverse("articles:claim_notes", args=[claim.pk]), **HTMX)
    assert listing.status_code == 200 and "Second: there is" in listing.text


def test_without_javascript_a_note_is_added_and_the_page_comes_back(client, reviewer, claim):
    client.force_login(reviewer)
    response = post(client, claim, "Plain form.", htmx=False)
    assert response.status_code == 302
    assert response.url == f"{claim.version.get_absolute_url()}?claim={claim.pk}#notes"
    page = client.get(response.url)
    assert "Note added." in page.text and "Plain form." in page.text


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "The note is empty"), ("x" * 2001, "the limit is 2,000"), ("a\x00b", "NUL")],
)
@pytest.mark.parametrize("htmx", [True, False])
def test_an_empty_or_too_long_note_is_refused_with_the_text_kept(
    client, reviewer, claim, text, message, htmx
):
    client.force_login(reviewer)
    response = post(client, claim, text, htmx=htmx)
    assert response.status_code == 422
    assert message in response.text and 'aria-invalid="true"' in response.text
    if text.strip() and "\x00" not in text:
        assert text in response.text  # what was typed is kept
    assert not Note.objects.exists()


def test_outsiders_get_404_and_the_service_refuses_them(client, outsider, claim):
    client.force_login(outsider)
    assert post(client, claim, "Hello").status_code == 404
    assert client.get(reverse("articles:claim_notes", args=[claim.pk]), **HTMX).status_code == 404
    with pytest.raises(notes.NotAllowed):
        notes.note_add(claim=claim, user=outsider, text="Hello")
    assert not Note.objects.exists()


def test_editors_may_write_notes_on_any_story(client, editor, claim):
    client.force_login(editor)
    assert post(client, claim, "Editor's remark.").status_code == 200
    assert Note.objects.get().author == editor


def test_a_note_on_a_deleted_claim_is_refused_in_words(client, reviewer, claim):
    client.force_login(reviewer)
    Claim.objects.filter(pk=claim.pk).delete()
    response = post(client, claim, "Too late.")
    assert response.status_code == 409 and "was deleted" in response.text


def test_a_note_is_in_the_claims_history(client, reviewer, claim):
    client.force_login(reviewer)
    post(client, claim, "Check the 2023 survey.")
    html = client.get(reverse("articles:claim_history", args=[claim.pk]), **HTMX).text
    assert "event--note" in html and "added note “Check the 2023 survey.”" in html


def test_the_thread_is_sent_again_only_when_the_claim_changed(client, reviewer, reviewer2, claim):
    client.force_login(reviewer)
    url = reverse("articles:claim_notes", args=[claim.pk])
    claim.refresh_from_db()
    shown = claim.changed_revision
    html = client.get(url, **HTMX).text
    assert f"{url}?rev={shown}" in html
    assert client.get(url, {"rev": shown}, **HTMX).status_code == 204
    notes.note_add(claim=claim, user=reviewer2, text="The survey was redone in 2023.")
    response = client.get(url, {"rev": shown}, **HTMX)
    assert response.status_code == 200 and "redone in 2023" in response.text
