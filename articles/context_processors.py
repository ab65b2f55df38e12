from django.conf import settings

from articles.models import is_editor


def roles(request):
    user = getattr(request, "user", None)
    return {
        "user_is_editor": bool(user and is_editor(user)),
        "live_poll_ms": settings.LIVE_POLL_MS,
        "live_stream_poll_ms": settings.LIVE_STREAM_POLL_MS,
    }
