from django.core.management.base import BaseCommand, CommandError

from articles.models import Version
from articles.resegmenting import manual_links, plan, resegment
from articles.text.segmentation import BACKEND

CONTEXT = 40


class Command(BaseCommand):
    help = (
        "Split stored versions into blocks and sentences again with the current rules, one "
        "transaction per version; claims keep their offsets, alignment is recomputed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would change; write nothing."
        )
        parser.add_argument("--story", type=int, action="append", help="Only this story id.")
        parser.add_argument(
            "--version-id", type=int, action="append", dest="version_ids", help="Only this version."
        )

    def handle(self, *args, dry_run: bool, story, version_ids, **options):
        versions = Version.objects.select_related("story").order_by("story_id", "pk")
        if story:
            versions = versions.filter(story_id__in=story)
        if version_ids:
            versions = versions.filter(pk__in=version_ids)
        if (story or version_ids) and not versions.exists():
            raise CommandError("No version matches --story/--version-id.")
        changed = 0
        total = 0
        # Ids first: each version is then read and written in a transaction of its own.
        for pk in list(versions.values_list("pk", flat=True)):
            total += 1
            v = Version.objects.select_related("story").get(pk=pk)
            todo = plan(v) if dry_run else resegment(version=v)
            if not todo.changed:
                continue
            changed += 1
            self._report(todo, dry_run=dry_run)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(
            f"{changed} of {total} versions {verb} (rules: {BACKEND})."
            + (" Dry run: nothing written." if dry_run else "")
        )

    def _report(self, todo, *, dry_run):
        v = todo.version
        links = manual_links(v)
        self.stdout.write(
            f"Version {v.pk} “{v.label}” of story {v.story_id}: {len(todo.old)} → "
            f"{len(todo.new)} sentences, {len(todo.splits())} new boundaries, "
            f"{len(todo.joins())} removed"
            + (", blocks changed" if todo.blocks_changed else "")
            + (f", {links} manual links {'to move' if dry_run else 'moved'}" if links else "")
        )
        for sign, boundaries in (("+", todo.splits()), ("-", todo.joins())):
            for end, start in boundaries:
                before = v.text[max(0, end - CONTEXT) : end].replace("\n", " ")
                after = v.text[start : start + CONTEXT].replace("\n", " ")
                self.stdout.write(f"  {sign} {end}: …{before} | {after}…")
