"""A reviewer adds a note in the claim panel; it appears in place, and live for another reviewer."""

import pytest
from playwright.sync_api import expect

from articles import reviewing
from articles.models import Note

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000  # ms: an htmx swap or a live poll, on a busy machine
WORDS = "It protects 3,400 homes."


def test_a_note_added_in_the_panel_appears_in_the_thread_and_live_elsewhere(
    live_server, open_as, reviewer, reviewer2, original
):
    start = original.text.index(WORDS)
    claim, _ = reviewing.claim_create(
        version=original, user=reviewer, start=start, end=start + len(WORDS), exact=WORDS
    )
    url = f"{live_server.url}/versions/{original.pk}/?claim={claim.pk}"
    rosa, rami = open_as(reviewer), open_as(reviewer2)
    rami.goto(url)
    expect(rami.locator("#note-list")).to_contain_text("No notes yet.", timeout=UI_TIMEOUT)
    rosa.goto(url)
    rosa.evaluate("window.__marker = 1")

    notes = rosa.locator("#notes")
    notes.get_by_label("Add a note").fill("The survey is from 2019: <b>ask</b> for 2023.")
    notes.get_by_role("button", name="Add note").click()
    expect(rosa.locator("#notes .notice")).to_have_text("Note added.", timeout=UI_TIMEOUT)
    item = rosa.locator("#note-list li.note")
    expect(item).to_have_count(1, timeout=UI_TIMEOUT)
    expect(item.locator(".note__text")).to_have_text(
        "The survey is from 2019: <b>ask</b> for 2023."
    )
    expect(item.locator(".note__who")).to_contain_text("Rosa")
    expect(rosa.locator("#notes").get_by_label("Add a note")).to_have_value("")
    assert rosa.evaluate("window.__marker") == 1, "the page reloaded instead of swapping"
    assert Note.objects.get().author == reviewer

    # An empty note is refused next to the field; nothing is added.
    rosa.locator("#notes").get_by_label("Add a note").fill("   ")
    rosa.locator("#notes").get_by_role("button", name="Add note").click()
    expect(rosa.locator("#notes .error")).to_contain_text("The note is empty", timeout=UI_TIMEOUT)
    assert Note.objects.count() == 1

    # Rami's open panel picks the note up from the live poll, without a reload.
    expect(rami.locator("#note-list li.note")).to_contain_text(
        "The survey is from 2019", timeout=UI_TIMEOUT
    )
    expect(rami.locator("#notes h3 .count")).to_have_text("1")
