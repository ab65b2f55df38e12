"""axe-core on every page type, logged in, and on the HTML summary opened from disk:
no violations at WCAG 2.1 A/AA plus axe's best practices."""

import pytest
from playwright.sync_api import expect

from articles import publishing
from articles.models import Claim, Publication
from tests.articles.conftest import ORGANISATION
from tests.browser.audit import axe_violations
from tests.browser.test_export import build_demo, summary_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UI_TIMEOUT = 10_000


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "factcheck-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def publish(story, username):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    publishing.publication_publish(story=story, user=user)


@pytest.fixture
def demo(tmp_path, settings):
    for name, value in ORGANISATION.items():
        setattr(settings, name, value)
    return build_demo(tmp_path)  # demo accounts, password factcheck-demo


def test_every_page_type_has_no_axe_violations(live_server, browser, demo, tmp_path):
    base = live_server.url
    original, rewritten = demo.versions.order_by("created_at")
    settled = Claim.objects.filter(version=original, settled_rating__gt="").first()
    contested = Claim.objects.filter(version=rewritten).first()
    found = []

    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login/")
    found += axe_violations(page, "login")
    _login(page, base, "editor")
    # The story page shows an import in progress (no worker here: it waits) and a failed one.
    from django.contrib.auth import get_user_model

    from articles import import_jobs

    editor = get_user_model().objects.get(username="editor")
    for label in ("Running", "Failed"):
        job = import_jobs.job_create(
            story=demo, created_by=editor, label=label, file_name="", source=label.encode()
        )
    import_jobs._claim(job.pk)
    import_jobs._finish(job.pk, 1, "failed", "One paragraph is too long.")
    pages = {
        "stories": "/",
        "story": demo.get_absolute_url(),
        "story form": "/stories/new/",
        "import form": f"/stories/{demo.pk}/versions/new/",
        "reading": original.get_absolute_url(),
        "reading with a claim open": f"{original.get_absolute_url()}?claim={settled.pk}",
        "compare": f"/versions/{original.pk}/compare/{rewritten.pk}/",
        "dashboard": f"/stories/{demo.pk}/dashboard/",
        "history": f"/claims/{settled.pk}/history/",
        "delete": f"/claims/{contested.pk}/delete/",
        "annotations import": f"/stories/{demo.pk}/import/annotations/",
        "publication": f"/stories/{demo.pk}/publication/",
        "api tokens": "/account/tokens/",
    }
    for label, path in pages.items():
        page.goto(base + path)
        found += axe_violations(page, label)

    # States that only exist after an action: form errors, an open panel with its history.
    page.goto(f"{base}/stories/{demo.pk}/versions/new/")
    page.fill("#id_label", "Third copy")
    page.click("#import-form button[type=submit]")  # no text, no file
    expect(page.locator(".error-summary")).to_be_visible()
    found += axe_violations(page, "import form with errors")

    page.goto(f"{base}{rewritten.get_absolute_url()}?claim={contested.pk}")
    page.locator("#claim-history-slot a").click()
    expect(
        page.locator("#claim-history-slot .events, #claim-history-slot .muted")
    ).not_to_have_count(0)
    # The browser's own checks off, so the server's errors show: no rating, a bad link.
    page.locator("#my-verdict form").evaluate("f => { f.noValidate = true; }")
    page.locator("#my-verdict input[name='sources-0-url']").fill("ftp://files.example/minutes")
    page.locator("#my-verdict button[name=save]").click()
    expect(page.locator("#verdict-errors")).to_be_visible(timeout=UI_TIMEOUT)
    found += axe_violations(page, "claim panel with history and errors")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    small = phone.new_page()
    _login(small, base, "reviewer1")
    small.goto(f"{base}{original.get_absolute_url()}?claim={settled.pk}")
    found += axe_violations(small, "phone reading with the sheet open")
    phone.close()

    # The published fact-check, read by someone without an account, offline but for this site.
    publish(demo, "editor")
    reader = browser.new_context(viewport={"width": 390, "height": 844})
    public = reader.new_page()
    public.route(lambda url: not url.startswith(base), lambda route: route.abort())
    public.goto(base + Publication.objects.get(story=demo).get_absolute_url())
    expect(public.locator("h1")).to_have_text(demo.title)
    found += axe_violations(public, "published fact-check (phone)")
    reader.close()

    summary = browser.new_context(offline=True)
    disk = summary.new_page()
    disk.goto(summary_file(demo, tmp_path).as_uri())
    found += axe_violations(disk, "HTML summary from disk")
    summary.close()
    context.close()
    assert not found, "\n".join(found)
