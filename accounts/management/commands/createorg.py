from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.capabilities import Visibility
from accounts.management.commands._common import OperatorCommand, one_line
from accounts.models import Organization
from accounts.services import org_create


class Command(OperatorCommand):
    help = "Create an organisation."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="")
        parser.add_argument("--visibility", choices=[v.value for v in Visibility],
                            default=Visibility.PRIVATE.value)

    def handle(self, *args, slug, name, visibility, **options):
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"Organisation '{slug}' already exists.")
        try:
            org = org_create(slug=slug, name=name, visibility=visibility)
        except ValidationError as exc:
            raise CommandError(f"Invalid organisation: {one_line(exc)}") from exc
        self.stdout.write(f"Created organisation '{org.slug}' ({org.default_visibility}).")
