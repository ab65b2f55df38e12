"""The background worker: django-tasks-db's ``db_worker``, plus a watchdog for lost imports."""

import logging
import os
import threading

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from articles import import_jobs

logger = logging.getLogger(__name__)


def watch(stop: threading.Event) -> None:
    """Recover imports whose worker stopped, now and every half lease, until stopped."""
    try:
        while True:
            try:
                import_jobs.recover_stalled()
            except DatabaseError as exc:
                logger.warning("Could not look for stalled imports: %s", exc)
            if stop.wait(max(1, settings.IMPORT_LEASE_SECONDS / 2)):
                return
    finally:
        connection.close()


class Command(DbWorkerCommand):
    help = (
        "Run the background worker (imports and any other task), and queue again the "
        "imports whose worker was killed or restarted."
    )

    def handle(self, *args, **options):
        # With --reload, the parent process only watches the files; its child works.
        if not options.get("reload") or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            threading.Thread(
                target=watch, args=(threading.Event(),), name="import-watchdog", daemon=True
            ).start()
        super().handle(*args, **options)
