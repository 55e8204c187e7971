from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from packaging.utils import canonicalize_name

from accounts.management.commands._common import get_org
from registry.models import Release
from registry.readme import RENDERER, release_render_description


class Command(BaseCommand):
    help = ("Render release descriptions (READMEs) to HTML now. Without --all only releases "
            "never rendered, or rendered by another readme-renderer version, are rendered.")

    def add_arguments(self, parser):
        parser.add_argument("--org", help="only this organisation's releases")
        parser.add_argument("--project", help="only this project's releases (needs --org)")
        parser.add_argument("--all", action="store_true",
                            help="re-render every release in scope, even up-to-date ones")

    def handle(self, *args, org=None, project=None, all=False, **options):  # noqa: A002
        releases = Release.objects.all()
        if project and not org:
            raise CommandError("--project needs --org (project names are per organisation).")
        if org:
            releases = releases.filter(project__org=get_org(org))
        if project:
            releases = releases.filter(project__normalized_name=canonicalize_name(project))
            if not releases.exists():
                raise CommandError(f"No releases of project '{project}' in '{org}'.")
        if not all:
            releases = releases.filter(~Q(description_renderer=RENDERER))
        count = sum(release_render_description(release_id=pk, force=True)
                    for pk in releases.values_list("pk", flat=True).iterator())
        self.stdout.write(f"Rendered {count} release description{'s' * (count != 1)} "
                          f"with {RENDERER}.")
