from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from articles import validation
from articles.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create an API token for a user and print its key (shown once; only a hash is stored). "
        "Scripts send it as 'Authorization: Bearer <key>' to /api/v1/."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="Username the token acts as.")
        parser.add_argument("--name", default="script", help="What the token is for.")

    def handle(self, *args, user: str, name: str, **options):
        owner = get_user_model().objects.filter(username=user, is_active=True).first()
        if owner is None:
            raise CommandError(f"No active user called {user!r}.")
        try:
            name = validation.single_line(name, what="The name", max_length=100, required=True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        _, key = ApiToken.issue(user=owner, name=name)
        self.stdout.write(key)
