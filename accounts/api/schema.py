"""drf-spectacular: document the error answers every operation may give."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from accounts.api.common import ErrorSerializer

ERROR_CODES = {
    "400": "The request is invalid; `errors` says what is wrong, per field.",
    "401": "No credentials, or an invalid token.",
    "403": "Not allowed (role, grant or token permission), or a revoked/expired token.",
    "404": "Not found, or not visible to you.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}


class WheelhouseAutoSchema(AutoSchema):
    """Adds the common error answers (with their body) to every operation."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        for code, description in ERROR_CODES.items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(
                    OpenApiResponse(response=ErrorSerializer, description=description),
                    code, direction=direction)
        return bodies


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents ``Authorization: Bearer whk_...`` for the API token authentication."""

    target_class = "accounts.api_auth.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "whk_<key id>_<secret>"}
