"""Every stored platform body, once mapped, is an order our services create with its total."""

import pytest

from connectors import shopify, woocommerce
from connectors.tests.payloads import payload_load
from orders.services import order_create
from orders.tests.factories import StorefrontFactory

PAYLOADS = [
    (shopify, "shopify_order_paid", "USD"),
    (shopify, "shopify_order_partially_refunded", "USD"),
    (shopify, "shopify_order_cod_vnd", "VND"),
    (shopify, "shopify_order_cancelled", "USD"),
    (woocommerce, "woocommerce_order_processing", "USD"),
    (woocommerce, "woocommerce_order_cod", "VND"),
    (woocommerce, "woocommerce_order_prices_include_tax", "EUR"),
    (woocommerce, "woocommerce_order_refunded", "USD"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("reader", "name", "currency"), PAYLOADS)
def test_mapped_order_is_created_with_the_platforms_total(reader, name, currency):
    mapped = reader.order_read(payload_load(name), currency=currency)
    storefront = StorefrontFactory(code=f"shop-{currency.lower()}", currency=currency)

    order = order_create(storefront=storefront, actor=None, **mapped.create_fields())

    assert order.total == mapped.total
    assert order.external_id == mapped.platform_order_id
    assert order.platform_reference == mapped.platform_reference
    assert order.payment_method == mapped.payment_method
    assert order.lines.count() == len(mapped.lines)
    assert order.shipping_address.province == mapped.shipping_address["province"]
