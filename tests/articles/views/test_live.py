"""The live poll sends only what changed since the page's revision, as out-of-band swaps."""

import json
import re

import pytest
from django.urls import reverse

from articles import live, reviewing, suggestions
from articles.models import Story
from tests.articles.test_live_push import postgres_only
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def revision(version) -> int:
    return Story.objects.get(pk=version.story_id).revision


def poll(client, version, rev, **params):
    return client.get(
        reverse("articles:version_live", args=[version.pk]), {"rev": rev} | params, **HTMX
    )


def events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def oob_ids(response) -> list[str]:
    return re.findall(r'id="([^"]+)"[^>]*data-hx-swap-oob', response.text)


def test_a_verdict_sends_only_its_claims_block_and_list_item(client, reviewer, reviewer2, original):
    first = claim_on(original, reviewer, "spend £4.2m on the wall")
    claim_on(original, reviewer, "takes eighteen months")
    rev = revision(original)
    reviewing.verdict_save(
        claim=first, user=reviewer2, rating="inaccurate", rationale="", sources=[], revision=None
    )
    client.force_login(reviewer)
    response = poll(client, original, rev, claim=first.pk)
    assert response.status_code == 200
    assert f"?rev={revision(original)}" in response.text
    block = first.version.blocks.get(start__lte=first.start, end__gte=first.end)
    # The paragraph with the claim, redrawn with its new rating; not the other paragraph.
    assert oob_ids(response) == [f"b{block.position}", "claim-count", "no-claims"]
    assert f'data-claim="{first.pk}"' in response.text and "r-inaccurate" in response.text
    assert "eighteen months" not in response.text
    assert "Harbour town votes" not in response.text
    # Its list item is taken out, then put back before the next claim's.
    assert events(response)["live-removed"] == {"ids": [first.pk]}
    assert f'id="claim-item-{first.pk}"' in response.text
    assert 'beforeend:#claim-items"' in response.text or "beforebegin:#claim-item-" in response.text
    # Only the open claim's verdicts need fetching again, not the suggestion list.
    assert "claim-changed" in events(response) and "claims-changed" not in events(response)
    # Asked again from the new revision: nothing.
    assert poll(client, original, revision(original)).status_code == 204


def test_a_new_claim_is_inserted_before_the_one_after_it(client, reviewer, reviewer2, original):
    later = claim_on(original, reviewer, "takes eighteen months")
    rev = revision(original)
    new = claim_on(original, reviewer2, "It protects 3,400 homes.")
    client.force_login(reviewer)
    response = poll(client, original, rev)
    assert f'data-hx-swap-oob="beforebegin:#claim-item-{later.pk}"' in response.text
    assert f'id="claim-item-{new.pk}"' in response.text
    assert '<span class="count" id="claim-count" data-hx-swap-oob="true">2</span>' in response.text
    assert "claims-changed" in events(response)  # suggestions change with the claims


def test_a_moved_claim_redraws_the_words_it_left(client, reviewer, original):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    rev = revision(original)
    start = original.text.index("takes eighteen months")
    reviewing.claim_update_span(
        claim=claim,
        user=reviewer,
        start=start,
        end=start + len("takes eighteen months"),
        exact="takes eighteen months",
        revision=claim.revision,
    )
    client.force_login(reviewer)
    response = poll(client, original, rev)
    at = original.text.index("spend £4.2m")
    old = original.blocks.get(start__lte=at, end__gt=at)
    new = original.blocks.get(start__lte=start, end__gt=start)
    ids = oob_ids(response)
    assert f"b{old.position}" in ids and f"b{new.position}" in ids
    assert "spend £4.2m on the wall" in response.text  # the old paragraph, now unmarked


def test_a_deleted_claim_is_removed(client, reviewer, original):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    rev = revision(original)
    reviewing.claim_delete(claim=claim, user=reviewer)
    client.force_login(reviewer)
    response = poll(client, original, rev)
    assert events(response)["live-removed"] == {"ids": [claim.pk]}
    assert f'data-claim="{claim.pk}"' not in response.text
    assert '<p class="muted" id="no-claims" data-hx-swap-oob="true">' in response.text


def test_many_changes_send_a_notice_to_refresh(client, reviewer, original, monkeypatch):
    monkeypatch.setattr(live, "MAX_CLAIMS", 1)
    rev = revision(original)
    claim_on(original, reviewer, "spend £4.2m on the wall")
    claim_on(original, reviewer, "takes eighteen months")
    client.force_login(reviewer)
    response = poll(client, original, rev)
    assert 'id="live-notice"' in response.text and "2 claims changed" in response.text
    assert "Refresh" in response.text and "block--" not in response.text


def test_an_unreadable_revision_gets_the_notice(client, reviewer, original):
    client.force_login(reviewer)
    for rev in ("-1", "abc", str(revision(original) + 5)):
        assert "Refresh" in poll(client, original, rev).text


def test_a_change_without_claims_sends_the_revision_only(client, reviewer, original):
    rev = revision(original)
    original.story.touch()  # an assignment, a dismissed suggestion
    client.force_login(reviewer)
    response = poll(client, original, rev)
    assert f"?rev={rev + 1}" in response.text and "data-hx-swap-oob" not in response.text
    assert "claims-changed" in events(response)


def test_a_dismissed_suggestion_reloads_the_lists_of_every_page_even_after_other_writes(
    client, reviewer, reviewer2, original, rewritten
):
    """A dismissal changes no claim: the suggestion list still reloads, from any revision
    before it, whatever was written after it (before, a page that had seen a later write
    by push never reloaded its list)."""
    mine = claim_on(rewritten, reviewer, "shields 3,400 homes")
    rev = revision(original)
    first = suggestions.shown(original)[0][0]
    suggestions.dismiss(
        version=original, start=first.start, end=first.end, reason="not_worth", user=reviewer2
    )
    reviewing.verdict_save(
        claim=mine, user=reviewer2, rating="accurate", rationale="", sources=[], revision=None
    )
    client.force_login(reviewer)
    assert "claims-changed" in events(poll(client, original, rev))
    # Every version of the story is marked (a corrected link or a new version changes the
    # lists on both sides; a dismissal is rare enough not to tell them apart).
    assert "claims-changed" in events(poll(client, rewritten, rev))


def test_claims_of_another_version_are_not_sent(client, reviewer, original, rewritten):
    rev = revision(original)
    claim_on(rewritten, reviewer, "shields 3,400 homes")
    client.force_login(reviewer)
    response = poll(client, original, rev)
    assert response.status_code == 200 and "data-hx-swap-oob" not in response.text


def test_a_block_drawn_alone_matches_the_whole_page(client, reviewer, reviewer2, original):
    """Numbers and keyboard stops sit on each claim's first piece in both renderings."""
    claim_on(original, reviewer, "The council voted on Tuesday to spend £4.2m on the wall.")
    inner = claim_on(original, reviewer, "spend £4.2m")
    rev = revision(original)
    reviewing.verdict_save(
        claim=inner, user=reviewer2, rating="accurate", rationale="", sources=[], revision=None
    )
    client.force_login(reviewer)
    page = client.get(reverse("articles:version_detail", args=[original.pk])).text
    response = poll(client, original, rev)
    block = re.search(
        r'(<p class="block block--paragraph" id="(b\d+)")[^>]*>(.*?)</p>', response.text
    )
    whole = re.search(
        rf'<p class="block block--paragraph" id="{block.group(2)}"[^>]*>(.*?)</p>', page
    )
    assert block.group(3) == whole.group(1)


def test_a_resegmented_version_gets_the_notice(client, reviewer, original):
    rev = revision(original)
    live.bump(original.story_id, vacated=[live.resegmented(original)])
    client.force_login(reviewer)
    response = poll(client, original, rev)
    assert "This version changed" in response.text and "Refresh" in response.text


def test_the_open_panel_refetches_only_when_its_claim_changed(
    client, reviewer, reviewer2, original, rewritten
):
    """``claims-changed`` refetches the suggestion list; the open panel's verdicts and notes
    listen to ``claim-changed`` only, sent when the claim the page has open changed."""
    mine = claim_on(original, reviewer, "spend £4.2m on the wall")
    client.force_login(reviewer)
    panel = client.get(reverse("articles:claim_detail", args=[mine.pk]), **HTMX).text
    assert 'id="verdicts"' in panel
    assert panel.count('data-hx-trigger="claim-changed from:body"') == 2  # verdicts, notes
    # A claim marked in another version: neither this version's list (built on its own
    # claims) nor the open claim changed.
    rev = revision(original)
    claim_on(rewritten, reviewer2, "shields 3,400 homes")
    response = poll(client, original, rev, claim=mine.pk)
    assert response.status_code == 200 and f"?rev={rev + 1}" in response.text
    found = events(response)
    assert "claims-changed" not in found and "claim-changed" not in found
    # A claim marked here and a verdict on the open claim since: both.
    rev = revision(original)
    claim_on(original, reviewer2, "takes eighteen months")
    reviewing.verdict_save(
        claim=mine, user=reviewer2, rating="accurate", rationale="", sources=[], revision=None
    )
    found = events(poll(client, original, rev, claim=mine.pk))
    assert "claims-changed" in found and "claim-changed" in found


def test_a_poll_from_the_current_revision_reads_four_rows(
    client, reviewer, reviewer2, original, django_assert_num_queries
):
    """The request answered most (every open page, every few seconds): the session, the
    user, the version with its story's revision, and who else is here."""
    client.force_login(reviewer2)
    poll(client, original, revision(original), tab="ramitab01")
    client.force_login(reviewer)
    rev = revision(original)
    first = poll(client, original, rev, tab="rosatab01")
    shown = first.text.split('data-fingerprint="')[1].split('"')[0]
    with django_assert_num_queries(4):
        response = poll(client, original, rev, tab="rosatab01", presence=shown)
    assert response.status_code == 204
    with django_assert_num_queries(3):  # a page without presence (no script)
        assert poll(client, original, rev).status_code == 204


def test_a_poll_behind_other_versions_changes_reads_one_row_more(
    client, reviewer, original, rewritten, django_assert_num_queries
):
    rev = revision(original)
    claim_on(rewritten, reviewer, "shields 3,400 homes")
    client.force_login(reviewer)
    with django_assert_num_queries(4):  # what changed in this version: nothing
        response = poll(client, original, rev)
    assert response.status_code == 200 and "data-hx-swap-oob" not in response.text


@pytest.mark.parametrize("changed", [1, 3])
def test_the_queries_of_a_poll_with_changes_do_not_grow_with_them(
    changed, client, reviewer, reviewer2, original, django_assert_num_queries
):
    claims = [
        claim_on(original, reviewer, words)
        for words in (
            "spend £4.2m on the wall",
            "takes eighteen months",
            "It protects 3,400 homes.",
        )
    ]
    rev = revision(original)
    for claim in claims[:changed]:
        reviewing.verdict_save(
            claim=claim, user=reviewer2, rating="accurate", rationale="", sources=[], revision=None
        )
    client.force_login(reviewer)
    # Session, user, version, what changed, blocks, sentences, claims (verdicts, sources,
    # counterparts), the version's text, the claim count.
    with django_assert_num_queries(12):
        response = poll(client, original, rev)
    assert events(response)["live-removed"] == {"ids": sorted(c.pk for c in claims[:changed])}
    assert response.text.count('id="claim-item-') == changed


@postgres_only
def test_a_poll_leaves_the_latest_change_to_an_open_stream_for_a_moment(
    client, reviewer, reviewer2, original, settings
):
    """A page whose stream is open, one revision behind a change committed a moment ago,
    gets 204: the stream brings it; further behind too, if its stream is flowing. Without
    the stream, further behind with a quiet stream, or once ``live.PUSH_GRACE`` has passed
    (the stream failed to bring it), the poll sends the changes."""
    settings.LIVE_PUSH = True
    client.force_login(reviewer)
    rev = revision(original)
    claim = claim_on(original, reviewer2, "spend £4.2m on the wall")
    assert poll(client, original, rev, stream="1").status_code == 204
    assert f'id="claim-item-{claim.pk}"' in poll(client, original, rev).text  # no stream
    settings.LIVE_PUSH = False  # push off: the page's word is not enough
    assert poll(client, original, rev, stream="1").status_code == 200
    settings.LIVE_PUSH = True
    Story.objects.filter(pk=original.story_id).update(
        updated_at=Story.objects.get(pk=original.story_id).updated_at - live.PUSH_GRACE
    )
    assert f'id="claim-item-{claim.pk}"' in poll(client, original, rev, stream="1").text
    claim_on(original, reviewer2, "takes eighteen months")
    # Two revisions behind, its stream quiet for a minute: the poll sends both.
    assert f'id="claim-item-{claim.pk}"' in poll(client, original, rev, stream="60000").text
    assert poll(client, original, rev + 1, stream="60000").status_code == 204
    # Its stream flowing (an event came a moment ago): the stream brings both.
    assert poll(client, original, rev, stream="150").status_code == 204
    for nonsense in ("", "-1", "x", "9" * 12):
        assert f'id="claim-item-{claim.pk}"' in poll(client, original, rev, stream=nonsense).text


@postgres_only
def test_who_is_here_answered_alone_keeps_the_revision_the_page_shows(
    client, reviewer, reviewer2, original, settings
):
    """A poll whose change is left to the stream but whose presence changed answers with
    who's here and the page's own revision (not the new one, whose change it lacks)."""
    settings.LIVE_PUSH = True
    client.force_login(reviewer2)
    poll(client, original, revision(original), tab="ramitab01")  # someone else is here
    client.force_login(reviewer)
    rev = revision(original)
    claim_on(original, reviewer2, "spend £4.2m on the wall")
    response = poll(client, original, rev, stream="1", tab="rosatab01")
    assert response.status_code == 200 and 'id="presence"' in response.text
    assert f"?rev={rev}" in response.text and f"?rev={rev + 1}" not in response.text
