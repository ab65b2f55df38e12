"""A pushed update carries the open claim's verdicts and notes (live.render_panels), so the
pages with that claim open swap them in instead of each asking for them."""

import re

import pytest

from articles import live, notes, reviewing
from articles.models import Claim, Story
from tests.articles.test_workflow import claim_on

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
# "now" or "a second ago": the same moment, rendered twice.
TIMES = re.compile(r"(<time [^>]*>)[^<]*(</time>)")


def same_moment(html: str) -> str:
    return TIMES.sub(r"\1\2", html)


def revision_of(version) -> int:
    return Story.objects.get(pk=version.story_id).revision


def test_an_update_carries_the_regions_the_panel_would_fetch(client, reviewer, reviewer2, original):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    since = revision_of(original)
    reviewing.verdict_save(
        claim=claim, user=reviewer2, rating="inaccurate", rationale="The bill says <b>£3m</b>.",
        sources=[], revision=None,
    )  # fmt: skip
    notes.note_add(claim=claim, user=reviewer2, text="Asked the council <script>")

    update = live.render_update(original, since, revision_of(original), panels=True)

    assert update.changed == [claim.pk]
    regions = update.panels[claim.pk]
    client.force_login(reviewer)
    verdicts = client.get(f"/claims/{claim.pk}/verdicts/", **HX)
    thread = client.get(f"/claims/{claim.pk}/notes/", **HX)
    assert verdicts.status_code == thread.status_code == 200
    assert same_moment(regions["verdicts"]) == same_moment(verdicts.content.decode())
    assert same_moment(regions["notes"]) == same_moment(thread.content.decode())
    # Escaped as everywhere: a reviewer's text never becomes markup.
    assert "&lt;b&gt;£3m&lt;/b&gt;" in regions["verdicts"]
    assert "&lt;script&gt;" in regions["notes"] and "<script>" not in regions["notes"]
    # At the claim's new revision: a page showing it refetches nothing more.
    stamped = Claim.objects.get(pk=claim.pk).changed_revision
    assert f"/claims/{claim.pk}/verdicts/?rev={stamped}" in regions["verdicts"]
    assert f"/claims/{claim.pk}/notes/?rev={stamped}" in regions["notes"]


def test_a_poll_sends_no_regions_and_a_deleted_claim_has_none(reviewer, original):
    claim = claim_on(original, reviewer, "spend £4.2m on the wall")
    kept = claim_on(original, reviewer, "takes eighteen months")
    since = revision_of(original)
    reviewing.claim_delete(claim=claim, user=reviewer)
    reviewing.verdict_save(
        claim=kept, user=reviewer, rating="accurate", rationale="", sources=[], revision=None
    )

    assert live.render_update(original, since, revision_of(original)).panels == {}
    update = live.render_update(original, since, revision_of(original), panels=True)
    assert set(update.changed) == {claim.pk, kept.pk}
    assert set(update.panels) == {kept.pk}  # the deleted claim's page asks, and learns it went


def test_past_max_panels_changed_claims_the_pages_fetch_them(reviewer, original, monkeypatch):
    first = claim_on(original, reviewer, "spend £4.2m on the wall")
    second = claim_on(original, reviewer, "takes eighteen months")
    since = revision_of(original)
    for claim in (first, second):
        reviewing.verdict_save(
            claim=claim, user=reviewer, rating="accurate", rationale="", sources=[], revision=None
        )
    monkeypatch.setattr(live, "MAX_PANELS", 1)
    assert live.render_update(original, since, revision_of(original), panels=True).panels == {}
    monkeypatch.setattr(live, "MAX_PANELS", 8)
    monkeypatch.setattr(live, "MAX_PANEL_BYTES", 100)
    assert live.render_update(original, since, revision_of(original), panels=True).panels == {}
