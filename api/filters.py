from datetime import UTC

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField

from orders.models import Order, OrderStatus


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time turned into UTC; a time that falls outside years 1-9999 is a 400.

    Python accepts offsets up to 23:59 but PostgreSQL refuses those beyond
    15:59 ("time zone displacement out of range"), which would be a 500.
    """

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
            return parsed.astimezone(UTC) if parsed is not None else None
        except OverflowError:
            raise ValidationError("Must be a time between the years 1 and 9999.") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    updated_after = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gt",
        help_text="Orders changed after this ISO 8601 time, e.g. 2026-11-01T00:00:00+07:00.",
    )
    external_id = django_filters.CharFilter(field_name="external_id", lookup_expr="exact")

    class Meta:
        model = Order
        fields = ["status", "updated_after", "external_id"]
