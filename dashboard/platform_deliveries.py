"""What the shops' platforms sent us: every stored delivery, and those that need staff.

`/dashboard/platform-deliveries/` (`?attention=1`: the ones our orders refused or
that failed and nobody has dealt with yet; the nav shows how many), one
delivery's page, and applying it again or marking it dealt with through
`connectors.services.deliveries`. Managers and customer care. The pages are
an inbox's (dashboard/inboxes.py).
"""

from django.utils.translation import gettext_lazy as _

from connectors.models import DeliveryOutcome, Platform
from connectors.selectors import delivery_detail, delivery_list
from connectors.services.deliveries import delivery_reapply, delivery_resolve

from .inboxes import Inbox, inbox_urls

PLATFORM_DELIVERIES = Inbox(
    path="platform-deliveries/",
    list_name="platform-deliveries",
    item_name="platform-delivery",
    context_name="delivery",
    list_template="dashboard/platform_deliveries.html",
    detail_template="dashboard/platform_delivery.html",
    view_permission="connectors.view_platformdelivery",
    reapply_permission="connectors.reapply_platformdelivery",
    resolve_permission="connectors.change_platformdelivery",
    forbidden=_("Platform deliveries are for customer care and managers."),
    sender_param="platform",
    senders=Platform,
    senders_context="platforms",
    outcomes=DeliveryOutcome,
    rows=delivery_list,
    find=delivery_detail,
    reapply=delivery_reapply,
    resolve=delivery_resolve,
)

urlpatterns = inbox_urls(PLATFORM_DELIVERIES)
