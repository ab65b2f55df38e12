"""Pages for failures a user can act on, instead of Django's error pages: 503, not 500,
while the database cannot be reached; 413 with advice for a post that is too large; and
authenticated pages kept out of caches."""

import logging
import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views import defaults

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def database_unavailable(request, exception) -> HttpResponse | None:
    """A 503 with Retry-After for a lost database connection; None for any other error."""
    if not isinstance(exception, OperationalError | InterfaceError):
        return None
    logger.warning("Database unavailable for %s: %s", request.path, exception)
    # Rendered without the request: its context processors would query the database.
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Errors raised in a view. Errors raised elsewhere (the session load in the
    login-required middleware is a request's first query) reach ``server_error``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_unavailable(request, exception)


def server_error(request, template_name="500.html"):
    """handler500: Django calls it for any uncaught exception, raised in a view or in a
    middleware, while the exception is being handled, so sys.exc_info() names it."""
    response = database_unavailable(request, sys.exc_info()[1])
    return response or defaults.server_error(request, template_name)


class NoStoreMiddleware:
    """Cache-Control: no-store on every page and export the app itself answers.

    They show (or are) a story's claims and verdicts to a logged-in user: no shared
    proxy or browser history may keep a copy. Static files are answered before this
    middleware by WhiteNoise, with their own long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            add_never_cache_headers(response)  # max-age=0, no-cache, no-store, ..., private
        return response


class RequestTooBigMiddleware:
    """Answer a form post larger than DATA_UPLOAD_MAX_MEMORY_SIZE with a page that says what
    to do, not Django's 400 page (with DEBUG on, a traceback with server paths).

    Placed before CsrfViewMiddleware, which would otherwise be the first to read the body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST":
            try:
                request.POST  # noqa: B018 -- parsing is what raises
            except RequestDataTooBig:
                limit = filesizeformat(settings.VERSION_UPLOAD_MAX_BYTES)
                context = {"limit": limit, "back": request.path}
                body = render_to_string("413.html", context)
                return HttpResponse(body, status=413)
            if body_cut_off(request):
                # Django drops the unfinished part of a multipart body without a word: a
                # cut-off upload would otherwise look like a form with no file chosen.
                context = {"back": request.path}
                return HttpResponse(render_to_string("400_cut_off.html", context), status=400)
        return self.get_response(request)


def body_cut_off(request) -> bool:
    """True if a multipart body ended before the length its Content-Length announced.

    Only multipart bodies: Django reads them to the end while parsing the form (other
    bodies, JSON say, are not read by then).
    """
    if request.content_type != "multipart/form-data":
        return False
    stream = getattr(request, "_stream", None)
    read, limit = getattr(stream, "_pos", None), getattr(stream, "limit", None)
    return isinstance(read, int) and isinstance(limit, int) and read < limit


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the
    address the outermost of them saw, which it appended to X-Forwarded-For.

    Entries left of it came from the client and are not believed.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR")
