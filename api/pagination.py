"""Cursor pagination for order lists (kept in its own module: imported by settings-driven code)."""

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from shared.parsing import whole_number


class OrderCursorPagination(CursorPagination):
    # Unique and stable: new orders never shift the pages a client is walking through.
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise ValidationError({"cursor": ["Invalid cursor."]}) from None

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not 1 <= (whole_number(raw) or 0) <= self.max_page_size:
            raise ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {self.max_page_size}."]}
            )
        return super().get_page_size(request)
