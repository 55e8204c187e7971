import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

from registry.fastpath import index_hits  # noqa: E402 - needs the apps loaded

# Anonymous cache hits of the simple API are answered before Django builds a request.
application = index_hits(django_application)
