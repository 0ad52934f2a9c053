"""The seam of the demo data: which apps add their part, in which order, and when."""

from collections import Counter
from collections.abc import Mapping
from datetime import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Max

from orders.demo import demo_data_seed
from orders.demo.confirmation import OVERDUE_BACK_BY
from orders.demo.seeders import DemoOrder, DemoSeeder, demo_seeder_register, demo_seeders
from orders.models import Order, OrderEvent, OrderEventType, Storefront

# The demo makes a finance report run; its files go to a folder of the test's own.
pytestmark = pytest.mark.usefixtures("private_media")


class _RecordingSeeder(DemoSeeder):
    name = "recording"

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def reference_ensure(self, *, storefronts: Mapping[str, Storefront]) -> None:
        self.calls.append(("reference", tuple(sorted(storefronts))))

    def step_prepare(self, order: DemoOrder, *, transition: str) -> None:
        self.calls.append(("prepare", order.pk, transition))

    def step_follow(self, order: DemoOrder, *, transition: str) -> None:
        self.calls.append(("follow", order.pk, transition))

    def history_backdate(
        self, order: DemoOrder, *, placed_at: datetime, step_times: Mapping[str, datetime]
    ) -> None:
        self.calls.append(("backdate", order.pk, placed_at, dict(step_times)))
        # Where the orders' own steps end; the scenes' history comes after.
        self.last_step_event_id = OrderEvent.objects.aggregate(last=Max("id"))["last"]

    def scene_ensure(self, *, storefronts, actors) -> None:
        self.calls.append(("scene", tuple(sorted(storefronts)), tuple(sorted(actors))))


@pytest.fixture
def registry():
    """The registered seeders, put back as they were after the test."""
    saved = list(demo_seeders)
    yield demo_seeders
    demo_seeders[:] = saved


def test_confirmation_then_fulfillment_then_reports_add_their_demo_data():
    assert [(type(s).__module__, s.name) for s in demo_seeders] == [
        ("orders.demo.confirmation", "confirmation"),
        ("orders.demo.change_requests", "change_requests"),
        ("fulfillment.demo", "fulfillment"),
        ("reports.demo", "reports"),
        ("connectors.demo", "connectors"),
        ("aggregators.demo", "aggregators"),
    ]


def test_registering_a_seeder_again_replaces_it_in_place(registry):
    replacement = type(registry[0])()

    demo_seeder_register(replacement)

    assert [s.name for s in registry] == [
        "confirmation",
        "change_requests",
        "fulfillment",
        "reports",
        "connectors",
        "aggregators",
    ]
    assert registry[0] is replacement


def test_a_seeder_is_refused_before_the_seeders_it_needs(registry):
    class _Early(DemoSeeder):
        name = "early"
        requires = ("fulfillment", "later")

    with pytest.raises(ImproperlyConfigured, match="'early' demo seeder needs later"):
        demo_seeder_register(_Early())

    assert [s.name for s in registry] == [
        "confirmation",
        "change_requests",
        "fulfillment",
        "reports",
        "connectors",
        "aggregators",
    ]


@pytest.mark.django_db
def test_a_registered_seeder_is_called_around_every_step_of_every_order(registry):
    recorder = _RecordingSeeder()
    demo_seeder_register(recorder)

    demo_data_seed(orders=12)

    assert recorder.calls[0] == ("reference", ("demo", "global"))
    assert Counter(call[0] for call in recorder.calls)["reference"] == 1
    assert recorder.calls[-1] == (
        "scene",
        ("demo", "global"),
        ("care", "finance", "manager", "warehouse"),
    )
    steps = list(
        OrderEvent.objects.filter(
            event_type__in=[OrderEventType.STATUS_CHANGED, OrderEventType.PAYMENT_CHANGED],
            id__lte=recorder.last_step_event_id,
        )
        .exclude(note="Automatic on cancellation.")
        .order_by("id")
        .values_list("order_id", "transition")
    )
    step_calls = [call for call in recorder.calls if call[0] in ("prepare", "follow")]
    assert step_calls == [
        (kind, order_id, transition)
        for order_id, transition in steps
        for kind in ("prepare", "follow")
    ]
    backdates = [call for call in recorder.calls if call[0] == "backdate"]
    assert [call[1] for call in backdates] == list(
        Order.objects.order_by("id").values_list("pk", flat=True)
    )
    for _kind, order_id, placed_at, step_times in backdates:
        order = Order.objects.get(pk=order_id)
        # One received order may have been dated further back, to be overdue to confirm.
        assert placed_at in (order.placed_at, order.placed_at + OVERDUE_BACK_BY)
        assert step_times.get("confirm") == order.confirmed_at
        assert step_times.get("ship") == order.shipped_at


@pytest.mark.django_db
def test_seeding_again_calls_only_the_reference_and_scene_hooks(registry):
    demo_data_seed(orders=6)
    recorder = _RecordingSeeder()
    demo_seeder_register(recorder)

    demo_data_seed(orders=6)

    assert recorder.calls == [
        ("reference", ("demo", "global")),
        ("scene", ("demo", "global"), ("care", "finance", "manager", "warehouse")),
    ]
