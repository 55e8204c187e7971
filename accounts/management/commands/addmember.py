from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from accounts.capabilities import OrgRole
from accounts.management.commands._common import OperatorCommand, get_org, one_line
from accounts.models import User
from accounts.services import membership_set, user_create


class Command(OperatorCommand):
    help = "Add a user to an organisation (creating the user with --create)."

    def add_arguments(self, parser):
        parser.add_argument("org")
        parser.add_argument("username")
        parser.add_argument("--role", choices=[r.value for r in OrgRole],
                            default=OrgRole.MEMBER.value)
        parser.add_argument("--create", action="store_true", help="create the user if missing")
        parser.add_argument("--email", default="",
                            help="the new user's address (counted as verified)")

    def handle(self, *args, org, username, role, create, email, **options):
        organisation = get_org(org)
        user = User.objects.filter(username=username).first()
        if user is None and not create:
            raise CommandError(f"Unknown user '{username}' (use --create to create it).")
        try:
            if user is None:
                # The operator vouches for the address.
                user = user_create(username=username, email=email, email_verified=True)
            membership_set(org=organisation, user=user, role=role)
        except ValidationError as exc:
            raise CommandError(f"Invalid user: {one_line(exc)}") from exc
        self.stdout.write(f"{user.username} is {role} of '{organisation.slug}'.")
