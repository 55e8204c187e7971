from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from uploads.services import upload_expire


class Command(BaseCommand):
    help = ("Fail uploads still pending after their worker must have stopped (hard time limit "
            "plus a margin), removing their staged files. Safe to run from cron.")

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=None, metavar="SECONDS",
                            help="default: an hour, or the task's hard time limit plus "
                                 "UPLOAD_WAIT_SECONDS if longer (a queued task may wait)")

    def handle(self, *args, older_than=None, **options):
        if older_than is None:
            older_than = max(3600, settings.CELERY_TASK_TIME_LIMIT + settings.UPLOAD_WAIT_SECONDS)
        if older_than < 0:
            raise CommandError("--older-than must be zero or more seconds.")
        count = upload_expire(older_than=timedelta(seconds=older_than))
        self.stdout.write(f"Expired {count} stale upload{'s' * (count != 1)}.")
