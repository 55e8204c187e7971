from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from uploads.services import stale_after, upload_expire


class Command(BaseCommand):
    help = ("Fail uploads still pending after their worker must have stopped (hard time limit "
            "plus a margin), removing their staged files. Celery beat runs the same every "
            "UPLOAD_EXPIRE_EVERY_SECONDS; safe to run from cron too.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, metavar="SECONDS",
                            help="default: an hour, or the task's hard time limit plus "
                                 "UPLOAD_WAIT_SECONDS if longer (a queued task may wait)")

    def handle(self, *args, older_than=None, **options):
        if older_than is not None and older_than < 0:
            raise CommandError("--older-than must be zero or more seconds.")
        age = stale_after() if older_than is None else timedelta(seconds=older_than)
        count = upload_expire(older_than=age)
        self.stdout.write(f"Expired {count} stale upload{'s' * (count != 1)}.")
