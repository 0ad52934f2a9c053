"""Helpers for the dashboard tests: teams, orders with their own customer and address."""

import re
from decimal import Decimal
from io import BytesIO
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from orders.models import Department, Order, Team
from orders.services import order_create, order_team_reassign
from orders.tests.factories import PATH_TO, StorefrontFactory, order_step

_numbers = count(1)

ORDER_NUMBER = re.compile(r'data-order="([^"]+)"')


def numbers_on(response) -> list[str]:
    """The order numbers a board or queue page shows, in page order."""
    return ORDER_NUMBER.findall(response.content.decode())


def team_create(code: str, *, department: Department | None = None, **kwargs) -> Team:
    department = department or Department.objects.get_or_create(code="ops", name="Ops")[0]
    return Team.objects.create(name=code.title(), code=code, department=department, **kwargs)


def order_make(
    status: str = "processing",
    *,
    storefront=None,
    email: str | None = None,
    name: str = "Nguyễn Thị Lan",
    country: str = "VN",
    postal_code: str = "700000",
    category: str = "Home",
    payment_method: str = "cod",
    payment_status: str = "unpaid",
    team: Team | None = None,
    external_id: str | None = None,
) -> Order:
    """Create an order through the services and move it to `status`, as the system."""
    n = next(_numbers)
    order = order_create(
        storefront=storefront or StorefrontFactory(code="dash-shop", name="Dash shop"),
        external_id=external_id or f"dash-{n}",
        customer={"email": email or f"customer{n}@example.com", "name": name},
        shipping_address={
            "name": name,
            "line1": "12 Lê Lợi",
            "city": "Somewhere",
            "postal_code": postal_code,
            "country": country,
        },
        lines=[
            {
                "sku": "MUG-1",
                "name": "Mug",
                "quantity": 2,
                "unit_price": "100",
                "category": category,
            }
        ],
        payment_method=payment_method,
        payment_status=payment_status,
        shipping_price=Decimal("10"),
    )
    for transition, reason in PATH_TO[status]:
        order = order_step(order, transition, reason)
    if team is not None:
        order = order_team_reassign(order=order, team=team, actor=None)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def htmx():
    """Headers an htmx request sends."""
    return {"HTTP_HX_REQUEST": "true"}


def png() -> SimpleUploadedFile:
    """A small real PNG, as a customer's photo of the problem."""
    buffer = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("crack.png", buffer.getvalue(), content_type="image/png")
