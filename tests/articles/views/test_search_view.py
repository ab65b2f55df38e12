"""The search page: results highlighted, filters, bad input, and who sees what."""

import pytest
from django.urls import reverse

from tests.articles.test_search import judged  # noqa: F401 -- a fixture

pytestmark = pytest.mark.django_db
URL = "/search/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_url_is_stable():
    assert reverse("articles:search") == URL


def test_an_empty_search_explains_what_it_finds(client, reviewer):
    client.force_login(reviewer)
    response = client.get(URL)
    assert response.status_code == 200
    assert "Search finds stories, claims" in response.text


def test_it_finds_a_claim_by_a_word_of_its_rationale_highlighted(client, editor, judged):  # noqa: F811
    claim, _ = judged
    client.force_login(editor)
    response = client.get(URL, {"q": "dwellings"})
    assert "1 result for “dwellings”." in response.text
    assert "<mark>dwellings</mark>" in response.text
    assert f"?claim={claim.pk}" in response.text


def test_the_htmx_request_gets_only_the_results(client, editor, judged):  # noqa: F811
    client.force_login(editor)
    response = client.get(URL, {"q": "dwellings", "fragment": "results"}, **HTMX)
    assert response.text.lstrip().startswith('<section id="results"')


def test_a_search_of_only_punctuation_says_so(client, editor):
    client.force_login(editor)
    response = client.get(URL, {"q": "?!?;…"})
    assert response.status_code == 200
    assert "Type at least one word or number to search for." in response.text


def test_a_search_of_10000_characters_is_cut_with_a_notice(client, editor, judged):  # noqa: F811
    client.force_login(editor)
    response = client.get(URL, {"q": "dwellings " + "x" * 10_000})
    assert response.status_code == 200
    assert "only its first 200 characters were searched" in response.text


def test_bad_filters_are_left_out_with_a_message(client, editor, judged):  # noqa: F811
    client.force_login(editor)
    response = client.get(
        URL, {"q": "dwellings", "story": "99999999999999999999999", "status": "x"}
    )
    assert response.status_code == 200
    assert "Those filters could not be read" in response.text


def test_user_text_is_never_markup(client, editor, reviewer, original):
    from articles import reviewing
    from articles.ratings import Rating
    from tests.articles.test_workflow import claim_on

    claim = claim_on(original, reviewer, "It protects 3,400 homes.")
    reviewing.verdict_save(
        claim=claim,
        user=reviewer,
        rating=Rating.ACCURATE,
        rationale="<script>alert(1)</script> seawall",
        sources=[],
        revision=None,
    )
    client.force_login(editor)
    response = client.get(URL, {"q": "seawall"})
    assert "<script>alert(1)" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>seawall</mark>" in response.text


def test_a_reviewer_does_not_find_other_stories(client, outsider, judged):  # noqa: F811
    client.force_login(outsider)
    response = client.get(URL, {"q": "dwellings"})
    assert "0 results" in response.text


def test_the_search_box_is_on_every_page(client, reviewer):
    client.force_login(reviewer)
    text = client.get("/").text
    assert 'action="/search/"' in text and 'href="/queue/"' in text


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get(URL, {"q": "x"}).status_code == 302
