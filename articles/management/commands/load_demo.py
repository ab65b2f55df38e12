import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import EDITORS_GROUP, REVIEWERS_GROUP, Story
from articles.versions import import_version

DEMO_PASSWORD = "factcheck-demo"  # noqa: S105 -- demo accounts on a local SQLite database
ACCOUNTS = [
    ("editor", "Eda", "Editor", EDITORS_GROUP),
    ("reviewer1", "Rosa", "Reviewer", REVIEWERS_GROUP),
    ("reviewer2", "Rami", "Reviewer", REVIEWERS_GROUP),
]
DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"

SEED_VERSIONS = [
    # file in shared/seeds, label, outlet, byline
    (
        "004_51c1a03e0f48490b.txt",
        "BBC report (reworded copy)",
        "BBC News",
        "Fan Wang and João de Silva",
    ),
    ("000_cf157ea161671f7e.txt", "Blog retelling", "vijAI Robotics", "vijAI Robotics Desk"),
]
SEED_TITLE = "DeepSeek: how China's ‘AI heroes’ overcame US curbs"

OWN_VERSIONS = [
    ("original.txt", "Original report", "Porthallow Gazette", "Ana Ruiz"),
    ("rewritten.txt", "Rewritten copy", "Coast Daily", "Ana Ruiz"),
]
OWN_TITLE = "Porthallow votes to rebuild its sea wall"


def seeds_dir() -> Path:
    return Path(os.environ.get("FACTCHECK_SEEDS", settings.BASE_DIR.parent / "shared" / "seeds"))


class Command(BaseCommand):
    help = "Create demo accounts (one editor, two reviewers) and the demo story. Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        users = self._accounts()
        editor = users["editor"]
        seeds = seeds_dir()
        if all((seeds / name).exists() for name, *_ in SEED_VERSIONS):
            self._story(
                SEED_TITLE, [(seeds / n, *rest) for n, *rest in SEED_VERSIONS], editor, users
            )
        self._story(OWN_TITLE, [(DEMO_DIR / n, *rest) for n, *rest in OWN_VERSIONS], editor, users)
        for username, *_ in ACCOUNTS:
            self.stdout.write(f"  {username:<10} password: {DEMO_PASSWORD}")

    def _accounts(self):
        users = {}
        for username, first, last, group_name in ACCOUNTS:
            group, _ = Group.objects.get_or_create(name=group_name)
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_staff = group_name == EDITORS_GROUP
                user.is_superuser = group_name == EDITORS_GROUP
                user.save()
            user.groups.add(group)
            users[username] = user
        return users

    def _story(self, title, versions, editor, users):
        story, created = Story.objects.get_or_create(title=title, defaults={"created_by": editor})
        story.members.add(*(u for name, u in users.items() if name != "editor"))
        for path, label, outlet, byline in versions:
            if story.versions.filter(label=label).exists():
                continue
            import_version(
                story=story,
                text=path.read_text(encoding="utf-8"),
                label=label,
                outlet=outlet,
                byline=byline,
                created_by=editor,
            )
        self.stdout.write(f"Demo story “{title}”: {story.versions.count()} versions.")
        return story
