"""Pages for failures a user can act on, instead of Django's error pages."""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("Database unavailable for %s: %s", request.path, exception)
        # Rendered without the request: its context processors would query the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "5"
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
        return self.get_response(request)
