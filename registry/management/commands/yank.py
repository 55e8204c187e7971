from django.core.management.base import CommandError
from packaging.utils import canonicalize_name
from packaging.version import Version

from accounts.management.commands._common import OperatorCommand, get_org
from registry.models import Release
from registry.selectors import project_get, release_get
from registry.services import release_yank


class Command(OperatorCommand):
    help = "Yank a release (pip and uv skip it unless pinned exactly), or un-yank it with --undo."

    def add_arguments(self, parser):
        parser.add_argument("org")
        parser.add_argument("project")
        parser.add_argument("version")
        parser.add_argument("--reason", default="")
        parser.add_argument("--undo", action="store_true", help="un-yank the release")

    def handle(self, *args, org, project, version, reason, undo, **options):
        if undo and reason:
            raise CommandError("--reason cannot be used with --undo.")
        release = _release(get_org(org), project, version)
        release_yank(release=release, reason=reason, undo=undo)
        done = "Un-yanked" if undo else "Yanked"
        suffix = f" (reason: {reason})" if reason else ""
        self.stdout.write(f"{done} {release.project.name} {release.version} in '{org}'{suffix}.")


def _release(org, project_name: str, version: str) -> Release:
    project = project_get(org, canonicalize_name(project_name))
    if project is None:
        raise CommandError(f"Unknown project '{project_name}' in '{org.slug}'.")
    try:
        Version(version)
    except ValueError as exc:  # InvalidVersion, or a number too long for int()
        raise CommandError(f"'{version}' is not a valid version.") from exc
    release = release_get(project, version)
    if release is None:
        raise CommandError(f"Project '{project.name}' has no release {version}.")
    release.project = project
    return release
