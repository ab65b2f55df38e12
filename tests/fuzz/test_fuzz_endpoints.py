"""Fuzzing the boundaries: arbitrary input to every form and endpoint is a 4xx or a
success, never a 500, and the database stays consistent after every example.

Examples share one database per test (hypothesis runs them inside the test's
transaction), so later examples meet the claims, verdicts and versions earlier ones
made. A view that raises fails the example: the test client re-raises server errors.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.models import Claim, Counterpart, Source, Story, Verdict, Version
from articles.ratings import SCALE

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
# Clear refusals and successes; anything else (500 above all) fails the example.
OK_STATUSES = {200, 204, 302, 400, 403, 404, 405, 409, 413, 422}


def fuzz(max_examples: int):
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


# ---------------------------------------------------------------------------- strategies

NASTY_PIECES = [
    "\x00",
    "\u202e",  # right-to-left override
    "\u200f",
    "مرحبا بالعالم",
    "שלום",
    "🚀",
    "👩🏽‍⚖️",
    "🏳️‍🌈",
    "e\u0301",  # combining acute
    "a\u0308\u0323",
    "\ufeff",
    "\r\n",
    "\r",
    "\t",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "{{ 7*7 }}",
    "\u2028",
    "\U0010ffff",
    # Bidirectional controls: overrides, embeddings, isolates, marks.
    "\u202a",
    "\u202d",
    "\u202c",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u061c",
    "\u200e",
]
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# One unbroken word that could stretch a page sideways.
long_word = st.integers(100, 60_000).map(lambda n: "W" * n)

# Any code point except lone surrogates, which cannot be sent as UTF-8 at all.
chars = st.characters(exclude_categories=("Cs",))
nasty_text = st.one_of(
    st.text(chars, max_size=40),
    st.lists(st.sampled_from(NASTY_PIECES) | st.text(chars, max_size=5), max_size=8).map("".join),
    st.sampled_from(["", " ", "x" * 20_001, "é" * 5_001, "🚀" * 3_000, "\x00" * 3]),
    long_word,
    st.lists(st.sampled_from([*BIDI, "\x00", "abc", " "]), max_size=12).map("".join),
)
nasty_int = st.one_of(
    st.integers(-5, 400),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**400]),
).map(str)
nasty_number = st.one_of(
    nasty_int,
    st.sampled_from(
        ["", " 3 ", "1e3", "0x10", "3.5", "NaN", "inf", "١٢", "²", "٣", "12\x00", "-0", "+7", "𝟕"]
    ),
    nasty_text,
)
nasty_url = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "ftp://example.com/x",
            "http://",
            "https://",
            "//example.com/x",
            "https://exa mple.com/",
            " https://example.com/ ",
            "https://例え.テスト/パス?q=ü#frag",
            "https://xn--r8jz45g.xn--zckzah/",
            "http://[::1]:8080/x",
            "http://[::1/",
            "https://example.com:99999/",
            "https://example.com:-1/",
            "https://example.com:abc/",
            "https://example.com:0/",
            "http://user:pass@example.com/",
            "https://example.com/\x00",
            "https://example.com/\u202etxt.exe",
            "HTTPS://EXAMPLE.COM:443/A",
            "https://" + "a" * 2_100 + ".com/",
            "https://example.com/" + "p" * 2_100,
            "example.com/no-scheme",
            "mailto:someone@example.com",
        ]
    ),
    st.builds(lambda s: "https://" + s, st.text(chars, max_size=30)),
    st.builds(lambda s, t: f"http://{s}.com/{t}", st.text(chars, max_size=10), nasty_text),
    nasty_text,
)
rating = st.one_of(st.sampled_from(list(SCALE)), nasty_text)


# ---------------------------------------------------------------------------- invariants


def assert_consistent():
    """The invariants every request must leave intact."""
    texts = dict(Version.objects.values_list("pk", "text"))
    for claim in Claim.objects.all():
        text = texts[claim.version_id]
        assert 0 <= claim.start < claim.end <= len(text), claim
        assert text[claim.start : claim.end] == claim.exact, claim
    numbers = Claim.objects.values("version", "number").annotate(n=Count("pk"))
    assert all(row["n"] == 1 for row in numbers)
    for cp in Counterpart.objects.all():
        if cp.start is None:
            assert cp.end is None and cp.exact == ""
        else:
            text = texts[cp.version_id]
            assert 0 <= cp.start < cp.end <= len(text) and text[cp.start : cp.end] == cp.exact
    assert set(Verdict.objects.values_list("rating", flat=True)) <= set(SCALE)
    per_reviewer = Verdict.objects.values("claim", "reviewer").annotate(n=Count("pk"))
    assert all(row["n"] == 1 for row in per_reviewer)
    for url in Source.objects.values_list("url", flat=True):
        assert url.startswith(("http://", "https://")) and len(url) <= 2000, url
    for url in Version.objects.values_list("url", flat=True):
        assert url == "" or url.startswith(("http://", "https://")) and len(url) <= 2000, url
    for version in Version.objects.all():
        assert "\x00" not in version.text and version.text.strip()
        assert not version.blocks.filter(end__gt=len(version.text)).exists()
    # No NUL anywhere (SQLite would store it; PostgreSQL refuses it with a DataError), and
    # no bidirectional controls in single-line fields.
    for model, fields in (
        (Story, ("title", "description")),
        (Version, ("label", "outlet", "byline")),
        (Verdict, ("rationale",)),
        (Source, ("title", "publisher", "quote", "url")),
        (Claim, ("settled_note",)),
    ):
        for row in model.objects.values_list(*fields):
            assert not any("\x00" in value for value in row), (model, row)
    for model, fields in (
        (Story, ("title",)),
        (Version, ("label", "outlet", "byline")),
        (Source, ("title", "publisher")),
    ):
        for row in model.objects.values_list(*fields):
            assert not any(c in BIDI for value in row for c in value), (model, row)


def check(response):
    assert response.status_code in OK_STATUSES, response.status_code
    assert_consistent()


# ---------------------------------------------------------------------------- claims


@fuzz(60)
@given(
    data=st.data(),
    start=nasty_number,
    end=nasty_number,
    exact=nasty_text,
    prefix=nasty_text,
    htmx=st.booleans(),
)
def test_claim_create_never_fails(client, world, data, start, end, exact, prefix, htmx):
    client.force_login(world.created_by)
    version = world.version
    if data.draw(st.booleans()):
        # Near-valid selections: real offsets, the exact text sometimes changed.
        a = data.draw(st.integers(-3, len(version.text) + 3))
        b = data.draw(st.integers(-3, len(version.text) + 3))
        start, end = str(a), str(b)
        exact = version.text[max(a, 0) : max(b, 0)] + data.draw(
            st.sampled_from(["", "x", "\u0301"])
        )
    url = reverse("articles:claim_create", args=[version.pk])
    payload = {"start": start, "end": end, "exact": exact, "prefix": prefix}
    check(client.post(url, payload, **(HTMX if htmx else {})))


@fuzz(40)
@given(
    data=st.data(), start=nasty_number, end=nasty_number, exact=nasty_text, revision=nasty_number
)
def test_claim_update_never_fails(client, world, data, start, end, exact, revision):
    claim = Claim.objects.get(pk=world.pk)
    client.force_login(claim.created_by)
    if data.draw(st.booleans()):
        text = claim.version.text
        a = data.draw(st.integers(0, len(text) - 1))
        b = data.draw(st.integers(a + 1, len(text)))
        start, end, exact = str(a), str(b), text[a:b]
        revision = data.draw(st.sampled_from([str(claim.revision), revision]))
    response = client.post(
        reverse("articles:claim_update", args=[claim.pk]),
        {"start": start, "end": end, "exact": exact, "revision": revision},
        **(HTMX if data.draw(st.booleans()) else {}),
    )
    check(response)


@fuzz(20)
@given(
    pk=st.one_of(st.integers(0, 50), st.integers(2**31, 2**80)),
    method=st.sampled_from(["get", "post"]),
)
def test_claim_delete_never_fails(client, world, editor, reviewer, pk, method):
    client.force_login(reviewer if pk % 2 else editor)
    response = getattr(client, method)(f"/claims/{pk}/delete/")
    check(response)


# ---------------------------------------------------------------------------- verdicts


def verdict_payload(data, sources, total, initial, revision, rationale, rating_value):
    payload = {
        "rating": rating_value,
        "rationale": rationale,
        "revision": revision,
        "sources-TOTAL_FORMS": total,
        "sources-INITIAL_FORMS": initial,
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "1000",
    }
    for i, source in enumerate(sources):
        for key, value in source.items():
            payload[f"sources-{i}-{key}"] = value
    return payload


source = st.fixed_dictionaries(
    {"url": nasty_url},
    optional={
        "id": nasty_number,
        "title": nasty_text,
        "publisher": nasty_text,
        "quote": nasty_text,
        "stance": st.one_of(st.sampled_from(["supports", "refutes", "context"]), nasty_text),
        "DELETE": st.sampled_from(["on", "", "1", "false"]),
    },
)


@fuzz(80)
@given(
    data=st.data(),
    rating_value=rating,
    rationale=nasty_text,
    revision=nasty_number,
    sources=st.lists(source, max_size=3),
    add_source=st.booleans(),
    htmx=st.booleans(),
)
def test_verdict_save_never_fails(
    client,
    world,
    reviewer,
    reviewer2,
    data,
    rating_value,
    rationale,
    revision,
    sources,
    add_source,
    htmx,
):
    client.force_login(data.draw(st.sampled_from([reviewer, reviewer2])))
    count = str(len(sources))
    total = data.draw(st.sampled_from([count, count, "", "abc", "-1", "21", "99999999999"]))
    initial = data.draw(st.sampled_from(["0", "0", "", "x", "5"]))
    payload = verdict_payload(data, sources, total, initial, revision, rationale, rating_value)
    if add_source:
        payload["add_source"] = "1"
    url = reverse("articles:verdict_save", args=[world.pk])
    check(client.post(url, payload, **(HTMX if htmx else {})))


# ---------------------------------------------------------------------------- editors


@fuzz(20)
@given(action=st.one_of(st.sampled_from(["confirm", "absent"]), nasty_text), htmx=st.booleans())
def test_counterpart_update_never_fails(client, world, reviewer, action, htmx):
    client.force_login(reviewer)
    for cp in Counterpart.objects.all()[:2]:
        response = client.post(
            reverse("articles:counterpart_update", args=[cp.pk]),
            {"action": action},
            **(HTMX if htmx else {}),
        )
        check(response)


@fuzz(30)
@given(
    action=st.one_of(st.sampled_from(["settle", "reopen"]), nasty_text),
    rating_value=rating,
    note=nasty_text,
    revision=nasty_number,
    htmx=st.booleans(),
)
def test_claim_settle_never_fails(
    client, world, editor, action, rating_value, note, revision, htmx
):
    client.force_login(editor)
    response = client.post(
        reverse("articles:claim_settle", args=[world.pk]),
        {"action": action, "rating": rating_value, "note": note, "revision": revision},
        **(HTMX if htmx else {}),
    )
    check(response)


@fuzz(30)
@given(
    position=nasty_number,
    other_positions=st.one_of(nasty_text, st.lists(nasty_int, max_size=3).map(", ".join)),
)
def test_link_correct_never_fails(client, editor, original, rewritten, position, other_positions):
    client.force_login(editor)
    response = client.post(
        reverse("articles:link_correct", args=[original.pk, rewritten.pk]),
        {"position": position, "other_positions": other_positions},
    )
    check(response)


def html_page(url: str, date: str, body: str) -> bytes:
    paragraphs = "".join(f"<p>{body} The council voted on Tuesday to rebuild the wall.</p>" * 3)
    return (
        f'<!doctype html><html><head><link rel="canonical" href="{url}">'
        f'<meta property="og:url" content="{url}">'
        f'<meta property="article:published_time" content="{date}"></head>'
        f"<body><article>{paragraphs}</article></body></html>"
    ).encode("utf-8", "surrogatepass")


upload = st.one_of(
    st.none(),
    st.builds(
        lambda name, data: SimpleUploadedFile(name, data),
        st.sampled_from(
            ["v.txt", "v.html", "v.htm", "v.pdf", "noext", ".txt", "../../etc/passwd.txt"]
        ),
        st.one_of(
            st.binary(max_size=200),
            nasty_text.map(lambda s: s.encode("utf-8")),
            st.sampled_from([b"", b"\xef\xbb\xbfBOM text.", b"ok\x00binary", b"\xff\xfe"]),
        ),
    ),
    st.builds(
        lambda url, date, body: SimpleUploadedFile("page.html", html_page(url, date, body)),
        nasty_url,
        st.sampled_from(["2024-02-30", "yesterday", "2024-01-05T10:00:00Z", ""]),
        st.text(st.characters(exclude_categories=("Cs",), exclude_characters="<>&"), max_size=30),
    ),
)


@fuzz(25)
@given(
    label=nasty_text,
    outlet=nasty_text,
    url=nasty_url,
    published_on=st.one_of(nasty_text, st.sampled_from(["2024-02-29", "2023-02-29", "0000-01-01"])),
    text=nasty_text,
    file=upload,
)
def test_version_create_never_fails(
    client, editor, story, label, outlet, url, published_on, text, file
):
    client.force_login(editor)
    payload = {"label": label, "outlet": outlet, "url": url, "published_on": published_on}
    payload["text"] = text
    if file is not None:
        payload["file"] = file
    check(client.post(reverse("articles:version_create", args=[story.pk]), payload))


@fuzz(25)
@given(title=nasty_text, description=nasty_text, members=st.lists(nasty_number, max_size=3))
def test_story_create_never_fails(client, editor, title, description, members):
    client.force_login(editor)
    response = client.post(
        reverse("articles:story_create"),
        {"title": title, "description": description, "members": members},
    )
    check(response)
    assert all(s.title.strip() and "\x00" not in s.title for s in Story.objects.all())


# ---------------------------------------------------------------------------- reads


def _get_urls(world):
    claim, version, story = world, world.version, world.version.story
    other = story.versions.exclude(pk=version.pk).first()
    urls = [
        ("articles:version_detail", [version.pk], "claim"),
        ("articles:version_live", [version.pk], "rev"),
        ("articles:version_detail", [version.pk], "from"),
        ("articles:version_blocks", [version.pk], "from"),
        ("articles:version_blocks", [version.pk], "before"),
        ("articles:version_blocks", [version.pk], "sentence"),
        ("articles:version_blocks", [version.pk], "claim"),
        ("articles:story_dashboard", [story.pk], "reason"),
        ("articles:story_dashboard", [story.pk], "status"),
        ("articles:story_dashboard", [story.pk], "version"),
        ("articles:story_dashboard", [story.pk], "reviewer"),
        ("articles:story_dashboard", [story.pk], "fragment"),
        ("articles:claim_detail", [claim.pk], "x"),
        ("articles:claim_verdicts", [claim.pk], "x"),
        ("articles:claim_history", [claim.pk], "x"),
        ("articles:version_compare", [version.pk, other.pk], "x"),
        ("articles:story_detail", [story.pk], "x"),
        ("articles:story_list", [], "page"),
        ("articles:story_export_html", [story.pk], "x"),
        ("articles:story_export_claimreview", [story.pk], "x"),
        ("articles:story_export_annotations", [story.pk], "x"),
        ("articles:story_export_csv", [story.pk], "x"),
        ("articles:story_publication", [story.pk], "x"),
        ("articles:api_tokens", [], "x"),
    ]
    result = []
    for name, args, key in urls:
        try:
            result.append((reverse(name, args=args), key))
        except NoReverseMatch:  # an export not there (yet)
            continue
    return result


@fuzz(60)
@given(data=st.data(), value=nasty_number, htmx=st.booleans())
def test_reads_with_odd_query_strings_never_fail(
    client, world, editor, reviewer, data, value, htmx
):
    client.force_login(data.draw(st.sampled_from([editor, reviewer])))
    path, key = data.draw(st.sampled_from(_get_urls(world)))
    extra = data.draw(
        st.dictionaries(
            st.sampled_from(
                ["claim", "rev", "status", "reason", "version", "reviewer", "fragment"]
            ),
            nasty_text,
            max_size=2,
        )
    )
    response = client.get(path, {key: value} | extra, **(HTMX if htmx else {}))
    check(response)


@fuzz(20)
@given(
    path=st.sampled_from(
        [
            "/claims/{}/",
            "/claims/{}/verdicts/",
            "/claims/{}/history/",
            "/versions/{}/",
            "/versions/{}/live/",
            "/stories/{}/",
            "/stories/{}/dashboard/",
            "/versions/{}/compare/{}/",
            "/counterparts/{}/",
            "/claims/{}/verdict/",
            "/claims/{}/span/",
            "/claims/{}/settle/",
            "/stories/{}/publication/",
            "/fact-checks/{}/",
            "/fact-checks/sea-wall-{}/",
        ]
    ),
    pk=st.one_of(st.integers(0, 10**6), st.integers(2**31, 2**90)),
    method=st.sampled_from(["get", "post"]),
)
def test_unknown_and_huge_ids_are_404_not_500(client, world, editor, path, pk, method):
    client.force_login(editor)
    check(getattr(client, method)(path.format(pk, pk)))
