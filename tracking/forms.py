"""The customer's return, complaint or warranty form on the tracking page."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from fulfillment.forms import AfterSalesRequestForm
from fulfillment.models import AfterSalesKind
from orders.models import OrderLine

# What a customer may open from the page, in their words.
CUSTOMER_KINDS = [
    (AfterSalesKind.RETURN, _("Return items for a refund")),
    (AfterSalesKind.EXCHANGE, _("Exchange items")),
    (AfterSalesKind.COMPLAINT, _("Report a problem")),
    (AfterSalesKind.WARRANTY, _("Claim under warranty (a fault that appeared in use)")),
]


class AfterSalesForm(AfterSalesRequestForm):
    """The tracking page's form: the kinds `open_kinds` allows now, named for customers."""

    def __init__(
        self, *args: Any, order_lines: list[OrderLine], open_kinds: list[str], **kwargs: Any
    ) -> None:
        kinds = [(value, label) for value, label in CUSTOMER_KINDS if value in open_kinds]
        super().__init__(*args, order_lines=order_lines, kinds=kinds, **kwargs)
