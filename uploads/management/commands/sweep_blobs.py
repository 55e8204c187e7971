from datetime import timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from accounts.management.commands._common import OperatorCommand
from registry.orphans import blobs_sweep
from uploads.services import stale_after

DEFAULT_HOURS = 24


def _youngest_hours() -> float:
    """A blob younger than the longest an upload may stay pending may still get its row."""
    return stale_after().total_seconds() / 3600


class Command(OperatorCommand):
    help = ("Remove blobs from distribution storage that no file row uses (left by a worker "
            "killed while publishing, or a storage error after a deletion). Safe to run "
            "from cron; --dry-run lists them without removing anything.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=DEFAULT_HOURS, metavar="HOURS",
                            help=f"only blobs last written more than this many hours ago "
                                 f"(default {DEFAULT_HOURS}; at least as long as "
                                 f"expire_uploads waits)")
        parser.add_argument("--dry-run", action="store_true",
                            help="list what would be removed; remove nothing")

    def handle(self, *args, older_than, dry_run, **options):
        floor = _youngest_hours()
        if older_than < floor:
            raise CommandError(
                f"--older-than must be at least {floor:g} hour{'s' * (floor != 1)} (as long "
                f"as an upload may stay pending; see expire_uploads): a younger blob may "
                f"still be published.")
        sweep = blobs_sweep(older_than=timezone.now() - timedelta(hours=older_than),
                            dry_run=dry_run)
        for name in sweep.removed:
            self.stdout.write(("would remove " if dry_run else "removed ") + name)
        count, mib = len(sweep.removed), sweep.bytes / (1024 * 1024)
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(f"{verb} {count} orphaned blob{'s' * (count != 1)} ({mib:.1f} MiB).")
