"""The REST API (v1): storefront endpoints and staff operations endpoints."""
