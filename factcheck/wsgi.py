import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
application = get_wsgi_application()

# Load the views and the text modules' tables now, not during a worker's first requests.
from articles.warmup import warm_up  # noqa: E402 -- needs the app set up above

warm_up()
