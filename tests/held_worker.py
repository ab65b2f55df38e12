"""``manage.py import_worker`` with every alignment held until a file exists.

A browser test that must see an import in its aligning stage, and use the page meanwhile,
cannot count on alignment being slow: 600 sentences a side align in under half a second.
This worker waits, before each ``alignment.align`` call, until the file named by
``HOLD_ALIGNMENT_UNTIL`` exists (at most two minutes), then aligns as usual. Started by
``tests.worker.start_worker(hold_alignment_until=...)``.
"""

import os
import sys
import time
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings_test")
    import django

    django.setup()
    from django.core.management import execute_from_command_line

    from articles.text import alignment

    release = Path(os.environ["HOLD_ALIGNMENT_UNTIL"])
    align = alignment.align

    def held(*args, **kwargs):
        deadline = time.monotonic() + 120
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return align(*args, **kwargs)

    alignment.align = held
    execute_from_command_line(["manage.py", *sys.argv[1:]])


if __name__ == "__main__":
    main()
