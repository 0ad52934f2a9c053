"""OpenAPI description of the storefront API key (loaded by ApiConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class StorefrontAPIKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.StorefrontAPIKeyAuthentication"
    name = "StorefrontApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The storefront's key as `Api-Key <key>` (from create_storefront).",
        }
