"""`POST /api/v1/connectors/<platform>/<code>/`: Shopify's and WooCommerce's own webhooks.

Thin: `connectors.services.receiving` checks the signature on the raw body and
stores the delivery; applying it to our orders happens after commit
(`connectors.services.deliveries`). No API key, session or CSRF: the
platform's signature is the authentication.
"""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from connectors.services.receiving import (
    DeliveryNotAuthenticated,
    connection_for_delivery,
    delivery_receive,
)
from shared.errors import error_body

from .throttling import PlatformWebhookThrottle
from .views import _errors

_HEADER = OpenApiParameter.HEADER
DELIVERY_HEADERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        _HEADER,
        required=False,
        description=description,
    )
    for name, description in (
        ("X-Shopify-Hmac-Sha256", "Shopify: base64 HMAC-SHA256 of the raw body with the secret."),
        ("X-Shopify-Topic", "Shopify: orders/create, orders/updated or orders/cancelled."),
        ("X-Shopify-Webhook-Id", "Shopify: the delivery id; a repeat is not applied twice."),
        ("X-Shopify-Shop-Domain", "Shopify: the shop, kept on the connection."),
        ("X-WC-Webhook-Signature", "WooCommerce: base64 HMAC-SHA256 of the raw body."),
        ("X-WC-Webhook-Topic", "WooCommerce: order.created, order.updated or order.deleted."),
        ("X-WC-Webhook-Delivery-ID", "WooCommerce: the delivery id."),
    )
]


class PlatformDeliveryView(APIView):
    """A platform's webhook delivery for one storefront's connection."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []  # the raw body is what is signed: never parsed here
    throttle_scope = "platform"
    throttle_classes = [PlatformWebhookThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing or wrong signature a 401 with a challenge, not a 403.
        return "HMAC-SHA256"

    @extend_schema(
        summary="Receive a Shopify or WooCommerce webhook (the platforms)",
        parameters=DELIVERY_HEADERS,
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            200: inline_serializer(
                "PlatformDeliveryAnswer",
                fields={
                    "received": serializers.BooleanField(),
                    "status": serializers.ChoiceField(choices=["stored", "repeat", "ping"]),
                    "outcome": serializers.CharField(required=False),
                },
            ),
            **_errors(401, 404, 429),
        },
        description="`platform` is `shopify` or `woocommerce`, `code` the storefront's code "
        "(`manage.py connect_storefront` prints the URL). The signature is checked on the raw "
        "body before anything else (401 `not_authenticated` when missing or wrong, nothing "
        "kept). 200 once the delivery is stored; a delivery id seen before is answered 200 and "
        "not applied again. A signed body that is not JSON is stored as failed and answered "
        "200 (the platform would retry the same bytes for days). WooCommerce's unsigned "
        "first delivery (`webhook_id=N`) is answered 200 and nothing is kept. Applying the "
        "delivery (create, edit, cancel) happens after it is stored; its outcome is kept on "
        "the delivery for staff.",
    )
    def post(self, request: Request, platform: str, code: str) -> Response:
        connection = connection_for_delivery(platform=platform, storefront_code=code)
        if connection is None:
            raise NotFound(
                _("No active %(platform)s connection for storefront '%(code)s'.")
                % {"platform": platform, "code": code}
            )
        try:
            body = request.body
        except RequestDataTooBig:  # RequestLimitsMiddleware answers first; kept as a guard
            return Response(
                error_body("request_too_large", _("The request is too large.")),
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            receipt = delivery_receive(connection=connection, headers=request.headers, body=body)
        except DeliveryNotAuthenticated as error:
            raise NotAuthenticated(str(error)) from None
        answer = {"received": True, "status": receipt.status}
        if receipt.delivery is not None:
            answer["outcome"] = receipt.delivery.outcome
        return Response(answer, status=status.HTTP_200_OK)
