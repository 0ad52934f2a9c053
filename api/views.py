"""Storefront API (v1) and staff operations endpoints. Thin: services do the work."""

from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fulfillment.models import Package, Shipment, Supplier, SupplierRequest
from fulfillment.services import (
    after_sales_request_open,
    carrier_authenticate,
    package_create,
    shipment_create,
    shipment_hand_over,
    tracking_event_record,
)
from fulfillment.services.picking import pick_list_create_for_numbers, picking_record
from fulfillment.services.suppliers import supplier_request_create
from orders.models import Order, OrderChannel
from orders.selectors import order_available_transitions
from orders.services import (
    order_cancel_lines,
    order_create_idempotent,
    order_edit,
    order_take,
    order_transition,
    storefront_for_taking,
)
from shared.parsing import whole_number

from . import edits as edit_api
from . import serializers as api
from .authentication import request_storefront
from .filters import OrderFilter
from .pagination import OrderCursorPagination
from .permissions import IsStaff, IsStorefront, IsStorefrontOrOrderTaker, IsStorefrontOrStaff
from .selectors import order_detail_known, order_detail_prefetch, order_queryset_for_api
from .throttling import CarrierThrottle


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "validation_error: the body, a header or a query parameter is invalid",
        401: "not_authenticated: no or an invalid API key / token",
        403: "permission_denied",
        404: "not_found (another storefront's order is not found either)",
        409: "invalid_transition: not allowed in the order's current state",
        412: "precondition_failed: If-Match names an older version",
        415: "unsupported_media_type: send application/json",
        422: "idempotency_conflict: the key was used with another body",
        429: "throttled: too many requests, see Retry-After",
    }
    return {
        code: OpenApiResponse(api.ErrorSerializer, description=descriptions[code]) for code in codes
    }


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Any unique string per new order (e.g. a UUID). Retrying with the same key and "
    "body returns the same order; kept 24 hours.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description='The order version you last saw, e.g. "3" (the ETag of the order). A newer '
    "version on our side answers 412.",
)

CREATE_EXAMPLE = OpenApiExample(
    "A cash-on-delivery order",
    request_only=True,
    value={
        "external_id": "WEB-100234",
        "currency": "VND",
        "customer": {"email": "lan@example.com", "name": "Nguyễn Thị Lan", "phone": "+84901234567"},
        "shipping_address": {
            "name": "Nguyễn Thị Lan",
            "line1": "12 Lê Lợi",
            "line2": "",
            "city": "TP. Hồ Chí Minh",
            "postal_code": "700000",
            "country": "VN",
        },
        "lines": [
            {
                "sku": "MUG-1",
                "name": "Mug",
                "quantity": 2,
                "unit_price": "120000.00",
                "category": "Home",
            }
        ],
        "shipping_price": "30000.00",
        "payment_method": "cod",
        "payment_status": "unpaid",
    },
)


def if_match_version(request: Request) -> int | None:
    """Read the `If-Match` header as an order version; None when absent or '*'."""
    raw = request.headers.get("If-Match", "").strip()
    if not raw or raw == "*":
        return None
    version = whole_number(raw.removeprefix("W/").strip('"'))
    if version is None:
        raise ValidationError({"If-Match": ['Send the order version as an ETag, e.g. "3".']})
    return version


def with_etag(response: Response, order: Order) -> Response:
    response["ETag"] = f'"{order.version}"'
    return response


@extend_schema_view(
    list=extend_schema(
        summary="List orders",
        description="Newest first, cursor-paginated (`next`/`previous` links).",
        responses={200: api.OrderSummarySerializer(many=True), **_errors(400, 401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Read one order",
        description="With the customer-visible events; the `ETag` header carries the version.",
        responses={200: api.OrderSerializer, **_errors(401, 403, 404, 429)},
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9_-]{1,20}"
    pagination_class = OrderCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilter

    def get_permissions(self):
        if self.action == "create":
            return [IsStorefrontOrOrderTaker()]
        if self.action == "cancel":
            return [IsStorefront()]
        if self.action in ("transitions", "packages", "shipments", "picks", "supplier_requests"):
            return [IsStaff()]
        return [IsStorefrontOrStaff()]

    def get_queryset(self):
        orders = order_queryset_for_api(storefront=request_storefront(self.request))
        if self.action != "list":
            orders = order_detail_prefetch(orders)
        return orders

    def get_serializer_class(self):
        if self.action == "list":
            return api.OrderSummarySerializer
        return api.OrderSerializer

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        order = self.get_object()
        return with_etag(Response(api.order_representation(order)), order)

    def _order_response(self, order: Order, *, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = order_detail_prefetch(Order.objects.filter(pk=order.pk)).select_related(
            "customer", "shipping_address"
        )[0]
        return with_etag(Response(api.order_representation(fresh), status=status_code), fresh)

    @extend_schema(
        summary="Create an order",
        parameters=[IDEMPOTENCY_KEY],
        request=api.OrderCreateSerializer,
        examples=[CREATE_EXAMPLE],
        responses={201: api.OrderSerializer, **_errors(400, 401, 403, 409, 415, 422, 429)},
        description="Totals are computed by us from the lines and the shipping price. The same "
        "Idempotency-Key and body again returns the same order (header "
        "`Idempotent-Replayed: true`); the same key with another body is 422.\n\n"
        "Staff who take orders for customers (a DRF token or a dashboard session, with the "
        "`take_order` permission) create one by adding `storefront` (the storefront's code); "
        "the key is then scoped to that storefront and the order's history names them. Staff "
        "without the permission get 403; an unknown or inactive code is 400.",
    )
    def create(self, request: Request) -> Response:
        fields = api.order_create_validate(request.data)
        code = fields.pop("storefront", "")
        storefront = request_storefront(request)
        if storefront is None:  # a staff member taking an order for a customer
            order, created = order_take(
                actor=request.user,
                storefront=storefront_for_taking(code),
                channel=OrderChannel.API,
                idempotency_key=request.headers.get("Idempotency-Key", ""),
                request_body=request.data,
                **fields,
            )
        else:
            if code and code != storefront.code:
                raise ValidationError(
                    {"storefront": ["A storefront key creates orders for its own storefront only."]}
                )
            order, created = order_create_idempotent(
                storefront=storefront,
                idempotency_key=request.headers.get("Idempotency-Key", ""),
                request_body=request.data,
                **fields,
            )
        if created:  # the new order comes back with its rows in memory: no read back
            order = order_detail_known(order)
            return with_etag(
                Response(api.order_representation(order), status=status.HTTP_201_CREATED), order
            )
        response = self._order_response(order, status_code=status.HTTP_201_CREATED)
        response["Idempotent-Replayed"] = "true"
        return response

    @extend_schema(
        summary="Cancel an order, or some of its lines",
        parameters=[IF_MATCH],
        request=edit_api.CancelSerializer,
        responses={200: api.OrderSerializer, **_errors(400, 401, 403, 404, 409, 412, 415, 429)},
        description="Possible until the order ships; afterwards 409 `invalid_transition` "
        "(`conflict` with `lines`). A paid order is refunded. With `lines [{sku, "
        "quantity}]` only those quantities are cancelled and the order keeps its status "
        "(the answer carries `changes`); a packed quantity is never cancelled (409 "
        "`conflict`). Cancelling every remaining unit cancels the order.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, number: str) -> Response:
        order = self.get_object()
        payload = edit_api.CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if "lines" in payload.validated_data:
            result = order_cancel_lines(
                order=order,
                actor=None,
                reason=payload.validated_data["reason"],
                lines=[dict(line) for line in payload.validated_data["lines"]],
                note="Cancelled by the storefront through the API.",
                expected_version=if_match_version(request),
            )
            response = self._order_response(result.order)
            response.data = edit_api.edit_representation(response.data, result)
            return response
        order = order_transition(
            order=order,
            transition="cancel",
            actor=None,
            reason=payload.validated_data["reason"],
            note="Cancelled by the storefront through the API.",
            expected_version=if_match_version(request),
        )
        return self._order_response(order)

    @extend_schema(
        summary="Change an order",
        parameters=[IF_MATCH],
        request=edit_api.OrderEditSerializer,
        examples=[edit_api.EDIT_EXAMPLE],
        responses=edit_api.EDIT_RESPONSES,
        description="Lines (a new quantity, 0 removes the line; a new SKU needs name and "
        "unit_price) and the shipping price until packing starts; shipping_address (the "
        "whole address) and customer {name, phone} until the order ships. A packed "
        "quantity never drops (409 `conflict` naming the line). Money follows: a lower "
        "total on a paid order is refunded, a higher one leaves `balance_due`, to capture "
        "before shipping. The answer carries this edit's `changes`. A storefront edits its "
        "own orders; staff need the edit permission.",
    )
    @action(detail=True, methods=["post"])
    def edits(self, request: Request, number: str) -> Response:
        order = self.get_object()
        payload = edit_api.OrderEditSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        result = order_edit(
            order=order,
            # A storefront acts as the system; staff as themselves (and need the permission).
            actor=None if request_storefront(request) is not None else request.user,
            expected_version=if_match_version(request),
            note="Changed through the API.",
            **edit_api.order_edit_arguments(payload.validated_data),
        )
        response = self._order_response(result.order)
        response.data = edit_api.edit_representation(response.data, result)
        return response

    @extend_schema(
        summary="Open a return, exchange, complaint or warranty claim",
        request=api.AfterSalesCreateSerializer,
        responses={
            201: api.AfterSalesRequestSerializer,
            **_errors(400, 401, 403, 404, 409, 415, 429),
        },
        description="Only after delivery; before that 409 `invalid_transition`. Storefronts "
        "open requests for their customers; staff may open them too.",
    )
    @action(detail=True, methods=["post"], url_path="after-sales")
    def after_sales(self, request: Request, number: str) -> Response:
        order = self.get_object()
        payload = api.AfterSalesCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        by_staff = request_storefront(request) is None
        after_sales_request = after_sales_request_open(
            order=order,
            kind=payload.validated_data["kind"],
            reason=payload.validated_data["reason"],
            lines=payload.validated_data["lines"],
            source="staff" if by_staff else "storefront",
            actor=request.user if by_staff else None,
        )
        return Response(
            api.AfterSalesRequestSerializer(after_sales_request).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        methods=["GET"],
        summary="Transitions you may run now (staff)",
        responses={200: api.TransitionListSerializer, **_errors(401, 403, 404, 429)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Run a transition (staff)",
        parameters=[IF_MATCH],
        request=api.TransitionRunSerializer,
        responses={
            200: api.OrderSerializer,
            **_errors(400, 401, 403, 404, 409, 412, 415, 429),
        },
    )
    @action(detail=True, methods=["get", "post"])
    def transitions(self, request: Request, number: str) -> Response:
        order = self.get_object()
        if request.method == "GET":
            options = [
                {
                    "name": spec.name,
                    "label": spec.label,
                    "needs_reason": spec.needs_reason,
                    "reason_choices": [
                        value for value, _label in spec.reason_choices_for(request.user)
                    ],
                    "takes_amount": spec.takes_amount,
                }
                for spec in order_available_transitions(order=order, user=request.user)
            ]
            body = {
                "number": order.number,
                "status": order.status,
                "version": order.version,
                "transitions": options,
            }
            return with_etag(Response(api.TransitionListSerializer(body).data), order)
        payload = api.TransitionRunSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        order = order_transition(
            order=order,
            transition=payload.validated_data["transition"],
            actor=request.user,
            note=payload.validated_data["note"],
            reason=payload.validated_data["reason"],
            amount=payload.validated_data["amount"],
            expected_version=if_match_version(request),
        )
        return self._order_response(order)

    @extend_schema(
        summary="Ask a supplier for goods for this order (staff)",
        request=api.SupplierRequestCreateSerializer,
        responses={
            201: api.SupplierRequestSerializer,
            **_errors(400, 401, 403, 404, 409, 415, 429),
        },
        description="To the warehouse or drop-shipped to the customer. The order waits on "
        "hold (`awaiting_supplier`) until every request is received; the supplier is e-mailed.",
    )
    @action(detail=True, methods=["post"], url_path="supplier-requests")
    def supplier_requests(self, request: Request, number: str) -> Response:
        order = self.get_object()
        payload = api.SupplierRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        supplier = Supplier.objects.filter(pk=data["supplier"]).first()
        if supplier is None:
            raise ValidationError({"supplier": [f"No supplier {data['supplier']}."]})
        supplier_request = supplier_request_create(
            order=order,
            supplier=supplier,
            lines=data["lines"],
            delivery=data["delivery"],
            actor=request.user,
        )
        supplier_request = (
            SupplierRequest.objects.select_related("order", "supplier")
            .prefetch_related("lines__order_line")
            .get(pk=supplier_request.pk)
        )
        return Response(
            api.SupplierRequestSerializer(supplier_request).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Record what was picked (staff)",
        request=api.PicksSerializer,
        responses={
            201: api.PickRecordSerializer(many=True),
            **_errors(400, 401, 403, 404, 409, 415, 429),
        },
        description="While the order is picking. What the shelf cannot give, and what the "
        "picker reports as `short`, is recorded as short and puts the order on hold with the "
        "reason `stock_shortage`. `start_packing` is refused while a line is neither picked "
        "nor recorded short.",
    )
    @action(detail=True, methods=["post"])
    def picks(self, request: Request, number: str) -> Response:
        order = self.get_object()
        payload = api.PicksSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        records = picking_record(
            order=order, picks=payload.validated_data["picks"], actor=request.user
        )
        return Response(
            api.PickRecordSerializer(records, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Pack lines into a package (staff)",
        request=api.PackageCreateSerializer,
        responses={201: api.PackageSerializer, **_errors(400, 401, 403, 404, 409, 415, 429)},
        description="While the order is packing. Quantities may not exceed what is left to "
        "pack; `mark_ready_to_ship` is refused while anything is unpacked.",
    )
    @action(detail=True, methods=["post"])
    def packages(self, request: Request, number: str) -> Response:
        order = self.get_object()
        payload = api.PackageCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        package = package_create(order=order, actor=request.user, **payload.validated_data)
        package = Package.objects.prefetch_related("lines__order_line").get(pk=package.pk)
        return Response(api.PackageSerializer(package).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Book a shipment for packages (staff)",
        request=api.ShipmentCreateSerializer,
        responses={201: api.ShipmentSerializer, **_errors(400, 401, 403, 404, 409, 415, 429)},
        description="A carrier and a tracking number for packages of the order; `ship` is "
        "refused while a package has none. With `previous_leg`, hands that shipment over to a "
        "last-mile carrier (its packages move to the new shipment).",
    )
    @action(detail=True, methods=["post"])
    def shipments(self, request: Request, number: str) -> Response:
        order = self.get_object()
        payload = api.ShipmentCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if data["previous_leg"] is not None:
            shipment = shipment_hand_over(
                order=order,
                previous_leg_id=data["previous_leg"],
                carrier_code=data["carrier"],
                tracking_number=data["tracking_number"],
                actor=request.user,
            )
        else:
            shipment = shipment_create(
                order=order,
                carrier_code=data["carrier"],
                tracking_number=data["tracking_number"],
                package_ids=data["packages"],
                actor=request.user,
            )
        shipment = (
            Shipment.objects.select_related("carrier")
            .prefetch_related("packages")
            .get(pk=shipment.pk)
        )
        return Response(api.ShipmentSerializer(shipment).data, status=status.HTTP_201_CREATED)


class CarrierEventView(APIView):
    """`POST /api/v1/carriers/<code>/events/`: a carrier reports on a shipment."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_scope = "carrier"
    throttle_classes = [CarrierThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # Makes a missing or wrong token a 401 with a challenge, not a 403.
        return "X-Carrier-Token"

    @extend_schema(
        summary="Report a tracking event (carriers)",
        parameters=[
            OpenApiParameter(
                "X-Carrier-Token",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="The carrier's webhook secret.",
            )
        ],
        request=api.CarrierEventSerializer,
        responses={
            200: OpenApiResponse(
                api.CarrierEventAnswerSerializer, description="A repeated event_id: ignored."
            ),
            201: api.CarrierEventAnswerSerializer,
            **_errors(400, 401, 404, 415, 429),
        },
        description="Idempotent on `event_id`. When every shipment of an order is delivered "
        "the order is delivered; a failed attempt, an `exception` (held at customs, damaged, "
        "lost...) or a return to sender puts a shipped order on hold (`delivery_failed`). "
        "`ready_for_pickup` changes the shipment's status only; `info_received` is a scan on "
        "the customer's timeline and never moves the shipment's status.",
    )
    def post(self, request: Request, code: str) -> Response:
        carrier = carrier_authenticate(code=code, token=request.headers.get("X-Carrier-Token", ""))
        if carrier is None:
            raise NotAuthenticated("Unknown carrier or wrong X-Carrier-Token.")
        payload = api.CarrierEventSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        event, recorded = tracking_event_record(
            carrier=carrier,
            event_id=data["event_id"],
            tracking_number=data["tracking_number"],
            status=data["status"],
            occurred_at=data["occurred_at"],
            location=data["location"],
            message=data["message"],
            estimated_delivery_date=data["estimated_delivery_date"],
        )
        shipment = Shipment.objects.select_related("order").get(pk=event.shipment_id)
        body = {
            "event_id": event.carrier_event_id,
            "recorded": recorded,
            "shipment_status": shipment.status,
            "order_status": shipment.order.status,
        }
        return Response(
            api.CarrierEventAnswerSerializer(body).data,
            status=status.HTTP_201_CREATED if recorded else status.HTTP_200_OK,
        )


class PickListCreateView(APIView):
    """`POST /api/v1/pick-lists/`: one wave pick list across orders being picked (staff)."""

    permission_classes = [IsStaff]

    @extend_schema(
        summary="Create a wave pick list (staff)",
        request=api.PickListCreateSerializer,
        responses={201: api.PickListSerializer, **_errors(400, 401, 403, 415, 429)},
    )
    def post(self, request: Request) -> Response:
        payload = api.PickListCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        pick_list = pick_list_create_for_numbers(
            numbers=payload.validated_data["orders"], actor=request.user
        )
        body = {
            "id": pick_list.pk,
            "orders": sorted(pick_list.orders.values_list("number", flat=True)),
            "print_url": reverse("fulfillment:pick-list", args=[pick_list.pk]),
        }
        return Response(api.PickListSerializer(body).data, status=status.HTTP_201_CREATED)
