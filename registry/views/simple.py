"""The simple repository API: ``/{org}/simple/`` and ``/{org}/simple/{project}/``.

The hot path of every install: an unchanged page costs one cache round trip (the project's
facts and the finished bytes together) and the permission check; no SQL for anonymous callers.
"""

import functools
import hashlib
import json

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_safe
from packaging.utils import canonicalize_name

from accounts.authentication import AuthenticationFailed, principal_from_request
from accounts.capabilities import Capability, Visibility
from accounts.principals import ANONYMOUS, Principal
from accounts.selectors import belongs_to_an_org, membership_role, org_get
from registry import cache as index_cache
from registry import simple
from registry.models import Project, ProjectStatus
from registry.permissions import can, effective_principal, token_in_force
from registry.selectors import (
    files_published,
    org_with_state,
    project_at,
    projects_public,
    projects_readable,
)
from registry.storage import url_path
from registry.upstream import views as upstream_views
from registry.views.common import auth_error, challenges_anonymous, is_anonymous

PUBLIC_CACHE = "public, max-age=60"
PRIVATE_CACHE = "private, max-age=0, must-revalidate"
NO_ORG = "No such organisation."


def respond(request, page: index_cache.CachedPage, public: bool) -> HttpResponse:
    """The page, or 304 when the client holds it (412 for a failed If-Match); caching
    headers by visibility. Django's 304 carries no Content-Type: caches (poetry's among
    them) copy a 304's headers onto the stored response."""
    response = get_conditional_response(request, etag=page.etag)
    if response is None:
        response = HttpResponse(page.body, content_type=page.content_type)
    elif response.status_code == 304:
        # The length of the page held (RFC 9110 8.6), not CommonMiddleware's 0: caches that
        # copy a 304's headers onto their stored page keep it whole.
        response["Content-Length"] = str(len(page.body))
    for name, value in page_headers(page, public).items():
        response[name] = value
    return response


def page_headers(page: index_cache.CachedPage, public: bool) -> dict[str, str]:
    return {"ETag": page.etag, "X-PyPI-Last-Serial": str(page.serial),
            "Cache-Control": PUBLIC_CACHE if public else PRIVATE_CACHE,
            "Vary": "Accept" if public else "Authorization, Accept"}


def encode(page: dict, content_type: str, html, serial: int) -> index_cache.CachedPage:
    """The finished page: the PEP 691 dict as JSON, or ``html`` (a template) drawn over it,
    once per page built: a cached page costs no rendering."""
    if content_type == simple.JSON_TYPE:
        body = json.dumps(page, separators=(",", ":")).encode()
        return index_cache.page_of(body, content_type, serial)
    return index_cache.page_of(html(page).encode(), content_type + "; charset=utf-8", serial)


def list_html(page: dict, prefix: str) -> str:
    """PEP 503 HTML for the root page; links are ``prefix`` + normalised name + ``/``."""
    return render_to_string("registry/simple/list.html", {"page": page, "prefix": prefix})


def detail_html(page: dict) -> str:
    """PEP 503 HTML for a project page dict made by ``simple.project_detail``."""
    return render_to_string("registry/simple/detail.html", {"page": page})


def negotiate(request) -> str:
    fmt = request.GET.get("format") if request.META.get("QUERY_STRING") else None
    return content_type_for(request.META.get("HTTP_ACCEPT"), fmt)


@functools.lru_cache(maxsize=256)
def content_type_for(accept: str | None, fmt: str | None = None) -> str:
    """PEP 691 negotiation: a served ``?format=`` first, then the Accept header as Django
    reads it (``HttpRequest.get_preferred_type`` over ``simple.SERVED``).

    One function for the views and the WSGI short-circuit, which answers before a request
    exists: the header alone is asked, and the answer kept (clients send a few headers).
    """
    if fmt in simple.SERVED:
        return simple.SERVED[fmt]
    asked = HttpRequest()
    if accept is not None:
        asked.META["HTTP_ACCEPT"] = accept
    preferred = asked.get_preferred_type(list(simple.SERVED))
    return simple.SERVED[preferred] if preferred else simple.LEGACY_HTML_TYPE


def org_token_class(org_id: int) -> str:
    """The visibility class of the org's own unscoped org-owned tokens in force: they read
    every project the root page lists (registry.fastpath looks their page up by it)."""
    return f"org-token-{org_id}"


def _shares_by_kind(principal: Principal, org) -> str | None:
    """The visibility class of callers who see what everyone of their kind sees ("signed-in"
    members of other orgs, "outsider"s of every org, the org's own unscoped org-owned
    tokens); None for members and other tokens, whose class is the set of projects they may
    read. Anonymous callers are served apart."""
    token = principal.token
    if (token is not None and token.user_id is None and not token.projects
            and token_in_force(token, org)):
        return org_token_class(org.pk)
    if token is None and membership_role(org, principal.user) is None:
        return "signed-in" if belongs_to_an_org(principal.user) else "outsider"
    return None


def _readable_rows(principal: Principal, org) -> list[tuple[int, str, str, int]]:
    """(pk, name, normalized name, serial) of each project the root page lists for them."""
    return list(projects_readable(principal, org).order_by("normalized_name")
                .values_list("pk", "name", "normalized_name", "last_serial"))


def _public_rows(org: str) -> list[tuple[int, str, str, int]]:
    """The same rows, of what anyone may read: an org with none answers as no org at all."""
    rows = list(projects_public(org).order_by("normalized_name")
                .values_list("pk", "name", "normalized_name", "last_serial"))
    if not rows:
        raise Http404(NO_ORG)
    return rows


def _set_class(rows: list[tuple]) -> str:
    """Callers who may read the same projects share one cached root page."""
    ids = sorted(row[0] for row in rows)
    return "set-" + hashlib.sha256(repr(ids).encode()).hexdigest()[:24]


def _root_page(rows: list[tuple], org: str, ctype: str) -> index_cache.CachedPage:
    serial = max((row[3] for row in rows), default=0)
    page = simple.project_list(serial=serial, names=[row[1:3] for row in rows])
    if ctype == simple.JSON_TYPE:
        page = simple.public_list(page)
    prefix = f"/{org}/simple/"
    return encode(page, ctype, lambda p: list_html(p, prefix), serial)


# Where the WSGI short-circuit (registry.fastpath) leaves its anonymous root lookup when it
# missed, so that the view builds under it instead of asking the cache again. A key without
# the HTTP_ prefix: no request header can set it.
ROOT_LOOKUP = "wheelhouse.anonymous_root_lookup"


def anonymous_root(org: str, ctype: str, environ: dict) -> index_cache.CachedPage | None:
    """The cached root page for anonymous callers, or None (then the view builds it, under
    the lookup left in ``environ``)."""
    if not index_cache.shared():
        return None
    looked_up = index_cache.root_lookup(org, "anon", ctype)
    if looked_up[1] is None:
        environ[ROOT_LOOKUP] = (org, ctype, looked_up)
    return looked_up[1]


def _anonymous_lookup(request, org: str,
                      ctype: str) -> tuple[int | None, index_cache.CachedPage | None]:
    """The anonymous root lookup the WSGI short-circuit made for this request, or a new one."""
    left = request.META.pop(ROOT_LOOKUP, None)
    if left is not None and left[:2] == (org, ctype):
        return left[2]
    return index_cache.root_lookup(org, "anon", ctype)


def _anonymous_list(request, org: str, ctype: str) -> HttpResponse:
    """The root page for callers without credentials: the org's public projects.

    A miss costs one query, the same for an unknown org and for an org with nothing public
    (both answer 404, which anonymous callers get as a challenge), and stores nothing for
    either: only a page that lists something is kept.
    """
    if index_cache.shared():
        generation, page = _anonymous_lookup(request, org, ctype)
        if page is not None:
            return respond(request, page, public=True)
        visibility_class, rows = "anon", _public_rows(org)
        if generation is None:
            # None was current when the rows were read: the page is built from rows read
            # again under the one taken now.
            generation, rows = index_cache.root_generation(org), None
    else:
        # Other processes' writes cannot reach a process-local cache: the key names the rows.
        rows = _public_rows(org)
        visibility_class = "anon:" + index_cache.digest_part(repr(rows))
        generation, page = index_cache.root_lookup(org, visibility_class, ctype, create=True)
        if page is not None:
            return respond(request, page, public=True)
    page = index_cache.page_built(
        generation, index_cache.root_page_key(org, visibility_class, ctype),
        lambda: _root_page(rows or _public_rows(org), org, ctype))
    return respond(request, page, public=True)


@challenges_anonymous
@require_safe
def project_list(request, org):
    ctype = negotiate(request)
    if is_anonymous(request):
        return _anonymous_list(request, org, ctype)
    try:
        principal = principal_from_request(request)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    organisation, state = (org_get(org), "") if index_cache.shared() else org_with_state(org)
    if organisation is None:
        raise Http404(NO_ORG)
    # Other processes' writes cannot reach a process-local cache: its keys carry the state.
    local = "" if index_cache.shared() else ":" + state
    kind = _shares_by_kind(principal, organisation)
    if kind is None:
        # The page is built from the very rows whose set names its key (read after the
        # generation, as every reader): a grant given meanwhile changes the next caller's
        # set, never what is stored under this one.
        generation = index_cache.root_generation(org)
        rows = _listed_rows(principal, organisation)
        visibility_class = _set_class(rows) + local
        page = index_cache.root_page(org, generation, visibility_class, ctype)
    else:
        rows = None
        visibility_class = kind + local
        generation, page = index_cache.root_lookup(org, visibility_class, ctype, create=True)
    if page is None:
        rows = rows if rows is not None else _listed_rows(principal, organisation)
        page = index_cache.page_built(
            generation, index_cache.root_page_key(org, visibility_class, ctype),
            lambda: _root_page(rows, org, ctype))
    return respond(request, page, public=False)


def _listed_rows(principal: Principal, org) -> list[tuple[int, str, str, int]]:
    """The rows the root page lists for an authenticated caller. A caller from outside the
    org (another org's token, a user who is not a member) who may read nothing here gets
    the answer of an unknown org: only members and the org's own tokens learn that it
    exists without seeing a project."""
    rows = _readable_rows(principal, org)
    if not rows and not _insider(principal, org):
        raise Http404(NO_ORG)
    return rows


def _insider(principal: Principal, org) -> bool:
    if principal.token is not None:
        return not effective_principal(principal, org).is_anonymous
    return membership_role(org, principal.user) is not None


def project_route(principal: Principal, org_slug: str, normalized: str,
                  *keys: str) -> tuple[index_cache.Route | None, index_cache.Lookup]:
    """The project's facts and the cache lookup; no facts when the principal may not read it
    (no such project, quarantined, or not readable).

    Cached facts answer only a caller who may read the project. Anyone else is answered from
    the row, by the same query as for a name that has none, and nothing is stored for them:
    a restricted name costs what an unknown one does, and probing names leaves no key.
    """
    lookup = index_cache.project_lookup(org_slug, normalized, *keys)
    if index_cache.shared() and not hidden_from(principal, lookup.route):
        return lookup.route, lookup
    route = _readable_row(principal, org_slug, normalized)
    if route is None:
        return None, lookup
    if not index_cache.shared():
        if route != lookup.route:  # unknown here, or changed by a process it cannot hear
            lookup = index_cache.project_renew(org_slug, normalized, *keys)
    elif lookup.generation is None:
        # None was current when the row was read: read it again under the one taken now.
        lookup = index_cache.project_lookup(org_slug, normalized, *keys, create=True)
        route = _readable_row(principal, org_slug, normalized)
        if route is None:
            return None, lookup
    index_cache.route_store(lookup.generation, route)
    return route, lookup


def _readable_row(principal: Principal, org_slug: str,
                  normalized: str) -> index_cache.Route | None:
    """The project's facts from its row (one query), if the principal may read it."""
    project = project_at(org_slug, normalized)
    route = index_cache.Route.of(project) if project is not None else None
    return None if hidden_from(principal, route) else route


def may_read(principal: Principal, route: index_cache.Route) -> bool:
    """The read decision. Callers without a user (anonymous, org-owned tokens) are decided
    from the cached facts alone; a user's decision looks up their role and grants."""
    subject = route if principal.user is None else route.project()
    return can(principal, Capability.PROJECT_READ, subject)


def hidden_from(principal: Principal, route: index_cache.Route | None) -> bool:
    """Whether the index answers as for no such project (404, or to anonymous callers the
    challenge): no such project, quarantined, or not readable."""
    return (route is None or route.status == ProjectStatus.QUARANTINED
            or not may_read(principal, route))


def readable_project(request, org_slug: str, normalized: str,
                     *keys: str) -> tuple[index_cache.Route, index_cache.Lookup]:
    """The project's facts and the cache lookup; 404 unless the principal may read it
    (anonymous callers get that as the challenge, see ``challenges_anonymous``).

    Quarantined projects are gone from the index and the JSON API for everyone.
    """
    principal = principal_from_request(request)
    route, lookup = project_route(principal, org_slug, normalized, *keys)
    if route is None:
        raise Http404("No such project.")
    return route, lookup


def is_public(project: index_cache.Route) -> bool:
    return project.visibility == Visibility.PUBLIC


def _file_rows(project: Project) -> list[simple.FileRow]:
    prefix = f"/{project.org.slug}/files/"
    return [
        simple.FileRow(
            filename=f.filename, url=prefix + url_path(f.blake2_256_digest, f.filename),
            sha256=f.sha256_digest, version=f.release.version,
            requires_python=f.requires_python, yanked=f.release.yanked,
            yanked_reason=f.release.yanked_reason, metadata_sha256=f.metadata_sha256,
            size=f.size, upload_time=f.uploaded_at,
        )
        for f in files_published(project)
    ]


def _detail_page(project: Project, ctype: str) -> index_cache.CachedPage:
    page = simple.project_detail(
        name=project.normalized_name, serial=project.last_serial, status=project.status,
        status_reason=project.status_reason,
        versions=project.releases.values_list("version", flat=True), files=_file_rows(project))
    return encode(page, ctype, detail_html, project.last_serial)


def anonymous_detail(org: str, normalized: str, ctype: str) -> index_cache.CachedPage | None:
    """The cached page of a project an anonymous caller may read, or None (then the view
    answers: the challenge, or a page it builds)."""
    if not index_cache.shared():
        return None
    key = index_cache.project_page_key(org, normalized, "simple", ctype)
    lookup = index_cache.project_lookup(org, normalized, key)
    return None if hidden_from(ANONYMOUS, lookup.route) else lookup.page(key)


@challenges_anonymous
@require_safe
def project_detail(request, org, project):
    normalized = canonicalize_name(project)
    if normalized != project:
        target = f"/{org}/simple/{normalized}/"
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(target)
    ctype = negotiate(request)
    key = index_cache.project_page_key(org, normalized, "simple", ctype)
    try:
        found, lookup = readable_project(request, org, normalized, key)
    except AuthenticationFailed as exc:
        return auth_error(exc)
    except Http404:  # not the org's to show: maybe an upstream's (registry.upstream)
        return upstream_views.project_page(request, org, normalized, ctype)
    page = lookup.page(key) or index_cache.page_built(
        lookup.generation, key, lambda: _detail_page(found.project(), ctype))
    return respond(request, page, public=is_public(found))
