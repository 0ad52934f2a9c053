"""What the "take an order" page reads: the storefront's customers, their last address, SKUs.

Reads only; the order itself is created by `orders.services.order_take`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from customers.models import Address, Customer
from fulfillment.models import InventoryItem
from orders.models import Order, OrderLine, Storefront

CUSTOMER_RESULTS = 10
SKU_SUGGESTIONS = 50
# Last prices come from the storefront's newest orders only: OrderLine has no index on
# `sku`, and a price a year old would mislead more than it helps.
LAST_PRICE_ORDERS = 1000


def customers_find(*, storefront: Storefront, search: str) -> list[Customer]:
    """Return the storefront's customers whose e-mail, name or phone contain `search`.

    A phone is matched on its last nine digits too, so "0901 234 567" finds
    "+84901234567". Erased customers are never offered.
    """
    search = search.strip()
    if not search:
        return []
    matches = Q(email__icontains=search) | Q(name__icontains=search) | Q(phone__icontains=search)
    digits = re.sub(r"\D", "", search)
    if len(digits) >= 6:
        matches |= Q(phone__contains=digits[-9:])
    return list(
        Customer.objects.filter(storefront=storefront, erased_at__isnull=True)
        .filter(matches)
        .order_by("name", "id")[:CUSTOMER_RESULTS]
    )


def customer_for_taking(*, storefront: Storefront, customer_id: int | None) -> Customer | None:
    """Return the storefront's (not erased) customer with this id, or None."""
    if customer_id is None:
        return None
    return Customer.objects.filter(
        storefront=storefront, erased_at__isnull=True, pk=customer_id
    ).first()


def customer_last_address(customer: Customer) -> Address | None:
    """Return the address the customer's latest order went to, or None."""
    return customer.addresses.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class SkuSuggestion:
    sku: str
    name: str
    last_price: Decimal | None  # what it last sold for on this storefront, if it did lately


def sku_last_prices(*, storefront: Storefront, skus: list[str]) -> dict[str, Decimal]:
    """Return what each SKU last sold for on the storefront (its newest orders only)."""
    if not skus:
        return {}
    recent = (
        Order.objects.filter(storefront=storefront)
        .order_by("-created_at", "-id")
        .values("id")[:LAST_PRICE_ORDERS]
    )
    prices: dict[str, Decimal] = {}
    lines = (
        OrderLine.objects.filter(order_id__in=recent, sku__in=skus)
        .order_by("-order_id", "-id")
        .values_list("sku", "unit_price")
    )
    for sku, unit_price in lines:
        prices.setdefault(sku, unit_price)
    return prices


def sku_suggestions(*, storefront: Storefront, search: str = "") -> list[SkuSuggestion]:
    """Return inventory SKUs (with name and last price) matching `search`, by SKU."""
    items = InventoryItem.objects.all()
    search = search.strip()
    if search:
        items = items.filter(Q(sku__istartswith=search) | Q(name__icontains=search))
    found = list(items.order_by("sku").values_list("sku", "name")[:SKU_SUGGESTIONS])
    prices = sku_last_prices(storefront=storefront, skus=[sku for sku, _ in found])
    return [SkuSuggestion(sku=sku, name=name, last_price=prices.get(sku)) for sku, name in found]


def sku_names(skus: list[str]) -> dict[str, str]:
    """Return the inventory's name of each of these SKUs that it knows (and names)."""
    return dict(
        InventoryItem.objects.filter(sku__in=skus).exclude(name="").values_list("sku", "name")
    )
