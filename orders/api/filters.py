import django_filters

from orders.models import Order, OrderStatus


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    updated_after = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        help_text="Orders changed after this ISO 8601 time, e.g. 2026-11-01T00:00:00+07:00.",
    )
    external_id = django_filters.CharFilter(field_name="external_id", lookup_expr="exact")

    class Meta:
        model = Order
        fields = ["status", "updated_after", "external_id"]
