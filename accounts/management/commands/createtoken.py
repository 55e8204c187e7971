from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.capabilities import Permission
from accounts.management.commands._common import OperatorCommand, get_org, one_line
from accounts.models import User
from accounts.services import token_create


class Command(OperatorCommand):
    help = "Create an API token; prints it alone on the last line of stdout."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True)
        parser.add_argument("--user", default=None, help="owner; org-owned when omitted")
        parser.add_argument("--projects", default="", help="comma-separated project names")
        parser.add_argument("--permission", choices=[p.value for p in Permission],
                            default=Permission.READ.value)
        parser.add_argument("--expires-days", type=int, default=None)
        parser.add_argument("--description", default="")

    def handle(self, *args, org, user, projects, permission, expires_days, description, **opts):
        organisation = get_org(org)
        owner = None
        if user:
            owner = User.objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"Unknown user '{user}'.")
        try:
            token, plaintext = token_create(
                org=organisation, user=owner, permission=permission,
                projects=[p for p in projects.split(",") if p.strip()],
                expires_days=expires_days, description=description,
            )
        except ValidationError as exc:
            raise CommandError(one_line(exc)) from exc
        scope = ", ".join(token.projects) if token.projects else "the whole organisation"
        self.stdout.write(
            f"Created {token.permission} token {token.key_id} for {scope} "
            f"(owner: {owner.username if owner else 'organisation ' + organisation.slug}). "
            "It is shown once:"
        )
        self.stdout.write(plaintext)
