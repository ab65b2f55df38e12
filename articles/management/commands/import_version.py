from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from articles import validation
from articles.importing import UnreadableFile, read_upload
from articles.models import Story, VersionImportError
from articles.versions import import_version


class Command(BaseCommand):
    help = "Import a .txt file or saved .html page as a version of a story."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--story", required=True, help="Story id, or a title (created if new).")
        parser.add_argument("--label", required=True, help="Version label, e.g. 'Original report'.")
        parser.add_argument("--user", required=True, help="Username recorded as the importer.")
        parser.add_argument("--outlet", default="")
        parser.add_argument("--byline", default="")
        parser.add_argument("--url", default="")

    def handle(self, *args, path: Path, story: str, label: str, user: str, **options):
        try:
            importer = get_user_model().objects.get(username=user)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user called {user!r}.") from None
        try:
            extracted = read_upload(path.name, path.read_bytes())
        except (OSError, UnreadableFile) as exc:
            raise CommandError(f"{path}: {exc}") from None
        if (story_id := validation.parse_id(story)) is not None:
            target = Story.objects.filter(pk=story_id).first()
            if target is None:
                raise CommandError(f"No story with id {story}.")
        else:
            try:
                title = validation.single_line(
                    story, what="The story title", max_length=validation.MAX_TITLE, required=True
                )
            except validation.ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            target, _ = Story.objects.get_or_create(title=title, defaults={"created_by": importer})
        try:
            version = import_version(
                story=target,
                text=extracted.text,
                label=label,
                outlet=options["outlet"] or extracted.outlet,
                byline=options["byline"] or extracted.byline,
                url=options["url"] or extracted.url,
                published_on=extracted.published_on,
                created_by=importer,
            )
        except VersionImportError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Imported {path.name} as “{version.label}” (version {version.pk}) of story "
            f"{target.pk} “{target.title}”: {version.sentences.count()} sentences."
        )
