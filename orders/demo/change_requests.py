"""Demo data for customers' change requests: the queue has work, the tracking page an answer.

Two requests wait for customer care (a new address; two mugs fewer) and one
was declined with a note, each asked through the service as a customer would
on the tracking page. Added once, to processing orders of the demo shops.
"""

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser

from ..models import ChangeRequestKind, Order, OrderChangeRequest, OrderStatus, Storefront
from ..services.change_requests import change_request_reject, change_request_submit
from .seeders import DemoSeeder

NEW_ADDRESS = {
    "name": "Phạm Thu Hà",
    "line1": "88 Nguyễn Huệ",
    "line2": "Căn hộ 12B",
    "city": "TP. Hồ Chí Minh",
    "postal_code": "700000",
    "country": "VN",
    "phone": "",
}


class ChangeRequestsDemoSeeder(DemoSeeder):
    name = "change_requests"

    def scene_ensure(
        self,
        *,
        storefronts: Mapping[str, Storefront],
        actors: Mapping[str, AbstractBaseUser],
    ) -> None:
        """Ask for three changes on processing demo orders, unless the demo has some already."""
        orders = Order.objects.filter(storefront__in=list(storefronts.values()))
        if OrderChangeRequest.objects.filter(order__in=orders).exists():
            return
        processing = list(
            orders.filter(
                status=OrderStatus.PROCESSING, storefront__customer_cancellations_auto=False
            )
            .prefetch_related("lines")
            .order_by("-placed_at", "-id")[:3]
        )
        if len(processing) < 3:
            return
        moved, fewer, declined = processing
        change_request_submit(
            order=moved,
            kind=ChangeRequestKind.ADDRESS,
            data={"shipping_address": NEW_ADDRESS},
            message="We moved last weekend; please send it to the new flat.",
        )
        line = max(fewer.lines.all(), key=lambda line: line.quantity)
        change_request_submit(
            order=fewer,
            kind=ChangeRequestKind.CANCEL_ITEMS,
            data={"lines": [{"sku": line.sku, "quantity": 1}]},
            message="One is enough after all.",
        )
        asked = change_request_submit(
            order=declined,
            kind=ChangeRequestKind.CANCEL_ORDER,
            data={},
            message="Found it cheaper.",
        )
        change_request_reject(
            request=asked,
            actor=actors["care"],
            note="Your order is a made-to-measure item we have already started on.",
        )
