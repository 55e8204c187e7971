"""``POST /{org}/legacy/``: the upload endpoint twine, uv, hatch, poetry, pdm and flit use."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import AuthenticationFailed, principal_from_request
from uploads import limits, receiving, services


def reply(status: int, messages=(), retry_after: int | None = None) -> HttpResponse:
    """Twine prints the reason phrase, so the first message goes there too."""
    first = messages[0] if messages else "OK"
    if len(messages) > 1:
        first += f" (and {len(messages) - 1} more problem{'s' if len(messages) > 2 else ''})"
    body = "\n".join(messages) + "\n" if messages else "OK\n"
    response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    # A status line is printable ASCII on the wire; the body keeps the exact (UTF-8) text.
    line = " ".join(first.split())[:1000].encode("ascii", "replace").decode()
    response.reason_phrase = "".join(ch if ch.isprintable() else "?" for ch in line)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def answer(given: services.Answer) -> HttpResponse:
    response = reply(given.status, given.messages, given.retry_after)
    if given.challenge:
        response["WWW-Authenticate"] = 'Basic realm="wheelhouse"'
    return response


def _content_length(request) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


@csrf_exempt  # upload clients carry no CSRF cookie; the endpoint itself is exempt too
def legacy_redirect(request, org):
    response = HttpResponse(status=308)
    # Absolute: uv follows no relative Location, and twine quotes it as the URL to use.
    response["Location"] = request.build_absolute_uri(f"/{org}/legacy/")
    return response


@csrf_exempt
def upload(request, org):
    if request.method != "POST":
        return reply(405, ("Uploads are POSTed here with twine, uv publish, or similar.",))
    # Credentials first: without a valid token nobody learns whether the org exists.
    try:
        principal = principal_from_request(request, allow_session=False)
    except AuthenticationFailed as exc:
        return answer(services.Answer(exc.status, (exc.message,), exc.retry_after,
                                      challenge=exc.status == 401))
    organisation, refusal = services.upload_admit(
        slug=org, principal=principal, content_length=_content_length(request))
    if refusal is not None:
        return answer(refusal)
    try:
        received = receiving.form_read(request, max_file_size=limits.stream_limit(organisation))
    except receiving.FormError as exc:
        return reply(exc.status, (exc.message,))
    try:
        return answer(services.upload_receive(org=organisation, principal=principal,
                                              received=received))
    finally:
        if received.content is not None:
            received.content.close()  # the temporary file, unless staging moved it
