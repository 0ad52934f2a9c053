"""Demo data of the aggregators: one AfterShip update for a tracking number we do not know.

Registered into `orders.demo` from `AggregatorsConfig.ready()`. It goes through
the same recording and applying service as the webhook (the signature aside:
the demo may run without a secret) and waits, unmatched, on the dashboard's
"Tracking updates" page for someone to deal with it.
"""

import json
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser

from orders.demo.seeders import DemoSeeder
from orders.models import Storefront

from .models import Aggregator, TrackingUpdate
from .services import update_record

DEMO_EVENT_ID = "demo-aftership-unmatched-1"


def demo_unmatched_update() -> dict:
    """An AfterShip `tracking_update` (webhook version 2026-07) for a number nobody booked."""
    return {
        "event": "tracking_update",
        "event_id": DEMO_EVENT_ID,
        "is_tracking_first_tag": True,
        "ts": 1796015403,
        "msg": {
            "id": "5b7d0e2f6c1a4f0e9d3c8b7a6f5e4d3c",
            "tracking_number": "GHNDEMO404",
            "slug": "ghn",
            "tag": "InTransit",
            "subtag": "InTransit_001",
            "subtag_message": "In Transit",
            "checkpoints": [
                {
                    "checkpoint_time": "2026-11-30T12:05:00+07:00",
                    "location": "Bưu cục Quận 3, Hồ Chí Minh",
                    "city": "Hồ Chí Minh",
                    "country_region": "VNM",
                    "postal_code": "700000",
                    "message": "Picked up by the courier",
                    "tag": "InTransit",
                    "subtag": "InTransit_002",
                    "slug": "ghn",
                    "hash": "d3m0c0ffee0000000000000000000001",
                }
            ],
            "latest_estimated_delivery": {
                "type": "specific",
                "source": "Carrier EDD",
                "datetime": "2026-12-03",
                "datetime_min": None,
                "datetime_max": None,
            },
        },
    }


class AggregatorsDemoSeeder(DemoSeeder):
    name = "aggregators"

    def scene_ensure(
        self,
        *,
        storefronts: Mapping[str, Storefront],
        actors: Mapping[str, AbstractBaseUser],
    ) -> None:
        if TrackingUpdate.objects.filter(
            aggregator=Aggregator.AFTERSHIP, event_id=DEMO_EVENT_ID
        ).exists():
            return
        update_record(
            aggregator=Aggregator.AFTERSHIP,
            headers={"Content-Type": "application/json", "as-webhook-version": "2026-07"},
            body=json.dumps(demo_unmatched_update(), ensure_ascii=False).encode(),
        )
