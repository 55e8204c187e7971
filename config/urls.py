from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.ratelimit import rate_limited
from registry.upstream import views as upstream_views
from registry.views import files, health, jsonapi, simple
from uploads import views as upload_views
from web import urls as web_urls


class OrgSlugConverter:
    regex = r"[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(OrgSlugConverter, "org")

org_patterns = [
    path("simple/", simple.project_list, name="simple-index"),
    path("simple/<str:project>/", simple.project_detail, name="simple-project"),
    path("files/<str:aa>/<str:bb>/<str:rest>/<str:filename>", files.download, name="file"),
    path("files/upstream/<str:project>/<str:filename>", upstream_views.download,
         name="upstream-file"),
    path("legacy/", upload_views.upload, name="legacy-upload"),
    path("legacy", upload_views.legacy_redirect),
    path("pypi/<str:project>/json", jsonapi.project_json, name="json-project"),
    path("pypi/<str:project>/<str:version>/json", jsonapi.release_json, name="json-release"),
    path("", include(web_urls.org_urlpatterns)),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Both login pages share one count per client; password reset routes (sending mail,
    # setting a password) have their own. They shadow the same routes included below.
    path("admin/login/", rate_limited("login")(admin.site.login)),
    path("admin/", admin.site.urls),
    path("accounts/login/", rate_limited("login")(auth_views.LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_reset/",
         rate_limited("password_reset")(auth_views.PasswordResetView.as_view())),
    path("accounts/reset/<uidb64>/<token>/",
         rate_limited("password_reset")(auth_views.PasswordResetConfirmView.as_view())),
    path("accounts/", include(web_urls.account_urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include(web_urls.urlpatterns)),
    path("<org:org>/", include(org_patterns)),
]

handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
