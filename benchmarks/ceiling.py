"""The ceiling: a bare Django view returning captured page bytes from memory.

Run under the same gunicorn configuration as Wheelhouse:
``CEILING_PAGES=dir gunicorn benchmarks.ceiling:application``. ``dir/manifest.json`` maps a
URL path to ``[file name, content type]``.
"""

import json
import os
from pathlib import Path

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import Http404, HttpResponse
from django.urls import re_path

PAGES_DIR = Path(os.environ.get("CEILING_PAGES", "."))
PAGES = {
    path: (PAGES_DIR.joinpath(name).read_bytes(), ctype)
    for path, (name, ctype) in json.loads(PAGES_DIR.joinpath("manifest.json").read_text()).items()
}


def page(request, rest):
    try:
        body, ctype = PAGES[request.path]
    except KeyError as exc:
        raise Http404 from exc
    response = HttpResponse(body, content_type=ctype)
    response["Content-Length"] = str(len(body))
    return response


urlpatterns = [re_path(r"^(?P<rest>.*)$", page)]

settings.configure(DEBUG=False, ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"],
                   SECRET_KEY="ceiling-only", MIDDLEWARE=[])
django.setup()
application = get_wsgi_application()
