"""Form parts that several faces share and that know no app's models."""

from typing import Any

from django import forms


class LineCountsMixin:
    """A form that asks "how many of each order line": a return, a cancellation.

    `line_counts_add(lines)` adds one whole-number field per line (0 up to the
    line's quantity, empty meaning 0), named `<line_field_prefix>_<line pk>`;
    templates draw them with `line_fields`, and the services take
    `line_counts()`, `[{"sku", "quantity"}]` for the lines given a count.
    Lines are read for `pk`, `sku`, `name` and `quantity` only.
    """

    line_field_prefix = "line"
    order_lines: list[Any]

    def line_counts_add(self, lines: list[Any]) -> None:
        self.order_lines = list(lines)
        for line in self.order_lines:
            self.fields[self.line_field_name(line)] = forms.IntegerField(
                label=line.name,
                min_value=0,
                max_value=line.quantity,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def line_field_name(self, line: Any) -> str:
        return f"{self.line_field_prefix}_{line.pk}"

    def line_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[self.line_field_name(line)]) for line in self.order_lines]

    def line_counts_chosen(self) -> list[tuple[Any, int]]:
        """Each line given a count above 0, with its count (after cleaning)."""
        return [
            (line, count)
            for line in self.order_lines
            for count in [self.cleaned_data.get(self.line_field_name(line))]
            if count
        ]

    def line_counts(self) -> list[dict[str, Any]]:
        """The lines and counts chosen, as the services take them."""
        return [{"sku": line.sku, "quantity": count} for line, count in self.line_counts_chosen()]
