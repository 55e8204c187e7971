from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from accounts.management.commands._common import OperatorCommand, get_org, one_line
from registry.models import UpstreamPatternKind
from registry.upstream import fetch, proxy, selectors, services

ACTIONS = ("add", "remove", "list", "reserve", "warm", "purge")


class Command(OperatorCommand):
    help = ("Manage an org's upstream indexes: add URL [--username U --password P], "
            "remove URL, list, reserve PATTERN, warm REQUIREMENTS_FILE, purge NAME.")

    def add_arguments(self, parser):
        parser.add_argument("org")
        parser.add_argument("action", choices=ACTIONS)
        parser.add_argument("argument", nargs="?", default=None)
        parser.add_argument("--username", default="")
        parser.add_argument("--password", default="")

    def handle(self, *args, org, action, argument, username, password, **options):
        organisation = get_org(org)
        if action != "list" and not argument:
            raise CommandError(f"'upstream {action}' needs an argument.")
        if (username or password) and action != "add":
            raise CommandError("--username and --password go with 'add' only.")
        try:
            getattr(self, "_" + action)(organisation, argument, username=username,
                                        password=password)
        except ValidationError as exc:
            raise CommandError(one_line(exc)) from exc

    def _add(self, org, url, *, username, password):
        upstream = services.upstream_add(org=org, url=url, username=username, password=password,
                                         trusted=True)
        self.stdout.write(f"Added upstream {upstream.url} to '{org.slug}' "
                          f"(position {upstream.position + 1}).")

    def _remove(self, org, url, **_):
        wanted = url.rstrip("/") + "/"
        upstream = selectors.upstreams_of(org).filter(url=wanted).first()
        if upstream is None:
            raise CommandError(f"'{org.slug}' has no upstream {url}.")
        services.upstream_remove(upstream=upstream)
        self.stdout.write(f"Removed upstream {upstream.url} from '{org.slug}'.")

    def _list(self, org, argument, **_):
        if argument:
            raise CommandError("'upstream list' takes no argument.")
        upstreams = list(selectors.upstreams_of(org))
        for number, upstream in enumerate(upstreams, 1):
            login = f" (as {upstream.username})" if upstream.username else ""
            self.stdout.write(f"{number}. {upstream.url}{login}")
        if not upstreams:
            defaults = selectors.sources_of(org)
            self.stdout.write("No upstreams of its own" + (
                "; the instance default: " + ", ".join(s.url for s in defaults)
                if defaults else "; nothing is proxied."))
        for pattern in selectors.patterns_of(org):
            self.stdout.write(f"{pattern.kind}: {pattern.pattern}")
        policy = selectors.policy_of(org)
        self.stdout.write(f"allow-list only: {'yes' if policy.allow_list_only else 'no'}; "
                          f"refusals: {policy.refusals}; cached: "
                          f"{selectors.cache_size(org)} bytes")

    def _reserve(self, org, pattern, **_):
        found = services.pattern_add(org=org, kind=UpstreamPatternKind.RESERVED,
                                     pattern=pattern)
        self.stdout.write(f"Reserved '{found.pattern}' in '{org.slug}': never proxied.")

    def _purge(self, org, name, **_):
        dropped = services.name_purge(org=org, name=canonicalize_name(name))
        self.stdout.write(f"Purged {canonicalize_name(name)} from '{org.slug}''s upstream "
                          f"cache ({dropped} files).")

    def _warm(self, org, path, **_):
        failed = []
        for requirement in _requirements(path):
            name = canonicalize_name(requirement.name)
            try:
                version, fetched = proxy.warm(org, name, requirement.specifier)
            except (proxy.Refused, fetch.UpstreamUnavailable) as exc:
                self.stderr.write(f"{name}: not warmed: {exc or 'refused'}")
                failed.append(name)
                continue
            if version is None:
                self.stderr.write(f"{name}: no upstream has a version for '{requirement}'")
                failed.append(name)
            else:
                self.stdout.write(f"{name} {version}: {len(fetched)} files fetched")
        if failed:
            raise CommandError(f"Not warmed: {', '.join(failed)}.")


def _requirements(path: str) -> list[Requirement]:
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise CommandError(f"Cannot read '{path}': {exc.strerror}.") from exc
    found = []
    for number, line in enumerate(lines, 1):
        line = line.split(" #")[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        try:
            found.append(Requirement(line))
        except InvalidRequirement as exc:
            raise CommandError(f"{path}:{number}: not a requirement: {line}") from exc
    return found
