"""`POST /api/v1/orders/<number>/split/`: staff move quantities to a back-order (thin view)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.services import order_split

from . import serializers as api
from .permissions import IsStaff
from .selectors import order_detail_prefetch, order_queryset_for_api
from .views import IF_MATCH, _errors, if_match_version


class OrderSplitView(APIView):
    """Move some quantities of an order that has not shipped to a new back-order."""

    permission_classes = [IsStaff]

    @extend_schema(
        summary="Split quantities off to a back-order (staff)",
        parameters=[IF_MATCH],
        request=api.OrderSplitSerializer,
        responses={
            201: inline_serializer("OrderSplitAnswer", fields={"backorder": api.OrderSerializer()}),
            **_errors(400, 401, 403, 404, 409, 412, 415, 429),
        },
        description="Needs the split permission. Each line's quantity to move is at most what "
        "is neither picked, packed nor shipped (409 `conflict` naming the line), and not every "
        "unit of the order (409). Only before the order ships (else 409 `invalid_transition`). "
        "The back-order has the same customer, address, payment method and team, the moved "
        "lines at the same prices, no shipping price, and the captured money that went with "
        "them. `If-Match` is the original's version (412 when stale).",
    )
    def post(self, request: Request, number: str) -> Response:
        order = order_queryset_for_api(storefront=None).filter(number=number).first()
        if order is None:
            raise Http404("No such order.")
        payload = api.OrderSplitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        backorder = order_split(
            order=order,
            actor=request.user,
            reason=payload.validated_data["reason"],
            lines=[dict(line) for line in payload.validated_data["lines"]],
            expected_version=if_match_version(request),
        )
        fresh = order_detail_prefetch(order_queryset_for_api(storefront=None)).get(pk=backorder.pk)
        return Response(
            {"backorder": api.order_representation(fresh)}, status=status.HTTP_201_CREATED
        )
