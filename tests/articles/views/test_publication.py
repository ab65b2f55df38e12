"""The published fact-check: publishing and withdrawing it, and the public page (no login,
settled claims only, ClaimReview markup that passes Google's rules and the schema.org
vocabulary, caches that cannot keep a withdrawn page)."""

import json
from functools import cache

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import comparison, export, history
from articles.models import Claim, Counterpart, Publication
from articles.ratings import Rating
from tests.articles import richresults
from tests.articles.test_export import SCHEMAORG, Vocabulary

pytestmark = pytest.mark.django_db


@cache
def vocabulary():
    return Vocabulary(json.loads(SCHEMAORG.read_text(encoding="utf-8"))["@graph"])


def manage_url(story):
    return reverse("articles:story_publication", args=[story.pk])


def publish(client, story):
    return client.post(manage_url(story), {"action": "publish"})


def public_page(client, story):
    publication = Publication.objects.get(story=story)
    path = publication.get_absolute_url()
    return client.get(path), f"http://testserver{path}"


# ---------------------------------------------------------------------------- publishing


def test_an_editor_publishes_and_anyone_reads_the_page(client, editor, unpublished, organisation):
    client.force_login(editor)
    response = publish(client, unpublished)
    assert response.status_code == 302
    publication = Publication.objects.get(story=unpublished)
    assert publication.published_by == editor and publication.is_live
    assert publication.organisation_name == "Porthallow Fact Desk"
    client.logout()
    page, _ = public_page(client, unpublished)
    assert page.status_code == 200
    assert "Porthallow Fact Desk" in page.text and "Sea wall" in page.text


def test_the_page_shows_settled_claims_only_and_nothing_internal(client, judged):
    page, _ = public_page(client, judged)
    html = page.text
    assert "spend £4.2m on the wall" in html
    assert "Budget papers: £4.2m." in html  # the editor's note
    assert "Council" in html and "https://council.example/minutes" in html  # a source
    for internal in ("It protects 3,400 homes.", "will last eighteen years", "Rosa", "Rami"):
        assert internal not in html  # open claims, reviewers' names
    assert "=1+1 says the spreadsheet" not in html  # reviewers' rationales
    assert "<script>alert" not in html


def test_publishing_without_an_organisation_says_so_and_stores_nothing(
    client, editor, unpublished, settings
):
    settings.FACTCHECK_ORGANISATION = "Porthallow Fact Desk"
    settings.FACTCHECK_ORGANISATION_URL = ""
    settings.FACTCHECK_ORGANISATION_LOGO = ""
    client.force_login(editor)
    response = publish(client, unpublished)
    assert response.status_code == 409
    assert "FACTCHECK_ORGANISATION_URL" in response.text
    assert "FACTCHECK_ORGANISATION_LOGO" in response.text
    assert not Publication.objects.exists() and not Publication.history.exists()
    settings.FACTCHECK_ORGANISATION = ""
    assert "FACTCHECK_ORGANISATION (the newsroom" in client.get(manage_url(unpublished)).text


def test_a_bad_organisation_address_is_refused(client, editor, unpublished, organisation, settings):
    settings.FACTCHECK_ORGANISATION_URL = "javascript:alert(1)"
    client.force_login(editor)
    assert publish(client, unpublished).status_code == 409
    assert not Publication.objects.exists()


def test_the_story_page_links_the_published_page(client, reviewer, editor, judged):
    path = Publication.objects.get(story=judged).get_absolute_url()
    client.force_login(reviewer)
    assert path in client.get(judged.get_absolute_url()).text
    client.force_login(editor)
    client.post(manage_url(judged), {"action": "unpublish"})
    assert path not in client.get(judged.get_absolute_url()).text


def test_a_story_without_a_settled_claim_cannot_be_published(
    client, editor, original, organisation
):
    client.force_login(editor)
    response = publish(client, original.story)
    assert response.status_code == 409
    assert "No claim of this story is settled yet" in response.text
    assert not Publication.objects.exists()


def test_reviewers_cannot_publish_or_unpublish(client, reviewer, judged):
    client.force_login(reviewer)
    assert client.get(manage_url(judged)).status_code == 403
    assert client.post(manage_url(judged), {"action": "unpublish"}).status_code == 403
    assert Publication.objects.get(story=judged).is_live


def test_the_editors_page_needs_a_login(client, judged):
    response = client.get(manage_url(judged))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_unknown_action_is_refused(client, editor, judged):
    client.force_login(editor)
    assert client.post(manage_url(judged), {"action": "delete"}).status_code == 400


def test_unpublishing_answers_gone_at_once_and_is_recorded(client, editor, judged):
    page, _ = public_page(client, judged)
    etag = page["ETag"]
    client.force_login(editor)
    response = client.post(manage_url(judged), {"action": "unpublish"}, follow=True)
    assert "Unpublished." in response.text
    client.logout()
    gone, _ = public_page(client, judged)
    assert gone.status_code == 410
    assert "This fact-check was withdrawn" in gone.text
    assert "no-store" in gone["Cache-Control"]
    # A cache revalidating its copy is told the page is gone, not "not modified".
    again = client.get(
        Publication.objects.get(story=judged).get_absolute_url(), HTTP_IF_NONE_MATCH=etag
    )
    assert again.status_code == 410
    client.force_login(editor)
    record = client.get(manage_url(judged)).text
    assert "Unpublished by Edith" in record and "Published by Edith" in record


def test_publishing_again_keeps_the_address(client, editor, judged):
    slug = Publication.objects.get(story=judged).slug
    client.force_login(editor)
    client.post(manage_url(judged), {"action": "unpublish"})
    publish(client, judged)
    publication = Publication.objects.get(story=judged)
    assert publication.slug == slug and publication.is_live
    events = history.publication_events(judged)
    assert [e["action"] for e in events] == ["published", "unpublished", "published"]


def test_a_page_whose_claims_were_all_reopened_says_so(client, editor, judged):
    Claim.objects.filter(version__story=judged).update(settled_at=None, settled_rating="")
    judged.touch()
    page, _ = public_page(client, judged)
    assert page.status_code == 200
    assert "No claim has a final verdict at the moment" in page.text
    assert "application/ld+json" not in page.text and "<ol" not in page.text


def test_an_unknown_address_is_not_found(client, judged):
    assert client.get("/fact-checks/no-such-page-1234/").status_code == 404


# ---------------------------------------------------------------------------- caching


def test_caches_must_revalidate_the_page_every_time(client, judged):
    page, _ = public_page(client, judged)
    assert page["Cache-Control"] == "public, no-cache"
    assert page["ETag"]
    path = Publication.objects.get(story=judged).get_absolute_url()
    same = client.get(path, HTTP_IF_NONE_MATCH=page["ETag"])
    assert same.status_code == 304 and same["Cache-Control"] == "public, no-cache"


def test_a_change_to_the_story_changes_the_etag(client, judged):
    page, _ = public_page(client, judged)
    homes = Claim.objects.get(exact="It protects 3,400 homes.")
    Claim.objects.filter(pk=homes.pk).update(
        settled_rating=Rating.ACCURATE, settled_at=timezone.now(), settled_by=judged.created_by
    )
    judged.touch()
    path = Publication.objects.get(story=judged).get_absolute_url()
    fresh = client.get(path, HTTP_IF_NONE_MATCH=page["ETag"])
    assert fresh.status_code == 200 and "It protects 3,400 homes." in fresh.text


def test_a_new_organisation_name_changes_the_etag(client, editor, judged, settings):
    page, _ = public_page(client, judged)
    settings.FACTCHECK_ORGANISATION = "Porthallow Fact Desk & Co"
    client.force_login(editor)
    publish(client, judged)  # while live: takes the organisation from the settings again
    client.logout()
    path = Publication.objects.get(story=judged).get_absolute_url()
    fresh = client.get(path, HTTP_IF_NONE_MATCH=page["ETag"])
    assert fresh.status_code == 200 and "Porthallow Fact Desk &amp; Co" in fresh.text


def test_the_page_loads_nothing_from_elsewhere(client, judged):
    page, _ = public_page(client, judged)
    html = page.text
    assert 'src="http' not in html and 'rel="stylesheet" href="http' not in html
    assert '<img class="pub-logo" src="/static/favicon.svg"' in html


# ---------------------------------------------------------------------------- ClaimReview


def test_the_page_passes_the_rich_results_rules_and_the_vocabulary(client, judged):
    page, page_url = public_page(client, judged)
    assert richresults.problems(page.text, page_url) == []
    reviews = richresults.claim_reviews_of(page.text)
    assert len(reviews) == 1
    for review in reviews:
        assert vocabulary().check(review) == []
        assert review["url"].startswith(page_url + "#claim-")
        assert review["author"]["name"] == "Porthallow Fact Desk"


def test_the_rules_catch_a_review_whose_url_is_elsewhere(client, judged):
    page, page_url = public_page(client, judged)
    html = page.text.replace(page_url, "http://login-only.example/export.html")
    assert any("not on the page's domain" in p for p in richresults.problems(html, page_url))
    html = page.text.replace('"alternateName": "Accurate"', '"alternateName": ""')
    assert any("alternateName" in p for p in richresults.problems(html, page_url))
    assert richresults.problems("<p>No markup</p>", page_url) == ["no ClaimReview on the page"]


def test_a_version_stating_different_facts_is_named_not_listed_as_appearance(client, judged):
    """The rewrite says £42m where the original says £4.2m: it did not make this claim."""
    page, _ = public_page(client, judged)
    (review,) = richresults.claim_reviews_of(page.text)
    appearances = [a["name"] for a in review["itemReviewed"]["appearance"]]
    assert appearances == ["Original report"]
    assert "Coast Daily (Rewritten copy) states this differently" in review["reviewBody"]
    assert "money: £4.2m vs £42m" in review["reviewBody"]
    assert "Rewritten copy (Coast Daily) states this differently:" in page.text


def test_a_confirmed_counterpart_without_differences_is_an_appearance(editor, judged, settings):
    settings.ALLOWED_HOSTS = ["fc.example"]
    homes = Claim.objects.get(exact="It protects 3,400 homes.")
    Claim.objects.filter(pk=homes.pk).update(
        settled_rating=Rating.ACCURATE, settled_at=timezone.now(), settled_by=editor
    )
    counterpart = Counterpart.objects.get(claim=homes)
    assert counterpart.status == "proposed" and counterpart.fact_diffs == []
    from tests.articles.test_export import bundle_of

    def appearance():
        bundle = bundle_of(judged)
        entry = next(e for e in bundle.entries if e.claim.pk == homes.pk)
        return [
            a["name"]
            for a in export.claim_review(bundle, entry, "accurate", None)["itemReviewed"][
                "appearance"
            ]
        ]

    assert appearance() == ["Original report"]  # proposed by the machine only: not named
    comparison.counterpart_confirm(counterpart=counterpart, user=editor)
    assert appearance() == ["Original report", "Rewritten copy"]
