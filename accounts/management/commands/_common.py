from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization


def get_org(slug: str) -> Organization:
    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise CommandError(f"Unknown organisation '{slug}'.")
    return org


def one_line(exc: Exception) -> str:
    messages = getattr(exc, "messages", None)
    return "; ".join(messages) if messages else str(exc)


class OperatorCommand(BaseCommand):
    """An operator command: bad input ends with one line on stderr and a non-zero exit."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.print_usage = lambda file=None: None  # argparse errors stay one line
        return parser

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ConnectionError as exc:  # the cache backend's CacheUnavailable: Redis is down
            # The change rolled back: it could not drop the web's cached pages.
            raise CommandError(f"Nothing was changed: {exc}; retry once Redis is back.") from exc
