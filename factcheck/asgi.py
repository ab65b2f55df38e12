"""ASGI entry point: ``uvicorn factcheck.asgi:application``.

In production it serves only the reading view's event stream (``articles/live_push.py``);
nginx sends every other path to gunicorn. It can serve the whole app as well (the
browser tests of push do).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
application = get_asgi_application()
