"""Google's rules for fact-check rich results (ClaimReview), as a checker for tests.

From Google Search Central, "Fact check (ClaimReview) structured data": the required and
recommended properties, and the content guidelines a page can be checked for offline.
Required: ``claimReviewed``, ``reviewRating`` with ``alternateName``, and ``url``, whose
domain must be the page's own (or a subdomain of it). Recommended: ``author`` (an
Organization or Person with a name), ``datePublished``, ``itemReviewed`` (a Claim with
``appearance``/``firstAppearance``, ``author``, ``datePublished``), and ``ratingValue``
within ``worstRating``..``bestRating``. Guidelines: the page shows the fact-check (the claim
and the verdict are visible to readers), one ClaimReview per claim reviewed, and only the
schema.org ``@context`` is processed.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

REQUIRED = ("claimReviewed", "reviewRating", "url")
RECOMMENDED = ("author", "datePublished", "itemReviewed")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._in_ld = False
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "script":
            self._in_ld = attrs.get("type") == "application/ld+json"
            self._skip += 1
            if self._in_ld:
                self.blocks.append("")
        elif tag in ("style", "head", "title"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title") and self._skip:
            self._skip -= 1
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.blocks[-1] += data
        elif not self._skip:
            self.text.append(data)


def _same_site(url: str, page_url: str) -> bool:
    host, page_host = urlsplit(url).hostname or "", urlsplit(page_url).hostname or ""
    return bool(host) and (host == page_host or host.endswith("." + page_host))


def claim_reviews_of(html: str) -> list[dict]:
    page = _Page()
    page.feed(html)
    reviews = []
    for block in page.blocks:
        data = json.loads(block)
        for node in data if isinstance(data, list) else [data]:
            if node.get("@type") == "ClaimReview":
                reviews.append(node)
    return reviews


def problems(html: str, page_url: str, *, recommended: bool = True) -> list[str]:
    """Every rule the page's ClaimReview markup breaks (empty if none); ``page_url`` is
    the address the page is served at."""
    page = _Page()
    page.feed(html)
    visible = re.sub(r"\s+", " ", " ".join(page.text))
    found: list[str] = []
    reviews = []
    for i, block in enumerate(page.blocks):
        try:
            data = json.loads(block)
        except ValueError as exc:
            found.append(f"JSON-LD block {i}: not JSON ({exc})")
            continue
        for node in data if isinstance(data, list) else [data]:
            if node.get("@context") not in ("https://schema.org", "http://schema.org"):
                found.append(f"block {i}: @context must be schema.org")
            if node.get("@type") == "ClaimReview":
                reviews.append(node)
    if not reviews:
        return [*found, "no ClaimReview on the page"]
    seen = set()
    for n, review in enumerate(reviews):
        where = f"ClaimReview {n}"
        for prop in REQUIRED:
            if not review.get(prop):
                found.append(f"{where}: missing required {prop}")
        claim = review.get("claimReviewed") or ""
        if claim in seen:
            found.append(f"{where}: a second ClaimReview for the same claim")
        seen.add(claim)
        if claim and re.sub(r"\s+", " ", claim) not in visible:
            found.append(f"{where}: the claim reviewed is not shown on the page")
        rating = review.get("reviewRating") or {}
        if rating.get("@type") != "Rating":
            found.append(f"{where}: reviewRating must be a Rating")
        label = rating.get("alternateName")
        if not label:
            found.append(f"{where}: reviewRating.alternateName (the verdict in words) is required")
        elif label not in visible:
            found.append(f"{where}: the verdict {label!r} is not shown on the page")
        if "ratingValue" in rating:
            best, worst = rating.get("bestRating"), rating.get("worstRating")
            if not all(isinstance(v, int | float) for v in (rating["ratingValue"], best, worst)):
                found.append(f"{where}: a numeric rating needs numeric best and worst ratings")
            elif not worst <= rating["ratingValue"] <= best:
                found.append(f"{where}: ratingValue outside worstRating..bestRating")
        url = review.get("url") or ""
        if url:
            if not url.startswith(("http://", "https://")):
                found.append(f"{where}: url must be absolute")
            elif not _same_site(url, page_url):
                found.append(f"{where}: url {url} is not on the page's domain")
            else:
                fragment = urlsplit(url).fragment
                if url.split("#")[0] != page_url.split("#")[0]:
                    found.append(f"{where}: url {url} is not this page")
                elif fragment and fragment not in page.ids:
                    found.append(f"{where}: url names #{fragment}, not on the page")
        if recommended:
            for prop in RECOMMENDED:
                if not review.get(prop):
                    found.append(f"{where}: missing recommended {prop}")
            author = review.get("author") or {}
            if author and (
                author.get("@type") not in ("Organization", "Person") or not author.get("name")
            ):
                found.append(f"{where}: author must be an Organization or Person with a name")
            item = review.get("itemReviewed") or {}
            if item and item.get("@type") != "Claim":
                found.append(f"{where}: itemReviewed must be a Claim")
            for work in [*(item.get("appearance") or []), item.get("firstAppearance")]:
                if work and not (work.get("url") if isinstance(work, dict) else work):
                    found.append(f"{where}: an appearance without a url")
    return found
