"""Read an uploaded version: plain UTF-8 text, or a saved web page's main article text."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

TEXT_SUFFIXES = (".txt", ".text", ".md")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MIN_ARTICLE_WORDS = 12


class UnreadableFile(ValueError):
    """The upload cannot become a version; the message tells the user why."""


@dataclass(frozen=True)
class Extracted:
    text: str
    outlet: str = ""
    byline: str = ""
    url: str = ""
    published_on: datetime.date | None = None


def check_upload(name: str, data: bytes) -> str:
    """Refuse, cheaply, a file that cannot become a version; return its kind, "text" or "html".

    The request runs only this; the import job reads the file (``read_upload``).
    """
    lower = (name or "").lower()
    if b"\x00" in data[:8192]:
        raise UnreadableFile(
            "This looks like a binary file. Upload a .txt file or a saved .html page."
        )
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3:
            raise UnreadableFile(
                "The file ends in the middle of a character: it was probably cut off. "
                "Upload the whole file again."
            ) from None
        raise UnreadableFile(
            "The file is not UTF-8 text. Save it as UTF-8 (or as a web page) and upload it again."
        ) from None
    if lower.endswith(HTML_SUFFIXES) or decoded.lstrip()[:15].lower().startswith(
        ("<!doctype html", "<html")
    ):
        return "html"
    if lower.endswith(TEXT_SUFFIXES) or "." not in lower:
        if not decoded.strip():
            raise UnreadableFile("The file is empty.")
        return "text"
    raise UnreadableFile("Upload a .txt file or a saved web page (.html).")


def read_upload(name: str, data: bytes) -> Extracted:
    """Return the text (and, for web pages, metadata) of an uploaded file."""
    kind = check_upload(name, data)
    decoded = data.decode("utf-8-sig")
    if kind == "html":
        return extract_article(decoded)
    return Extracted(text=decoded)


def extract_article(html: str) -> Extracted:
    """Extract a web page's main article text with trafilatura, paragraphs at blank lines."""
    import trafilatura  # imported lazily: it loads lxml and language data

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True, deduplicate=True
    )
    # A menu or a cookie banner is not an article: ask for a few sentences' worth.
    if not text or len(text.split()) < MIN_ARTICLE_WORDS:
        raise UnreadableFile("No article text was found in this web page.")
    meta = trafilatura.extract_metadata(html)
    title = (meta.title or "").strip() if meta else ""
    body = "\n\n".join(line.strip() for line in text.split("\n") if line.strip())
    if title and not body.startswith(title):
        body = f"{title}\n\n{body}"
    published = None
    if meta and meta.date:
        try:
            published = datetime.date.fromisoformat(meta.date[:10])
        except ValueError:
            published = None
    return Extracted(
        text=body,
        outlet=(meta.sitename or "")[:120] if meta else "",
        byline=(meta.author or "")[:200] if meta else "",
        url=_page_url(meta.url if meta else ""),
        published_on=published,
    )


def _page_url(url: str | None) -> str:
    """The page's own address from its metadata, if it is a usable http(s) URL."""
    from articles import validation

    try:
        return validation.http_url(url or "", required=False)
    except validation.ValidationError:
        return ""
