import os

from django.conf import settings
from django.db import transaction

from accounts import tokens
from accounts.management.commands._common import OperatorCommand
from accounts.models import ApiToken, Organization, User
from accounts.services import membership_set, org_create, token_create, user_create

DEMO_ORG, DEMO_USER, DEMO_PASSWORD = "demo", "demo", "demo-password"  # noqa: S105


class Command(OperatorCommand):
    help = "Create a demo org, user and upload token (idempotent); print twine and pip lines."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.SITE_URL or "http://127.0.0.1:8000",
                            help="base URL the registry is reached at")

    @transaction.atomic
    def handle(self, *args, url, **options):
        org = Organization.objects.filter(slug=DEMO_ORG).first() or org_create(
            slug=DEMO_ORG, name="Demo organisation")
        user = User.objects.filter(username=DEMO_USER).first()
        if user is None:
            user = user_create(username=DEMO_USER, email="demo@example.com",
                               password=DEMO_PASSWORD, email_verified=True)
        membership_set(org=org, user=user, role="owner")
        plaintext = self._token(org, user)
        base = url.rstrip("/")
        host = base.split("://", 1)[1]
        scheme = base.split("://", 1)[0]
        self.stdout.write(
            f"Demo organisation '{org.slug}', user '{user.username}' "
            f"(password '{DEMO_PASSWORD}'), upload token:\n{plaintext}\n\n"
            f"Upload:\n  twine upload --repository-url {base}/{org.slug}/legacy/ "
            f"-u __token__ -p {plaintext} dist/*\n"
            f"  uv publish --publish-url {base}/{org.slug}/legacy/ -u __token__ "
            f"-p {plaintext} dist/*\n"
            f"Install:\n  pip install --index-url "
            f"{scheme}://__token__:{plaintext}@{host}/{org.slug}/simple/ YOUR-PACKAGE\n"
            f"  uv pip install --index-url "
            f"{scheme}://__token__:{plaintext}@{host}/{org.slug}/simple/ YOUR-PACKAGE\n"
            f"Web UI: {base}/{org.slug}/  (log in at {base}/accounts/login/)"
        )

    def _token(self, org, user) -> str:
        """Reuse the saved demo token while it is valid, so reruns print the same one."""
        saved = settings.VAR_DIR / "demo-token"
        if saved.exists():
            plaintext = saved.read_text().strip()
            parsed = tokens.parse(plaintext)
            token = parsed and ApiToken.objects.filter(key_id=parsed[0], org=org).first()
            if token and token.is_active and tokens.secret_matches(parsed[1], token.secret_hash):
                return plaintext
        _token, plaintext = token_create(org=org, user=user, permission="upload",
                                         description="demo token")
        saved.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(saved, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(plaintext + "\n")
        return plaintext
