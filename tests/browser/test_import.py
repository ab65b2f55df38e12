"""An editor imports a version through the form and reads it, sentence by sentence."""

import re

import pytest
from playwright.sync_api import expect

from articles.models import ImportJob, Story, Version
from articles.versions import import_version
from tests.generated import long_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASTED = """Harbour council approves new ferry budget

By Jane Doe

The harbour council met on Monday evening. Mr. Smith, the treasurer, presented the figures to a full chamber. He called the plan “the best deal in a decade.” Members approved it by seven votes to two.

Work on the new quay begins in May. It should take fourteen months, Mr. Smith said.

Residents were divided. “We have waited far too long,” said one shopkeeper.
"""


def test_it_imports_pasted_text_and_shows_its_sentences(page, live_server, login, editor, worker):
    login(page, editor)

    page.goto(f"{live_server.url}/stories/new/")
    page.fill("#id_title", "Ferry budget")
    page.get_by_role("button", name="Create story").click()
    expect(page).to_have_url(re.compile(r"/stories/\d+/versions/new/$"))
    story = Story.objects.get(title="Ferry budget")

    page.fill("#id_label", "Original report")
    page.fill("#id_outlet", "Harbour Times")
    page.fill("#id_text", PASTED)
    page.get_by_role("button", name="Import version").click()

    expect(page).to_have_url(f"{live_server.url}/stories/{story.pk}/#imports")
    expect(page.locator("#messages")).to_contain_text("Importing “Original report”")
    # The worker imports it; the imports region, polling, says so and links to it.
    page.get_by_role("link", name="Read “Original report”").click(timeout=60_000)
    version = Version.objects.get(story=story, label="Original report")
    expect(page).to_have_url(f"{live_server.url}/versions/{version.pk}/")
    count = version.sentences.count()
    assert ImportJob.objects.get(story=story).sentence_count == count

    sentences = page.locator("#version-text .s")
    expect(sentences).to_have_count(count)
    rendered = sentences.evaluate_all(
        "els => els.map(e => [Number(e.dataset.start), Number(e.dataset.end), e.textContent])"
    )
    for start, end, shown in rendered:
        assert shown == version.text[start:end]
        assert not shown.endswith("Mr."), f"sentence split after an abbreviation: {shown!r}"
    assert any("Mr. Smith, the treasurer" in shown for *_, shown in rendered)

    heading = page.locator("#version-text h2.block--heading")
    expect(heading).to_have_count(1)
    expect(heading).to_have_text("Harbour council approves new ferry budget")
    expect(page.locator("#version-text .block--byline")).to_have_text("By Jane Doe")


@pytest.mark.parametrize("viewport", [(1366, 900), (390, 844)])
def test_a_failed_import_shows_its_errors_at_the_top_with_focus_on_them(
    browser, live_server, login, editor, viewport
):
    story = Story.objects.create(title="Ferry budget", created_by=editor)
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = login(context.new_page(), editor)
    page.goto(f"{live_server.url}/stories/{story.pk}/versions/new/")
    page.fill("#id_label", "Original")
    page.fill("#id_text", "   ")
    page.click("#import-form button[type=submit]")

    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("The text is empty")
    assert summary.evaluate("e => e.getBoundingClientRect().top >= 0")
    assert summary.evaluate("e => e.getBoundingClientRect().bottom <= innerHeight")
    summary.get_by_role("link").click()
    expect(page.locator("#id_text")).to_be_focused()
    expect(page.locator("#id_label")).to_have_value("Original")
    context.close()


@pytest.fixture
def held_worker(live_server, tmp_path):
    """A worker whose alignments wait until the test touches the returned file."""
    from tests.worker import start_worker, stop

    release = tmp_path / "release-alignment"
    process = start_worker(hold_alignment_until=release)
    yield release
    release.touch()
    stop(process)


def test_a_long_import_shows_its_progress_and_the_page_stays_usable(
    page, live_server, login, editor, held_worker
):
    story = Story.objects.create(title="Long report", created_by=editor)
    first = import_version(
        story=story, text=long_text(600, seed=1), label="First draft", created_by=editor
    )
    login(page, editor)
    page.goto(f"{live_server.url}/stories/{story.pk}/versions/new/")
    page.fill("#id_label", "Final report")
    page.fill("#id_text", long_text(600, seed=2))
    page.get_by_role("button", name="Import version").click()

    bar = page.locator("#imports progress")
    expect(bar).to_be_visible()
    # The bar advances to the aligning stage; the worker holds the alignment there (600
    # sentences a side align in under a second, faster than the page polls) until the
    # test has used the page.
    page.wait_for_function(
        "() => document.querySelector('#imports [aria-current=step]')?.textContent"
        ".startsWith('Aligning')",
        timeout=60_000,
    )
    assert int(bar.get_attribute("value")) >= 25
    job = ImportJob.objects.get(story=story)
    assert job.stage == "aligning" and job.status == "running"
    expect(page.locator("#imports [role=status]")).to_contain_text("with “First draft” (1 of 1)")

    # Meanwhile the story page works: read the other version, then come back.
    page.get_by_role("link", name="Read and review").first.click()
    expect(page).to_have_url(f"{live_server.url}{first.get_absolute_url()}")
    expect(page.locator("#version-text .s").first).to_be_visible()
    page.go_back()
    expect(page.locator("#imports progress")).to_be_visible()
    assert ImportJob.objects.get(story=story).stage == "aligning"

    held_worker.touch()  # let the alignment run
    page.get_by_role("link", name="Read “Final report”").wait_for(timeout=90_000)
    expect(page.locator("#imports")).to_contain_text("Imported: 600 sentences")
    assert page.locator("#imports progress").count() == 0  # polling stopped with the job
