"""`POST /api/v1/tracking/aftership/` and `/tracking/easypost/`: the tracking aggregators.

Thin: `aggregators.services.receiving` checks the signature on the raw body,
stores the event and applies it to the shipment it is about. No API key,
session or CSRF: the aggregator's signature is the authentication.
"""

from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aggregators.models import Aggregator, UpdateOutcome
from aggregators.services import UpdateNotAuthenticated, update_receive
from shared.errors import error_body

from .throttling import AggregatorWebhookThrottle
from .views import _errors

_ANSWER = inline_serializer(
    "TrackingFeedAnswer",
    fields={
        "received": serializers.BooleanField(),
        "status": serializers.ChoiceField(choices=["stored", "repeat"]),
        "outcome": serializers.ChoiceField(choices=UpdateOutcome.values),
    },
)
_COMMON = (
    "The signature is checked on the raw body before anything else (401 `not_authenticated` "
    "when missing or wrong, or when no secret is configured; nothing kept). 200 once the "
    "event is stored, with what applying it did (`outcome`): `applied`, `ignored` (nothing "
    "new, or a topic we do not act on), `unmatched` (no shipment of ours has the tracking "
    "number, or two carriers share it: kept for staff, applied when the shipment is booked "
    "or when staff apply it again), `failed` (a body not in the documented shape: kept for "
    "staff). An event id seen before is answered 200 `repeat` and not applied again. Scans "
    "and statuses have the same consequences as the carrier webhook: the order is delivered "
    "when every shipment is; a failed attempt, an exception or a return to sender holds a "
    "shipped order (`delivery_failed`)."
)


class _TrackingFeedView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes: list = []  # the raw body is what is signed: never parsed here
    throttle_scope = "aggregator"
    throttle_classes = [AggregatorWebhookThrottle]
    aggregator = ""

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing or wrong signature a 401 with a challenge, not a 403.
        return "HMAC-SHA256"

    def _receive(self, request: Request) -> Response:
        try:
            body = request.body
        except RequestDataTooBig:  # RequestLimitsMiddleware answers first; kept as a guard
            return Response(
                error_body("request_too_large", _("The request is too large.")),
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            receipt = update_receive(aggregator=self.aggregator, headers=request.headers, body=body)
        except UpdateNotAuthenticated as error:
            raise NotAuthenticated(str(error)) from None
        return Response(
            {"received": True, "status": receipt.status, "outcome": receipt.update.outcome},
            status=status.HTTP_200_OK,
        )


class AfterShipFeedView(_TrackingFeedView):
    """AfterShip's tracking webhook."""

    aggregator = Aggregator.AFTERSHIP

    @extend_schema(
        summary="Receive an AfterShip tracking webhook (AfterShip)",
        parameters=[
            OpenApiParameter(
                "aftership-hmac-sha256",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Base64 HMAC-SHA256 of the raw body with AFTERSHIP_WEBHOOK_SECRET.",
            ),
            OpenApiParameter(
                "as-webhook-version",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=False,
                description="The webhook version (2024-07 and later are read); kept for staff.",
            ),
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: _ANSWER, **_errors(401, 429)},
        description="AfterShip's `tracking_update` event (`edd_revise` updates the estimate "
        "only), deduplicated by `event_id`; the shipment is found by `msg.tracking_number` "
        "and `msg.slug` (the carrier's AfterShip courier slug). " + _COMMON,
    )
    def post(self, request: Request) -> Response:
        return self._receive(request)


class EasyPostFeedView(_TrackingFeedView):
    """EasyPost's tracker events."""

    aggregator = Aggregator.EASYPOST

    @extend_schema(
        summary="Receive an EasyPost tracker webhook (EasyPost)",
        parameters=[
            OpenApiParameter(
                "X-Hmac-Signature",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="`hmac-sha256-hex=` and the hex HMAC-SHA256 of the raw body, keyed "
                "with EASYPOST_WEBHOOK_SECRET normalised to NFKD.",
            )
        ],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={200: _ANSWER, **_errors(401, 429)},
        description="EasyPost's `tracker.updated` (and `tracker.created`) Event, deduplicated "
        "by its `id`; the shipment is found by `result.tracking_code` and `result.carrier`. "
        "A tracker `error` holds nothing and is kept for staff. " + _COMMON,
    )
    def post(self, request: Request) -> Response:
        return self._receive(request)
