"""What the tracking aggregators (AfterShip, EasyPost) sent us, and those that need staff.

`/dashboard/tracking-updates/` (`?attention=1`: the unmatched ones, a tracking
number we do not know or two carriers sharing it, and the failed ones nobody has
dealt with yet; the nav shows how many), one update's page, and applying it again
(e.g. once the shipment's tracking number is right) or marking it dealt with
through `aggregators.services`. Managers and customer care. The pages are an
inbox's (dashboard/inboxes.py).
"""

from django.utils.translation import gettext_lazy as _

from aggregators.models import Aggregator, UpdateOutcome
from aggregators.selectors import update_detail, update_list
from aggregators.services import update_reapply, update_resolve

from .inboxes import Inbox, inbox_urls

TRACKING_UPDATES = Inbox(
    path="tracking-updates/",
    list_name="tracking-updates",
    item_name="tracking-update",
    context_name="update",
    list_template="dashboard/tracking_updates.html",
    detail_template="dashboard/tracking_update.html",
    view_permission="aggregators.view_trackingupdate",
    reapply_permission="aggregators.reapply_trackingupdate",
    resolve_permission="aggregators.change_trackingupdate",
    forbidden=_("Tracking updates are for customer care and managers."),
    sender_param="aggregator",
    senders=Aggregator,
    senders_context="aggregators",
    outcomes=UpdateOutcome,
    rows=update_list,
    find=update_detail,
    reapply=update_reapply,
    resolve=update_resolve,
)

urlpatterns = inbox_urls(TRACKING_UPDATES)
